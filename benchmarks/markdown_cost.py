"""What reading Markdown costs: ``clean_document`` on generated text, dense with marks.

Three texts of ``--lines`` lines of 12 words each, drawn (seeded) from words that open or
close marks (``*beta``, ``gamma_``, ``` `delta ```, ``[eps``, ``zeta**``) and plain ones:
one paragraph (every unclosed mark could scan the whole of it, but for the 300-character
bound on a span), paragraphs of five lines, and the same words without marks. Each is
cleaned as ``notes.md``; the best of ``--repeat`` runs is printed. Run it on two checkouts
to compare them.

    python benchmarks/markdown_cost.py [--lines 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.documents import clean_document  # noqa: E402

WORDS = ("alpha", "*beta", "gamma_", "`delta", "[eps", "zeta**", "eta", "theta.", "iota",
         "kappa")


def texts(lines: int, seed: int = 1) -> dict[str, str]:
    rng = random.Random(seed)
    rows = [" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(lines)]
    plain = [row.translate(str.maketrans("", "", "*_`[")) for row in rows]
    return {
        "one paragraph": "\n".join(rows),
        "paragraphs of 5 lines": "\n\n".join("\n".join(rows[i:i + 5])
                                             for i in range(0, len(rows), 5)),
        "no marks, one paragraph": "\n".join(plain),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for name, raw in texts(args.lines).items():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            clean_document(raw, path="notes.md")
            best = min(best, time.perf_counter() - start)
        print(f"{name:<24} {len(raw) / 1e6:5.1f} MB  {best:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
