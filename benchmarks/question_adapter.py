"""Could a learned map of question vectors make the sentence encoder a question encoder?

all-MiniLM-L6-v2 embeds a question near sentences that share its topic; the answer's
sentence is often not the nearest. This fits a linear map W of question vectors (the
sentences' vectors stay as shipped) so that, by cosine, a SQuAD question's gold sentence
ranks first among its article's sentences: softmax over the article's sentences at
temperature 0.05, full-batch gradient descent, W = I + D with an L2 pull of D to 0.
Cosine-only hit@1 is reported out-of-fold (6 folds by article), in-sample, and on the
bundled article's 152 answerable questions (W fitted on all 24 SQuAD articles).

    python benchmarks/question_adapter.py            # ~6 min: encodes ~11,000 texts
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import load_squad  # noqa: E402
from retrieval.corpus import Corpus, bundled_documents_path, load_corpus  # noqa: E402
from retrieval.documents import document_from_paragraphs  # noqa: E402
from retrieval.encoder import SentenceEncoder  # noqa: E402

ARTICLE_QUESTIONS = (
    REPO.parent / "shared" / "eval" / "article-dev.jsonl",
    REPO / "benchmarks" / "article-heldout.jsonl",
    REPO / "benchmarks" / "article-heldout2.jsonl",
    REPO / "benchmarks" / "article-paraphrases.jsonl",
)
FOLDS = 6
TEMPERATURE = 0.05

Item = tuple[str, list[int]]  # a question and the indexes of its gold sentences


class Article:
    def __init__(self, sentences: list[str], items: list[Item]) -> None:
        self.sentences, self.items = sentences, items
        self.S = np.empty((0, 0))
        self.Q = np.empty((0, 0))


def _golds(sentences: Sequence[str], answers: Sequence[str]) -> list[int]:
    return [i for i, s in enumerate(sentences) if any(a and a in s for a in answers)]


def squad_articles() -> list[Article]:
    articles = []
    for squad in load_squad():
        document = document_from_paragraphs(squad.paragraphs, title=squad.title)
        sentences = list(Corpus([document]).texts())
        items = [(q, g) for q, answers in squad.questions if (g := _golds(sentences, answers))]
        articles.append(Article(sentences, items))
    return articles


def bundled_article() -> Article:
    sentences = list(load_corpus([bundled_documents_path()]).texts())
    items: list[Item] = []
    for path in ARTICLE_QUESTIONS:
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            if record.get("gold"):
                items.append((record["question"], _golds(sentences, record["gold"])))
    return Article(sentences, items)


def encode(encoder: SentenceEncoder, articles: Sequence[Article]) -> None:
    for article in articles:
        article.S = encoder.encode(article.sentences)
        article.Q = encoder.encode([q for q, _ in article.items])


def hit_at_1(W: np.ndarray, articles: Sequence[Article]) -> float:
    hits = total = 0
    for article in articles:
        best = np.argmax((article.Q @ W.T) @ article.S.T, axis=1)
        hits += sum(int(b in gold) for b, (_, gold) in zip(best.tolist(), article.items,
                                                             strict=True))
        total += len(article.items)
    return hits / total


def fit(articles: Sequence[Article], *, diagonal: bool, l2: float, rate: float,
        epochs: int) -> np.ndarray:
    d = articles[0].Q.shape[1]
    D = np.zeros(d) if diagonal else np.zeros((d, d))
    n = sum(len(a.items) for a in articles)
    for _ in range(epochs):
        grad = np.zeros_like(D)
        for a in articles:
            W = np.diag(1.0 + D) if diagonal else np.eye(d) + D
            U = a.Q @ W.T
            norms = np.linalg.norm(U, axis=1, keepdims=True)
            V = U / norms
            logits = V @ a.S.T / TEMPERATURE
            logits -= logits.max(axis=1, keepdims=True)
            P = np.exp(logits)
            P /= P.sum(axis=1, keepdims=True)
            target = np.zeros_like(P)
            for row, (_, gold) in enumerate(a.items):
                target[row, gold] = P[row, gold] / P[row, gold].sum()
            dV = (P - target) @ a.S / TEMPERATURE
            dU = (dV - V * (dV * V).sum(axis=1, keepdims=True)) / norms
            grad += (dU * a.Q).sum(axis=0) if diagonal else dU.T @ a.Q
        D -= rate * (grad / n + l2 * D)
    return np.diag(1.0 + D) if diagonal else np.eye(d) + D


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    squad, article = squad_articles(), bundled_article()
    encode(SentenceEncoder.load(), [*squad, article])
    eye = np.eye(squad[0].Q.shape[1])
    print(f"cosine alone: SQuAD {hit_at_1(eye, squad):.4f}, article {hit_at_1(eye, [article]):.4f}")
    settings = [
        ("full map", False, 1e-3, 2.0, 40), ("full map", False, 1e-3, 4.0, 80),
        ("full map", False, 1e-2, 4.0, 80), ("diagonal", True, 1e-3, 5.0, 60),
        ("diagonal", True, 1e-3, 20.0, 100),
    ]
    for name, diagonal, l2, rate, epochs in settings:
        hits = 0.0
        for fold in range(FOLDS):
            held = [a for i, a in enumerate(squad) if i % FOLDS == fold]
            rest = [a for i, a in enumerate(squad) if i % FOLDS != fold]
            W = fit(rest, diagonal=diagonal, l2=l2, rate=rate, epochs=epochs)
            hits += hit_at_1(W, held) * sum(len(a.items) for a in held)
        W = fit(squad, diagonal=diagonal, l2=l2, rate=rate, epochs=epochs)
        oof = hits / sum(len(a.items) for a in squad)
        print(f"{name} (L2 {l2}, rate {rate}, {epochs} epochs): SQuAD out-of-fold {oof:.4f}, "
              f"in-sample {hit_at_1(W, squad):.4f}; article {hit_at_1(W, [article]):.4f}",
              flush=True)


if __name__ == "__main__":
    main()
