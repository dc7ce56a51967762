"""Would fusing `citebot ask`'s ranking with the sentence vectors' own ranking of every
sentence help? Reciprocal-rank fusion over a grid of (k, weight); top quote only, declines
not counted.

    python benchmarks/dense_fusion.py article FILE.jsonl ...
    python benchmarks/dense_fusion.py squad          # in-sample, ~5 minutes

Scores each passage ``1 / (k + rank in ask's ranking) + weight / (k + rank by cosine)``
(passages ask did not rank count as ranked last); weight 0 is ask's own ranking. Also
prints the vectors' ranking alone, and the model's score plus ``weight x cosine`` over
ask's shortlist (the candidates whose cosine it has).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality import (  # noqa: E402
    _contains,
    article_engine,
    load_squad,
    read_jsonl,
    squad_engine,
)

from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.engine import Engine  # noqa: E402
from retrieval.rerank import load_model  # noqa: E402
from retrieval.semantic import SEMANTIC_FEATURES, EncoderLoader  # noqa: E402

GRID = [(k, w) for k in (3, 10, 30, 60) for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)]
LINEAR = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
Tally = dict[tuple[str, float, float], list[int]]


def fused_order(ranked: np.ndarray, cosines: np.ndarray, k: int, weight: float) -> np.ndarray:
    n = len(cosines)
    fused = np.full(n, 1.0 / (k + len(ranked)))
    fused[ranked] = 1.0 / (k + np.arange(len(ranked)))
    by_cosine = np.empty(n)
    by_cosine[np.argsort(-cosines, kind="stable")] = np.arange(n)
    return np.argsort(-(fused + weight / (k + by_cosine)), kind="stable")


def score(engine: Engine, items: Iterable[tuple[str, Sequence[str]]], tally: Tally) -> None:
    answerer = engine.answerer
    if answerer.semantic is None:
        raise SystemExit("the model has no sentence-vector feature")
    every = np.arange(len(engine.corpus))
    for question, golds in items:
        ranked = answerer.rank(question).ids
        cosines = answerer.semantic.cosines(question, every)
        gold = {int(i) for i in every if _contains(engine.corpus.text(int(i)), golds)}
        orders = {("rrf", float(k), weight): fused_order(ranked, cosines, k, weight)
                  for k, weight in GRID}
        orders["vectors alone", 0.0, 0.0] = np.argsort(-cosines, kind="stable")
        found = answerer.candidates(question)
        if found.shortlisted is not None and found.lexical is not None and len(found.ids):
            scores = answerer._shortlist_scores(found, found.shortlisted, found.lexical)
            for weight in LINEAR:
                cosine = found.features[:, -len(SEMANTIC_FEATURES)]
                plus = np.argsort(-(scores + weight * cosine), kind="stable")
                orders["score + weight x cosine", 0.0, weight] = found.ids[plus]
        for key, order in orders.items():
            counts = tally.setdefault(key, [0, 0, 0])
            counts[0] += int(order[0]) in gold
            counts[1] += bool(gold & set(order[:3].tolist()))
            counts[2] += 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", choices=["article", "squad"])
    parser.add_argument("files", nargs="*", type=Path, help="article question files")
    args = parser.parse_args(argv)
    model = load_model(semantic=True)
    tally: Tally = {}
    if args.set == "article":
        items = [(d["question"], d["gold"]) for f in args.files for d in read_jsonl(f)
                 if d.get("gold")]
        score(article_engine(model), items, tally)
    else:
        loader, analyzer = EncoderLoader(), Analyzer()
        for article in load_squad():
            engine = squad_engine(article, analyzer=analyzer, model=model, loader=loader)
            score(engine, article.questions, tally)
    for (how, k, weight), (hit1, hit3, n) in sorted(tally.items()):
        setting = f"k {k:>2.0f} weight {weight:<4}" if how == "rrf" else f"weight {weight:<4}"
        print(f"{how} {setting}: hit@1 {hit1}/{n} = {hit1 / n:.4f}, hit@3 {hit3 / n:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
