"""Build retrieval/data/common-stems.txt: general English vocabulary, from the SQuAD tuning set.

    python benchmarks/build_common_words.py

A stem found in at least ``--min-articles`` of the 24 tuning articles (diverse Wikipedia
topics) is general vocabulary rather than a specific name or term. The decline rule
weighs a question word the documents lack less when it is general ("role", "happen")
than when it is specific ("Biden", "population" stays general but "Canada" is a name).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import SQUAD, load_squad  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402

OUT = REPO / "retrieval" / "data" / "common-stems.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-articles", type=int, default=3)
    args = parser.parse_args()
    analyzer = Analyzer()
    seen: dict[str, set[int]] = {}
    for n, article in enumerate(load_squad(SQUAD)):
        text = " ".join(article.paragraphs + tuple(q for q, _ in article.questions))
        lower = [w for w in text.split() if w[:1].islower()]  # skip capitalised names
        for term in analyzer.terms(" ".join(lower)):
            if not term.isdigit():
                seen.setdefault(term, set()).add(n)
    common = sorted(t for t, arts in seen.items() if len(arts) >= args.min_articles)
    header = (
        f"# Stems used in at least {args.min_articles} of the 24 SQuAD tuning articles "
        "(general vocabulary),\n"
        "# written by benchmarks/build_common_words.py. SQuAD v1.1: CC BY-SA 4.0.\n"
    )
    OUT.write_text(header + "\n".join(common) + "\n", "utf-8")
    print(f"wrote {OUT}: {len(common)} stems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
