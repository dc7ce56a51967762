"""Each SQuAD tuning question's verdict, to see what a change to declining does.

Asks every question of its own article (answered? right?) and of the next article (the
off-topic check of ``quality.py``), with the shipped semantic model (in-sample), and
writes one JSON record per question. ``--compare`` lists the questions whose verdicts
differ between two such files.

    python benchmarks/squad_verdicts.py before.json          # ~5 min
    python benchmarks/squad_verdicts.py after.json
    python benchmarks/squad_verdicts.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import _contains, load_squad, squad_engine  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.rerank import load_model  # noqa: E402
from retrieval.semantic import EncoderLoader  # noqa: E402


def verdicts() -> list[dict[str, Any]]:
    articles = load_squad()
    analyzer, loader = Analyzer(), EncoderLoader()
    model = load_model(semantic=True)
    engines = [squad_engine(a, analyzer=analyzer, model=model, loader=loader)
               for a in articles]
    records = []
    for i, (article, engine) in enumerate(zip(articles, engines, strict=True)):
        other = engines[(i + 1) % len(engines)].answerer
        for question, golds in article.questions:
            own = engine.answerer.answer(question, k=1)
            off = other.answer(question, k=1)
            records.append({
                "article": i, "question": question, "answered": own.answered,
                "right": bool(own.citations) and _contains(own.citations[0].quote, golds),
                "missing": list(own.missing_terms), "off_answered": off.answered,
                "off_missing": list(off.missing_terms),
            })
    return records


def summary(records: list[dict[str, Any]]) -> str:
    n = len(records)
    declined = sum(not r["answered"] for r in records)
    kept = sum(r["answered"] and r["right"] for r in records)
    off = sum(not r["off_answered"] for r in records)
    return (f"{n} questions: answerable declined {declined / n:.2%}, right and answered "
            f"{kept}, off-topic declined {off / n:.2%}")


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    for old, new in zip(before, after, strict=True):
        if old["answered"] != new["answered"]:
            was = "right" if old["right"] else "wrong"
            print(f"own  ({was}) answered {old['answered']} -> {new['answered']}: "
                  f"{old['question']} {new['missing']}")
        if old["off_answered"] != new["off_answered"]:
            print(f"off  answered {old['off_answered']} -> {new['off_answered']}: "
                  f"{old['question']} {new['off_missing']}")
    print("before:", summary(before))
    print("after: ", summary(after))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?", type=Path, help="write the verdicts here")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text("utf-8")) for p in args.compare)
        compare(before, after)
        return
    if args.out is None:
        parser.error("give a file to write, or --compare BEFORE AFTER")
    records = verdicts()
    args.out.write_text(json.dumps(records), "utf-8")
    print(summary(records))


if __name__ == "__main__":
    main()
