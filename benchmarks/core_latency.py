"""Core latency: ``await core.handle(question)`` on the article, rendering excluded.

    python benchmarks/core_latency.py [--rounds 200] [--questions FILE.jsonl] [--semantic]

Reports p50/p99/max per question for the answerer alone (issue 2's retrieval), the core
always answering inline on the event loop (core overhead = this minus the answerer), the
core as configured (inline while answers measure under 1 ms, else a worker thread), and
the core handing every answer to ``asyncio.to_thread``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import time
from pathlib import Path

from bot.config import Settings
from bot.core import Core
from bot.types import Incoming, Platform
from retrieval.engine import Engine, build_engine

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "article-dev.jsonl"
FALLBACK = ["Who posted the recording?", "Who is Thorsten Frei?", "What is WebEx?",
            "How far can Taurus missiles reach?", "What did Medvedev write?"]


def load_questions(path: Path) -> list[str]:
    if not path.is_file():
        return FALLBACK
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (f"p50 {statistics.median(ordered):.3f} ms  p99 {p(0.99):.3f} ms  "
            f"max {ordered[-1]:.3f} ms  (n={len(ordered)})")


async def measure_core(core: Core, questions: list[str], rounds: int) -> list[float]:
    samples: list[float] = []
    for r in range(rounds):
        for n, question in enumerate(questions):
            incoming = Incoming(text=question, user=f"u{n}", platform=Platform.CONSOLE,
                                channel="bench", thread=f"r{r}q{n}")
            start = time.perf_counter_ns()
            await core.handle(incoming)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def measure_answerer(engine: Engine, questions: list[str], rounds: int) -> list[float]:
    samples: list[float] = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter_ns()
            engine.answerer.answer(question, k=3)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--semantic", action="store_true", help="as with CITEBOT_SEMANTIC=on")
    args = parser.parse_args()
    questions = load_questions(args.questions)
    engine = build_engine([ROOT / "seeds" / "taurus-leak.txt"], semantic=args.semantic)
    settings = dataclasses.replace(Settings.from_env({}), rate_limit_per_minute=0.0)
    adaptive = Core(engine=engine, settings=settings)
    inline = Core(engine=engine, settings=settings, offload_budget_seconds=float("inf"))
    threaded = Core(engine=engine, settings=settings, inline_max_passages=0)
    # Warm up memoised stems and passage caches.
    asyncio.run(measure_core(inline, questions, 3))
    asyncio.run(measure_core(adaptive, questions, 3))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{len(questions)} questions x {args.rounds} rounds on the article "
          f"({len(engine.corpus)} passages); load average {load}")
    print("core, 'help' (no lookup)", percentiles(asyncio.run(
        measure_core(inline, ["help"], args.rounds * 5))))
    print("answerer alone          ", percentiles(measure_answerer(engine, questions, args.rounds)))
    print("core, always inline     ", percentiles(asyncio.run(
        measure_core(inline, questions, args.rounds))))
    print("core, adaptive (default)", percentiles(asyncio.run(
        measure_core(adaptive, questions, args.rounds))))
    print("core, asyncio.to_thread ", percentiles(asyncio.run(
        measure_core(threaded, questions, args.rounds))))


if __name__ == "__main__":
    main()
