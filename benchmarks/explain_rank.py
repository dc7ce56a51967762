"""Why the reranker puts another sentence above the expected one, feature by feature.

    python benchmarks/explain_rank.py "Who leaked the audio?" "deliberately leaked"
    python benchmarks/explain_rank.py QUESTION GOLD --model /tmp/m.json --top 8

Answers QUESTION on the bundled article, finds the candidate that contains GOLD, and
for each feature gives the gold candidate that feature's value from the best other
candidate and rescores it: the change shows what that one value is worth to the model.
Heading evidence (added after the model) is printed beside the scores. Run by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import article_engine  # noqa: E402
from retrieval.rerank import load_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("gold", help="a string of the expected sentence")
    parser.add_argument("--model", type=Path, default=None, help="reranker JSON")
    parser.add_argument("--top", type=int, default=12, help="features to list")
    args = parser.parse_args(argv)
    engine = article_engine(load_model(args.model))
    answerer = engine.answerer
    found = answerer.candidates(args.question)
    texts = [engine.corpus.text(int(i)) for i in found.ids]
    gold = next((n for n, t in enumerate(texts) if args.gold in t), None)
    if gold is None:
        print("no candidate contains the gold string: it shares no term with the question")
        return 1
    scores = answerer.reranker.predict(found.features)
    rival = max((n for n in range(len(texts)) if n != gold), key=lambda n: scores[n],
                default=None)
    if rival is None:
        print("the gold sentence is the only candidate")
        return 0
    heading = found.heading if found.heading is not None else np.zeros(len(texts))
    for label, n in (("best other", rival), ("gold", gold)):
        print(f"{label:10s} model {scores[n]:+.3f}  heading {heading[n]:.3f}  {texts[n][:90]}")
    rows = []
    for j, name in enumerate(answerer.feature_names):
        swapped = found.features[[gold]].copy()
        swapped[0, j] = found.features[rival, j]
        change = float(answerer.reranker.predict(swapped)[0] - scores[gold])
        rows.append((change, name, found.features[gold, j], found.features[rival, j]))
    print(f"\n{'feature':28s} {'gold':>9s} {'other':>9s}  gold's score with the other's value")
    for change, name, mine, theirs in sorted(rows, key=lambda r: -abs(r[0]))[: args.top]:
        print(f"{name:28s} {mine:9.3f} {theirs:9.3f}  {change:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
