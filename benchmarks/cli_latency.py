"""Cold-process wall time of `citebot ask "Who posted the recording?"`.

    python benchmarks/cli_latency.py --runs 15

Each run starts a fresh process (the installed console script when found, else
``python -m bot.cli``), so imports, document loading, indexing and the model load count.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("question", nargs="?", default="Who posted the recording?")
    args = parser.parse_args()
    script = shutil.which("citebot")
    command = [script] if script else [sys.executable, "-m", "bot.cli"]
    command += ["ask", args.question]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(args.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"{' '.join(command[-2:])!r}: runs={args.runs} "
          f"wall median={statistics.median(times):.3f}s "
          f"min={min(times):.3f}s max={max(times):.3f}s; cpu median={statistics.median(cpu):.3f}s "
          f"max={max(cpu):.3f}s; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
