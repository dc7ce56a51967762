"""Answer quality: the article dev set and the SQuAD tuning set, via Engine/Answerer.

Without ``--semantic`` the ranking is the chat bots' (words only); with it, the one
``citebot ask`` uses by default (``CITEBOT_SEMANTIC=auto``).

    python benchmarks/quality.py                       # both sets, shipped model
    python benchmarks/quality.py --only article --show
    python benchmarks/quality.py --model /tmp/m.json   # another reranker model
    python benchmarks/quality.py --semantic            # what `citebot ask` ranks with

Article: hit@1 = the first citation contains a gold string; ``gold: null`` questions
must be declined; an answerable question declined is a false decline.
SQuAD: each article's paragraphs are indexed as one document; hit@1, hit@3, MRR (over
the ten best) and the quote length come from the citations of ``Answerer.answer`` with
k = 10, what ``citebot ask --json -k 10`` lists. Unanswerable
questions: each article's questions asked of the next article's index must be declined
(``off_topic_declined``); ``declined`` is the share of answerable questions declined.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.answer import SEMANTIC_SHORTLIST, Answerer  # noqa: E402
from retrieval.corpus import Corpus, bundled_documents_path, load_corpus  # noqa: E402
from retrieval.documents import document_from_paragraphs, find_document_files  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.index import BM25Index  # noqa: E402
from retrieval.rerank import TreeModel, load_model  # noqa: E402
from retrieval.semantic import SEMANTIC_FEATURES, EncoderLoader, semantic_scorer  # noqa: E402

SHARED = REPO.parent / "shared"
ARTICLE_DEV = SHARED / "eval" / "article-dev.jsonl"
SQUAD = SHARED / "eval" / "squad-dev-tuning.json"


@dataclass(frozen=True)
class SquadArticle:
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[tuple[str, tuple[str, ...]], ...]  # (question, gold answers)


def load_squad(path: Path = SQUAD) -> list[SquadArticle]:
    data = json.loads(path.read_text("utf-8"))["data"]
    articles = []
    for article in data:
        paragraphs = tuple(p["context"] for p in article["paragraphs"])
        questions = tuple(
            (qa["question"], tuple(dict.fromkeys(a["text"].strip() for a in qa["answers"])))
            for p in article["paragraphs"] for qa in p["qas"]
        )
        articles.append(SquadArticle(article["title"], paragraphs, questions))
    return articles


def squad_engine(
    article: SquadArticle, *, analyzer: Analyzer, model: TreeModel,
    loader: EncoderLoader | None = None, prefilter: TreeModel | None = None,
    shortlist: int | None = SEMANTIC_SHORTLIST,
) -> Engine:
    """``model`` trained with the semantic feature: ``loader`` gives the encoder, and the
    ``prefilter`` model (default: the shipped lexical one) picks the ``shortlist``."""
    document = document_from_paragraphs(article.paragraphs, title=article.title.replace("_", " "))
    corpus = Corpus([document])
    index = BM25Index(corpus=corpus, analyzer=analyzer)
    return Engine(corpus=corpus, index=index,
                  answerer=answerer_for(index, model, loader or EncoderLoader(),
                                        prefilter=prefilter, shortlist=shortlist))


def article_engine(model: TreeModel, loader: EncoderLoader | None = None) -> Engine:
    """The bundled documents answered with ``model`` (which may be trained on other
    features than the shipped one) and ``loader``'s encoder (default: the shipped one)."""
    corpus = load_corpus(find_document_files([bundled_documents_path()]))
    index = BM25Index(corpus=corpus, analyzer=Analyzer())
    return Engine(corpus=corpus, index=index,
                  answerer=answerer_for(index, model, loader or EncoderLoader()))


def answerer_for(
    index: BM25Index, model: TreeModel, loader: EncoderLoader, *,
    prefilter: TreeModel | None = None, shortlist: int | None = SEMANTIC_SHORTLIST,
    route: bool | None = None,
) -> Answerer:
    """An answerer with ``model``, with semantic vectors when the model uses them."""
    semantic = None
    if model.feature_names[-len(SEMANTIC_FEATURES):] == SEMANTIC_FEATURES:
        semantic = semantic_scorer(index.corpus, loader)
    return Answerer(index=index, reranker=model, semantic=semantic, prefilter=prefilter,
                    shortlist=shortlist, route=route)


def _contains(quote: str, golds: Iterable[str]) -> bool:
    return any(g and g in quote for g in golds)


def evaluate_squad(
    articles: Sequence[SquadArticle], *, model: TreeModel, analyzer: Analyzer | None = None,
    loader: EncoderLoader | None = None, prefilter: TreeModel | None = None,
    shortlist: int | None = SEMANTIC_SHORTLIST,
) -> dict[str, float]:
    analyzer = analyzer or Analyzer()
    loader = loader or EncoderLoader()
    hits1 = hits3 = 0
    rr = 0.0
    declined = 0
    lengths: list[int] = []
    one_sentence = 0
    times: list[float] = []
    n = 0
    engines = [squad_engine(article, analyzer=analyzer, model=model, loader=loader,
                            prefilter=prefilter, shortlist=shortlist)
               for article in articles]
    for article, engine in zip(articles, engines, strict=True):
        answerer = engine.answerer
        for question, golds in article.questions:
            t0 = time.perf_counter()
            answer = answerer.answer(question, k=10)
            times.append(time.perf_counter() - t0)
            ranked = answer.citations
            n += 1
            declined += not answer.answered
            if answer.citations:
                top = answer.citations[0]
                lengths.append(len(top.quote))
                one_sentence += top.quote == engine.corpus.text(top.passage_id)
                hits1 += _contains(top.quote, golds)
            hits3 += any(_contains(c.quote, golds) for c in ranked[:3])
            for rank, citation in enumerate(ranked, start=1):
                if _contains(citation.quote, golds):
                    rr += 1.0 / rank
                    break
    times.sort()
    # Unanswerable questions: each article's questions asked of the next article.
    off_topic = off_declined = 0
    for i, article in enumerate(articles if len(articles) > 1 else ()):
        other = engines[(i + 1) % len(articles)].answerer
        for question, _ in article.questions:
            off_topic += 1
            off_declined += not other.answer(question, k=3).answered
    return {
        "questions": n,
        "hit@1": hits1 / n,
        "hit@3": hits3 / n,
        "mrr@10": rr / n,
        "declined": declined / n,
        "off_topic_declined": off_declined / off_topic if off_topic else 0.0,
        "mean_quote_chars": statistics.fmean(lengths) if lengths else 0.0,
        "one_sentence_quotes": one_sentence / max(1, len(lengths)),
        "answer_ms_mean": 1000 * statistics.fmean(times),
        "answer_ms_p99": 1000 * times[int(0.99 * (len(times) - 1))],
    }


def evaluate_article(engine: Engine, questions: Sequence[dict], *, show: bool = False) -> dict:
    hits = null_ok = nulls = false_declines = answerable = 0
    for item in questions:
        answer = engine.answerer.answer(item["question"], k=3)
        gold = item.get("gold")
        top = answer.citations[0].quote if answer.citations else ""
        if gold is None:
            nulls += 1
            ok = not answer.answered
            null_ok += ok
        else:
            answerable += 1
            ok = answer.answered and _contains(top, gold)
            hits += ok
            false_declines += not answer.answered
        if show:
            mark = "ok " if ok else "BAD"
            state = "answered" if answer.answered else f"declined missing={answer.missing_terms}"
            support = answer.extra.get("support", 0.0)
            print(f"{mark} {item.get('id', '')} {item['question']!r} {state} "
                  f"support={support:.2f}\n     -> {top[:110]!r}")
    return {
        "answerable": answerable,
        "hit@1": hits / max(1, answerable),
        "false_declines": false_declines,
        "unanswerable": nulls,
        "declined_ok": null_ok,
    }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("article", "squad"), default=None)
    parser.add_argument("--article-questions", type=Path, nargs="+", default=[ARTICLE_DEV])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--model", type=Path, default=None, help="reranker JSON (default: shipped)")
    parser.add_argument("--show", action="store_true", help="print every article answer")
    parser.add_argument("--semantic", action="store_true",
                        help="the shipped model with the semantic feature (CITEBOT_SEMANTIC)")
    parser.add_argument("--mpnet", type=Path, default=None, metavar="SAFETENSORS",
                        help="with --model: a reranker trained on all-mpnet-base-v2's vectors "
                             "(benchmarks/larger_encoder.py; a measurement)")
    args = parser.parse_args(argv)
    model = load_model(args.model, semantic=args.semantic)
    loader = None
    if args.mpnet is not None:
        from benchmarks.larger_encoder import mpnet_loader

        loader = mpnet_loader(args.mpnet)
    results: dict[str, object] = {}
    if args.only in (None, "article"):
        engine = article_engine(model, loader)
        for path in args.article_questions:
            results[f"article:{path.name}"] = evaluate_article(
                engine, read_jsonl(path), show=args.show
            )
    if args.only in (None, "squad"):
        results["squad"] = evaluate_squad(load_squad(args.squad), model=model, loader=loader)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
