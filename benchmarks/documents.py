"""Large and numerous documents: does ``citebot ask --docs`` stay up, and how long does it take?

1. A ~200 MB text file (the 1M-passage benchmark corpus, twice, ~2.1M sentences) under the
   default ``CITEBOT_MAX_DOCUMENT_MB`` (256): indexed; wall time and peak RSS reported.
2. The same file with ``CITEBOT_MAX_DOCUMENT_MB=100``: refused unread, with a message naming it.
3. A folder of 3,000 small files: load and answer.

Each run is ``python -m bot.cli ask`` in a child process (cache off), measured with
``os.wait4`` for the child's peak RSS.

    python benchmarks/documents.py [--workdir /tmp/citebot-docs-bench] [--skip-large]
"""

from __future__ import annotations

import argparse
import lzma
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "bench" / "corpus-1m.txt.xz"


def run_ask(docs: Sequence[Path], question: str, **env: str) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak RSS MB of the child, last line it wrote)."""
    environ = dict(os.environ, CITEBOT_CACHE_DIR="off", **env)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "ask", "--docs", *map(str, docs), question],
            stdout=out, stderr=err, env=environ, text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = err.read().strip() or out.read().strip()
    lines = text.splitlines()
    return proc.returncode, wall, usage.ru_maxrss / 1024, lines[-1][:160] if lines else ""


def large_file(workdir: Path) -> Path:
    path = workdir / "large-200mb.txt"
    if path.exists():
        return path
    target = 200 * 1024 * 1024
    with path.open("wb") as out:  # streamed: this process stays small (its RSS is inherited
        while out.tell() < target:  # by each child as the starting high-water mark)
            with lzma.open(CORPUS, "rb") as source:
                for block in iter(lambda: source.read(1 << 20), b""):
                    out.write(block[: target - out.tell()])
                    if out.tell() >= target:
                        break
    return path


def many_files(workdir: Path, count: int = 3_000) -> Path:
    folder = workdir / f"folder-{count}"
    if folder.exists():
        return folder
    for i in range(count):
        sub = folder / f"shelf-{i % 30:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note-{i:04d}.txt").write_text(
            f"Filing note {i}.\n\nThe archivist for box {i} is clerk{i}x. "
            f"It is stored in vault {i % 50}.\n")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/citebot-docs-bench"))
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)

    if not args.skip_large:
        big = large_file(args.workdir)
        size = big.stat().st_size / 1048576
        code, wall, rss, last = run_ask([big], "How do I configure the network interface?",
                                        CITEBOT_MAX_DOCUMENT_MB="100")
        print(f"{size:.0f} MB file, cap 100 MB: exit {code} in {wall:.2f} s, peak RSS "
              f"{rss:.0f} MB\n  {last}")
        code, wall, rss, last = run_ask([big], "How do I configure the network interface?")
        print(f"{size:.0f} MB file, default cap: exit {code} in {wall:.1f} s, peak RSS "
              f"{rss:.0f} MB\n  {last}")

    folder = many_files(args.workdir)
    code, wall, rss, last = run_ask([folder], "Who is the archivist for box 2999?")
    print(f"3,000 files: exit {code} in {wall:.2f} s, peak RSS {rss:.0f} MB\n  {last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
