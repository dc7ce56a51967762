"""Summary targets, checked through the real command line (``citebot summary --json``).

    python benchmarks/summary_check.py [--docs PATH ...]

Whole document: at most 7 sentences, every quote verbatim in the cleaned document, the
lede and every section represented, document order. Topics: each expected passage named.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from retrieval.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "seeds" / "taurus-leak.txt"
# topic -> substrings that must each appear in some quote ([] = the topic is not covered)
TOPICS: dict[str, list[str]] = {
    "Russia's reaction": ["The Kremlin said", "Peskov", "Medvedev"],
    "Germany's response": ["Strack-Zimmermann", "government spokesman"],
    "how the meeting was leaked": ["WebEx"],
    "Scholz": ["Scholz has argued"],
    "the weather in Paris": [],
    "German football": [],
}


def summary(args: list[str]) -> tuple[dict[str, object], float]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "--json", *args],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return json.loads(out), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", nargs="+", default=[str(ARTICLE)])
    args = parser.parse_args()
    document = load_corpus(args.docs).documents[0]
    failures = 0

    result, seconds = summary(["--docs", *args.docs])
    quotes = [c["quote"] for c in result["citations"]]  # type: ignore[attr-defined]
    sections = {c["section"] for c in result["citations"] if c["section"]}  # type: ignore[attr-defined]
    lede = document.text[slice(*document.paragraphs[0].sentences[0])]
    offsets = [document.text.find(q) for q in quotes]
    checks = {
        "at most 7 sentences": len(quotes) <= 7,
        "all verbatim": all(o >= 0 for o in offsets),
        "document order": offsets == sorted(offsets),
        "lede included": bool(quotes) and quotes[0] == lede,
        "every section represented": sections == set(document.sections),
    }
    print(f"summary (whole document): {len(quotes)} sentences, {len(sections)}/"
          f"{len(document.sections)} sections, {seconds:.2f} s wall (cold CLI)")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'} {name}")
        failures += not ok
    for topic, expected in TOPICS.items():
        result, _ = summary([topic, "--docs", *args.docs])
        quotes = [c["quote"] for c in result["citations"]]  # type: ignore[attr-defined]
        if expected:
            ok = all(any(e in q for q in quotes) for e in expected) and len(quotes) <= 7
        else:
            ok = not quotes
        verbatim = all(q in document.text for q in quotes)
        failures += not (ok and verbatim)
        print(f"  {'PASS' if ok and verbatim else 'FAIL'} topic {topic!r}: {len(quotes)} "
              f"sentences; expected {expected or 'not covered'}")
    print("all targets met" if not failures else f"{failures} target(s) missed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
