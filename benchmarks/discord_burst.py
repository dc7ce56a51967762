"""Discord burst: N mentions delivered at once to the real citebot Discord client.

The client (``bot.adapters.discord.build_client``) logs in against the fake Discord API on
loopback (tests/fakes/discord_http.py) and receives N ``MESSAGE_CREATE`` payloads through
its own gateway parsers in one go, each from a different user in the same channel. Every
mention is answered in a thread of its own. Reports the answer latency (payload handed to
the client -> the fake receives the answer's last part), and how many questions were lost
or answered twice; with ``--fault-rate`` that share of API calls first fails (alternating
429 with Retry-After 50 ms and 503).

    python benchmarks/discord_burst.py [--count 300] [--fault-rate 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakes.discord_harness import DiscordHarness, user  # noqa: E402

from bot.adapters.discord_delivery import DeliveryPolicy  # noqa: E402
from retrieval.engine import build_engine  # noqa: E402

QUESTIONS = (
    "Who posted the audio recording?",
    "What are Taurus missiles?",
    "When did the meeting take place?",
    "What does the Kerch Strait bridge link?",
    "How was the call intercepted?",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def burst(count: int, fault_rate: float) -> dict[str, float]:
    engine = build_engine(None)
    policy = DeliveryPolicy(attempts=4, request_timeout=10.0, backoff=0.05, max_backoff=0.5)
    with pytest.MonkeyPatch.context() as mp:
        harness = await DiscordHarness.start(mp, engine=engine, policy=policy)
        try:
            faults = int(count * fault_rate)
            for n in range(faults):
                kind, status = ("429", 429) if n % 2 == 0 else ("status", 503)
                harness.fake.fail("POST", r"^/channels/\d+/messages$", kind, status=status)
            started: dict[int, float] = {}
            for n in range(count):
                author = user(700_000_000_000_000_000 + n, f"user{n}")
                t0 = time.perf_counter()
                message_id = harness.say(QUESTIONS[n % len(QUESTIONS)], author=author)
                started[message_id] = t0
            await harness.settle(timeout=120)
        finally:
            await harness.close()
    latencies = []
    lost = duplicated = 0
    for message_id, t0 in started.items():
        answers = harness.fake.messages_in(message_id)
        if not answers:
            lost += 1
            continue
        if max(Counter(m["content"] for m in answers).values()) > 1:
            duplicated += 1
        done = max(r.at for r in harness.fake.requests
                   if r.path == f"/channels/{message_id}/messages" and r.status == 200)
        latencies.append(done - t0)
    return {
        "count": count, "faults": faults, "lost": lost, "duplicated": duplicated,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else float("nan"),
        "max_ms": 1000 * max(latencies) if latencies else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # retries are expected here: keep them quiet
    result = asyncio.run(burst(args.count, args.fault_rate))
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                   for k, v in result.items()))
    return 0 if result["lost"] == 0 and result["duplicated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
