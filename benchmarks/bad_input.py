"""Bad input through the core: the worst-case time of each case of the bad-input matrix.

Each case of tests/test_bad_input.py (and each slash-command case) is sent ``--repeat``
times through ``Core.handle`` and rendered for every platform; the script prints, per
case, the reply kind and the p50 and max time (handle + render), then the next normal
question's max time. The tests check the replies; this checks that each comes in bounded
time, also on a large corpus (``--docs``).

    python benchmarks/bad_input.py [--repeat 20] [--docs PATH ...]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_bad_input import BAD_INPUTS, ECHOED, QUESTION  # noqa: E402

from bot import render  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.types import Incoming, Platform, ReplyKind  # noqa: E402
from retrieval.engine import build_engine  # noqa: E402

COMMANDS = {
    "/ask (empty)": ("ask", ""),
    "/ask 100,000 chars": ("ask", "x" * 100_000),
    "/summary 20,000 words": ("summary", "leak " * 20_000),
    "/summary (empty)": ("summary", ""),
    "/sources 100,000 chars": ("sources", "x" * 100_000),
}


async def timed(core: Core, incoming: Incoming) -> tuple[float, ReplyKind]:
    start = time.perf_counter()
    reply = await core.handle(incoming)
    render.plain_text(reply)
    render.slack_blocks(reply)
    render.discord_messages(reply)
    return time.perf_counter() - start, reply.kind


async def run(repeat: int, docs: Sequence[str] | None) -> int:
    started = time.perf_counter()
    engine = build_engine(list(docs) if docs else None)
    print(f"corpus: {len(engine.corpus):,} passages, {len(engine.corpus.documents):,} documents "
          f"(built in {time.perf_counter() - started:.1f} s)")
    settings = dataclasses.replace(Settings.from_env({}), rate_limit_per_minute=0.0)
    core = Core(engine=engine, settings=settings)
    for _ in range(3):  # warm the offloader's measurements and the analyzer's caches
        await timed(core, Incoming(QUESTION, "warm", Platform.SLACK, "C", "warm"))
    cases: dict[str, tuple[str | None, str]] = {name: (None, text) for name, text in
                                                BAD_INPUTS.items()}
    cases.update({f"echoed {name}": (None, text) for name, text in ECHOED.items()})
    cases.update(COMMANDS)
    print(f"{'case':<34} {'kind':<9} {'p50 ms':>8} {'max ms':>8}  next question max ms")
    worst = 0.0
    for n, (name, (command, text)) in enumerate(cases.items()):
        times: list[float] = []
        after: list[float] = []
        kinds: set[str] = set()
        for r in range(repeat):
            thread = f"{n}-{r}"
            platform = (Platform.SLACK, Platform.DISCORD)[r % 2]
            seconds, kind = await timed(core, Incoming(text, "U1", platform, "C1", thread,
                                                       command=command))
            times.append(seconds)
            kinds.add(kind.value)
            seconds, kind = await timed(core, Incoming(QUESTION, "U1", platform, "C1", thread))
            after.append(seconds)
            if kind is not ReplyKind.ANSWER:
                print(f"  ! the next question after {name!r} was not answered: {kind.value}")
        worst = max(worst, *times)
        print(f"{name:<34} {'/'.join(sorted(kinds)):<9} {statistics.median(times) * 1000:>8.2f} "
              f"{max(times) * 1000:>8.2f}  {max(after) * 1000:>8.2f}")
    print(f"worst case over {len(cases)} cases x {repeat}: {worst * 1000:.1f} ms")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--docs", nargs="+", default=None)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.repeat, args.docs))


if __name__ == "__main__":
    raise SystemExit(main())
