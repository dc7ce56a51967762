"""The SQuAD tuning set through the `ask --json` contract: files on disk, a child process.

    python benchmarks/squad_cli.py [--heading] [-k 3]
    CITEBOT_SEMANTIC=off python benchmarks/squad_cli.py    # the chat bots' ranking

Each article is written as a ``.txt`` file (its paragraphs separated by blank lines;
with ``--heading``, a ``.md`` file opening with ``# Title``) and its questions are fed to
``citebot ask --json --docs FILE -k K`` on stdin, one per line, as a benchmark that
knows only DESIGN.md's contract would. hit@1 reads the first citation, hit@3 the first
three, MRR the first K. With the shipped model these are in-sample figures (it was trained
on these articles); the point is that document loading, cleaning and the JSON output give
the same figures as ``quality.py --only squad --semantic`` (``citebot ask`` ranks with
sentence vectors by default; ``CITEBOT_SEMANTIC=off`` compares with ``quality.py --only
squad``), which indexes the paragraphs directly. The child's cache directory is a
temporary one: nothing is left under the user's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import SQUAD, SquadArticle, load_squad  # noqa: E402


def article_file(article: SquadArticle, folder: Path, *, heading: bool) -> Path:
    title = article.title.replace("_", " ")
    body = "\n\n".join(p.strip() for p in article.paragraphs) + "\n"
    if heading:
        path = folder / f"{article.title}.md"
        path.write_text(f"# {title}\n\n{body}", "utf-8")
    else:
        path = folder / f"{article.title}.txt"
        path.write_text(body, "utf-8")
    return path


def ask_all(command: list[str], path: Path, questions: list[str], k: int) -> list[dict]:
    lines = "".join(" ".join(q.split()) + "\n" for q in questions)
    env = {**os.environ, "CITEBOT_CACHE_DIR": str(path.parent / "cache")}
    done = subprocess.run([*command, "ask", "--json", "-k", str(k), "--docs", str(path)],
                          input=lines, capture_output=True, text=True, check=True, env=env)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    if len(rows) != len(questions):
        raise SystemExit(f"{path.name}: {len(rows)} answers to {len(questions)} questions")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--heading", action="store_true", help="files open with '# Title'")
    parser.add_argument("-k", type=int, default=10, help="citations asked for (default 10)")
    args = parser.parse_args()
    script = shutil.which("citebot")
    command = [script] if script else [sys.executable, "-m", "bot.cli"]
    n = hit1 = hit3 = declined = 0
    rr = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for article in load_squad(args.squad):
            path = article_file(article, Path(folder), heading=args.heading)
            rows = ask_all(command, path, [q for q, _ in article.questions], args.k)
            for (_, golds), row in zip(article.questions, rows, strict=True):
                found = [any(g and g in c["quote"] for g in golds) for c in row["citations"]]
                n += 1
                declined += not row["answered"]
                hit1 += bool(found[:1]) and found[0]
                hit3 += any(found[:3])
                rr += next((1.0 / r for r, ok in enumerate(found, start=1) if ok), 0.0)
    print(json.dumps({"questions": n, "k": args.k, "heading": args.heading,
                      "semantic": os.environ.get("CITEBOT_SEMANTIC", "auto"),
                      "hit@1": round(hit1 / n, 4), "hit@3": round(hit3 / n, 4),
                      f"mrr@{args.k}": round(rr / n, 4), "declined": round(declined / n, 4)},
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
