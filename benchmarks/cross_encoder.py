"""Experiment: a question-sentence cross-encoder fine-tuned from all-MiniLM-L6-v2 on SQuAD.

The lexical reranker misses the article where meaning, not shared words, decides (see
RESULTS, sixth session). This measures what a cross-encoder trained here, on the SQuAD
tuning set only and on this machine's CPU, would add. It is not part of the bot.

Needs PyTorch beside the project and the float32 weights that ``export_encoder.py`` reads:

    pip install -e . torch==2.13.0
    python benchmarks/cross_encoder.py train PATH/TO/model.safetensors --out ce.pt \
        --holdout 20 21 22 23 --epochs 1
    python benchmarks/cross_encoder.py eval ce.pt --holdout 20 21 22 23

``train`` fine-tunes every layer on [CLS] question [SEP] sentence [SEP] (segment ids 0/1,
mean pooling, one linear score), each step 8 questions of 4 sentences: the gold one and
three drawn from the 30 best BM25 sentences without the answer, softmax cross-entropy.
``eval`` scores the held-out SQuAD articles' 20 best BM25 sentences per question, beside
BM25 and the lexical reranker trained on the other articles, and the bundled article's
three question sets over all its sentences, beside the shipped model; both also fused
with the reranker by reciprocal rank (k 60).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.export_encoder import read_safetensors  # noqa: E402
from benchmarks.quality import (  # noqa: E402
    ARTICLE_DEV,
    SquadArticle,
    _contains,
    article_engine,
    load_squad,
    read_jsonl,
    squad_engine,
)
from benchmarks.train_reranker import article_rows, bootstrap_model, train  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.quotes import quote_text  # noqa: E402
from retrieval.rerank import load_model, model_from_json  # noqa: E402
from retrieval.wordpiece import WordPieceTokenizer  # noqa: E402

VOCAB = ROOT / "retrieval" / "data" / "minilm-vocab.txt"
ARTICLE_SETS = (ARTICLE_DEV, ROOT / "benchmarks" / "article-heldout.jsonl",
                ROOT / "benchmarks" / "article-heldout2.jsonl")
WIDTH, HEADS, FFN, LAYERS = 384, 12, 1536, 6
MAX_PAIR_TOKENS = 128
RRF_K = 60


class Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(WIDTH, WIDTH) for _ in range(4))
        self.ln1 = nn.LayerNorm(WIDTH, eps=1e-12)
        self.inner = nn.Linear(WIDTH, FFN)
        self.out = nn.Linear(FFN, WIDTH)
        self.ln2 = nn.LayerNorm(WIDTH, eps=1e-12)

    def forward(self, x: torch.Tensor, blocked: torch.Tensor) -> torch.Tensor:
        batch, width, _ = x.shape
        size = WIDTH // HEADS

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, width, HEADS, size).transpose(1, 2)

        scores = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(size)
        context = ((scores + blocked).softmax(-1) @ split(self.v(x))).transpose(1, 2)
        x = self.ln1(self.o(context.reshape(batch, width, WIDTH)) + x)
        return self.ln2(self.out(nn.functional.gelu(self.inner(x))) + x)


class CrossEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.word = nn.Embedding(30522, WIDTH)
        self.position = nn.Embedding(512, WIDTH)
        self.segment = nn.Embedding(2, WIDTH)
        self.ln = nn.LayerNorm(WIDTH, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.head = nn.Linear(WIDTH, 1)

    def load_minilm(self, path: Path) -> None:
        w = {name: torch.from_numpy(array) for name, array in read_safetensors(path).items()}
        names = [(self.word, "embeddings.word_embeddings"),
                 (self.position, "embeddings.position_embeddings"),
                 (self.segment, "embeddings.token_type_embeddings"),
                 (self.ln, "embeddings.LayerNorm")]
        for i, layer in enumerate(self.layers):
            p = f"encoder.layer.{i}."
            names += [(layer.q, p + "attention.self.query"), (layer.k, p + "attention.self.key"),
                      (layer.v, p + "attention.self.value"),
                      (layer.o, p + "attention.output.dense"),
                      (layer.ln1, p + "attention.output.LayerNorm"),
                      (layer.inner, p + "intermediate.dense"), (layer.out, p + "output.dense"),
                      (layer.ln2, p + "output.LayerNorm")]
        with torch.no_grad():
            for module, name in names:
                module.weight.copy_(w[name + ".weight"])
                if name + ".bias" in w:
                    module.bias.copy_(w[name + ".bias"])
            self.head.weight.zero_()
            self.head.bias.zero_()

    def forward(
        self, ids: torch.Tensor, segments: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        x = self.ln(self.word(ids) + self.position.weight[: ids.shape[1]]
                    + self.segment(segments))
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, blocked)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(pooled).squeeze(-1)


def batch_of(
    pairs: Sequence[tuple[list[int], list[int]]]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """[CLS] question [SEP] sentence [SEP] rows of (question, sentence) token ids, padded
    to the longest: ids, segment ids, mask."""
    rows = []
    for question, sentence in pairs:
        ids = question + sentence[1:]
        segments = [0] * len(question) + [1] * (len(sentence) - 1)
        if len(ids) > MAX_PAIR_TOKENS:
            ids = ids[:MAX_PAIR_TOKENS - 1] + ids[-1:]
            segments = segments[:MAX_PAIR_TOKENS]
        rows.append((ids, segments))
    width = max(len(ids) for ids, _ in rows)
    ids_t = torch.zeros(len(rows), width, dtype=torch.long)
    seg_t = torch.zeros_like(ids_t)
    mask = torch.zeros(len(rows), width)
    for r, (ids, segments) in enumerate(rows):
        ids_t[r, :len(ids)] = torch.tensor(ids)
        seg_t[r, :len(ids)] = torch.tensor(segments)
        mask[r, :len(ids)] = 1.0
    return ids_t, seg_t, mask


def squad_data(articles: Sequence[SquadArticle], tokenizer: WordPieceTokenizer) -> list[dict]:
    """Per article: its sentences' token ids; per question its token ids, the sentences in BM25
    order (best 40) and which sentences' quotes hold a gold answer."""
    analyzer = Analyzer()
    data = []
    for article in articles:
        engine = squad_engine(article, analyzer=analyzer, model=bootstrap_model())
        corpus = engine.corpus
        quotes = [quote_text(corpus, i) for i in range(len(corpus))]
        questions = []
        for question, golds in article.questions:
            terms = list(engine.answerer.candidates(question).profile.terms)
            order = np.argsort(-engine.index.scores(terms), kind="stable")[:40]
            questions.append({"ids": tokenizer.encode(question, 48),
                              "order": order.tolist(),
                              "labels": [int(_contains(q, golds)) for q in quotes]})
        data.append({"sentences": [tokenizer.encode(corpus.text(i), 96)
                                   for i in range(len(corpus))], "questions": questions})
    return data


def train_model(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tokenizer = WordPieceTokenizer.from_file(VOCAB)
    articles = [a for i, a in enumerate(load_squad()) if i not in args.holdout]
    groups = []
    for article in squad_data(articles, tokenizer):
        for q in article["questions"]:
            positives = [i for i, label in enumerate(q["labels"]) if label]
            negatives = [i for i in q["order"][:30] if not q["labels"][i]]
            if positives and len(negatives) >= args.group - 1:
                groups.append((article["sentences"], q["ids"], positives, negatives))
    model = CrossEncoder()
    model.load_minilm(args.weights)
    body = [p for n, p in model.named_parameters() if not n.startswith("head")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": args.lr},
                                   {"params": model.head.parameters(), "lr": args.head_lr}],
                                  weight_decay=0.01)
    steps = int(len(groups) * args.epochs / args.questions)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps))
    order: list[int] = []
    while len(order) < steps * args.questions:
        more = list(range(len(groups)))
        rng.shuffle(more)
        order += more
    print(f"{len(groups)} questions, {steps} steps", flush=True)
    started = time.perf_counter()
    running = math.log(args.group)
    model.train()
    for step in range(steps):
        pairs: list[tuple[list[int], list[int]]] = []
        for g in order[step * args.questions:(step + 1) * args.questions]:
            sentences, question, positives, negatives = groups[g]
            chosen = [rng.choice(positives), *rng.sample(negatives, args.group - 1)]
            pairs += [(question, sentences[i]) for i in chosen]
        scores = model(*batch_of(pairs)).view(args.questions, args.group)
        loss = nn.functional.cross_entropy(scores, torch.zeros(args.questions, dtype=torch.long))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        running = 0.98 * running + 0.02 * loss.item()
        if step % 50 == 0:
            print(f"step {step}/{steps} loss {running:.3f} "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    torch.save(model.state_dict(), args.out)
    print(f"wrote {args.out} after {time.perf_counter() - started:.0f} s")


def scores_for(
    model: CrossEncoder, question: list[int], sentences: Sequence[list[int]]
) -> np.ndarray:
    out: list[float] = []
    with torch.no_grad():
        for start in range(0, len(sentences), 64):
            chunk = sentences[start:start + 64]
            out += model(*batch_of([(question, s) for s in chunk])).tolist()
    return np.asarray(out)


def fused_best(first: Sequence[int], second: Sequence[int]) -> int:
    """The sentence best placed by reciprocal-rank fusion of two rankings; a tie goes to
    the one ``first`` places higher."""
    score: dict[int, float] = {}
    for ranking in (first, second):
        for rank, i in enumerate(ranking):
            score[i] = score.get(i, 0.0) + 1.0 / (RRF_K + rank)
    place = {i: rank for rank, i in enumerate(first)}
    return max(score, key=lambda i: (score[i], -place.get(i, len(first))))


def evaluate(args: argparse.Namespace) -> None:
    model = CrossEncoder()
    model.load_state_dict(torch.load(args.model))
    model.eval()
    tokenizer = WordPieceTokenizer.from_file(VOCAB)
    report: dict[str, Any] = {}
    if args.holdout:
        articles = load_squad()
        analyzer = Analyzer()
        train_rows = [row for i, a in enumerate(articles) if i not in args.holdout
                      for row in article_rows(a, analyzer)]
        reranker = model_from_json(train(train_rows, 0, {}, False))
        held = [articles[i] for i in args.holdout]
        counts = dict.fromkeys(("bm25", "reranker", "ce", "ce@3", "fused"), 0)
        n = 0
        for article, data in zip(held, squad_data(held, tokenizer), strict=True):
            engine = squad_engine(article, analyzer=analyzer, model=reranker)
            for (question, _), q in zip(article.questions, data["questions"], strict=True):
                n += 1
                pool = q["order"][:20]
                ce = scores_for(model, q["ids"], [data["sentences"][i] for i in pool])
                ce_ranking = [pool[i] for i in np.argsort(-ce, kind="stable")]
                ranked = [int(c.passage_id)
                          for c in engine.answerer.answer(question, k=10).citations]
                labels = q["labels"]
                counts["bm25"] += labels[pool[0]]
                counts["reranker"] += bool(ranked) and labels[ranked[0]]
                counts["ce"] += labels[ce_ranking[0]]
                counts["ce@3"] += any(labels[i] for i in ce_ranking[:3])
                counts["fused"] += labels[fused_best(ranked, ce_ranking)]
        report["squad_holdout"] = {"questions": n, **{k: round(v / n, 4)
                                                       for k, v in counts.items()}}
    engine = article_engine(load_model())
    corpus = engine.corpus
    quotes = [quote_text(corpus, i) for i in range(len(corpus))]
    sentences = [tokenizer.encode(corpus.text(i), 96) for i in range(len(corpus))]
    for path in ARTICLE_SETS:
        counts = dict.fromkeys(("answerable", "shipped", "ce", "fused"), 0)
        for row in read_jsonl(path):
            golds = row["gold"]
            if not golds:
                continue
            ce = scores_for(model, tokenizer.encode(row["question"], 48), sentences)
            ce_ranking = [int(i) for i in np.argsort(-ce, kind="stable")]
            answer = engine.answerer.answer(row["question"], k=10)
            ranked = [int(c.passage_id) for c in answer.citations]
            hit = {"shipped": answer.answered and bool(ranked)
                   and _contains(quotes[ranked[0]], golds),
                   "ce": _contains(quotes[ce_ranking[0]], golds),
                   "fused": _contains(quotes[fused_best(ranked, ce_ranking)], golds)}
            counts["answerable"] += 1
            for key, value in hit.items():
                counts[key] += value
            if args.show:
                marks = " ".join(f"{k}={'+' if v else '-'}" for k, v in hit.items())
                print(f"{row['id']} {marks} {row['question']!r} -> "
                      f"{corpus.text(ce_ranking[0])[:70]!r}")
        report[path.name] = counts
    started = time.perf_counter()
    for _ in range(5):
        scores_for(model, tokenizer.encode("How many officers were in the call?", 48),
                   sentences[:20])
    report["ms_per_question_20_sentences"] = round(200 * (time.perf_counter() - started), 1)
    print(json.dumps(report, indent=2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("train")
    fit.add_argument("weights", type=Path, help="all-MiniLM-L6-v2 model.safetensors")
    fit.add_argument("--out", type=Path, required=True)
    fit.add_argument("--holdout", type=int, nargs="*", default=[],
                     help="SQuAD articles (by position) left out of training")
    fit.add_argument("--epochs", type=float, default=1.0)
    fit.add_argument("--questions", type=int, default=8, help="questions per step")
    fit.add_argument("--group", type=int, default=4, help="sentences per question")
    fit.add_argument("--lr", type=float, default=5e-5)
    fit.add_argument("--head-lr", type=float, default=2e-3)
    fit.add_argument("--seed", type=int, default=0)
    check = sub.add_parser("eval")
    check.add_argument("model", type=Path)
    check.add_argument("--holdout", type=int, nargs="*", default=[])
    check.add_argument("--show", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.command == "train":
        train_model(args)
    else:
        evaluate(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
