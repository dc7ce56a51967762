"""Slack burst: N signed mentions sent at once to `citebot slack --http` on loopback.

The bot runs as its own process (`python -m bot.cli slack --http`), exactly as deployed,
pointed at the fake Slack Web API (tests/fakes/slack_api.py) in this process. Reports the
acknowledgement latency (request sent -> HTTP 200), the answer latency (request sent ->
the fake receives `chat.postMessage` for that message), and how many questions were
lost or answered twice.

    python benchmarks/slack_burst.py [--count 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakes.slack_api import FakeSlackAPI  # noqa: E402
from fakes.slack_payloads import Events, event_request  # noqa: E402

BOT_TOKEN = "xoxb-bench-bot-token"
APP_TOKEN = "xapp-bench-app-token"
SECRET = "bench-signing-secret"
QUESTIONS = (
    "Who posted the audio recording?",
    "What are Taurus missiles?",
    "When did the meeting take place?",
    "What does the Kerch Strait bridge link?",
    "What did Scholz fear would happen?",
    "Which missile has Britain sent to Ukraine?",
    "Where was the conference held?",
    "How far can Taurus missiles reach?",
)


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    port: int
    log: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(fake: FakeSlackAPI, *, extra_env: dict[str, str] | None = None) -> BotProcess:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CITEBOT_"))}
    env.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url, "CITEBOT_RATE_LIMIT_PER_MINUTE": "0",
        "CITEBOT_LOG_LEVEL": "WARNING", **(extra_env or {}),
    })
    profile = os.environ.get("CITEBOT_BENCH_PROFILE")  # a path: run the bot under cProfile
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *prefix, "-m", "bot.cli", "slack", "--http", "--host", "127.0.0.1",
        "--port", str(port), cwd=REPO / "benchmarks", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    log: list[str] = []
    ready = asyncio.Event()

    async def pump() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            log.append(line)
            if "serving Slack events" in line:
                ready.set()

    asyncio.get_running_loop().create_task(pump())
    waiter = asyncio.ensure_future(ready.wait())
    done, _ = await asyncio.wait({waiter, asyncio.ensure_future(proc.wait())}, timeout=120,
                                 return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        raise RuntimeError("the bot did not start:\n" + "".join(log[-20:]))
    return BotProcess(proc=proc, port=port, log=log)


@dataclass
class Sent:
    ts: str
    sent: float
    acked: float = 0.0
    status: int = 0


async def send(http: aiohttp.ClientSession, url: str, events: Events, user: int,
               question: str) -> Sent:
    mention = events.mention(question, user=f"U{user:07d}", channel="C0000001")
    body, headers = event_request(SECRET, events.callback(mention))
    record = Sent(ts=mention["ts"], sent=time.monotonic())
    async with http.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        record.status = response.status
    record.acked = time.monotonic()
    return record


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def outcome(fake: FakeSlackAPI, sent: Sequence[Sent], posts_before: int) -> dict[str, object]:
    """Acks and answers for ``sent`` (matched to posts by thread_ts)."""
    by_ts = {s.ts: s for s in sent}
    answered: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for call in fake.calls_of("chat.postMessage")[posts_before:]:
        ts = str(call.payload.get("thread_ts"))
        if ts in by_ts:
            counts[ts] += 1
            answered.setdefault(ts, call.at - by_ts[ts].sent)
    acks = [s.acked - s.sent for s in sent]
    lat = list(answered.values())
    first = min((s.sent for s in sent), default=0.0)
    last = max((by_ts[ts].sent + v for ts, v in answered.items()), default=first)
    return {
        "sent": len(sent),
        "acked_200": sum(1 for s in sent if s.status == 200),
        "ack_p50_ms": round(percentile(acks, 50) * 1000, 1),
        "ack_p99_ms": round(percentile(acks, 99) * 1000, 1),
        "ack_max_ms": round(max(acks) * 1000, 1) if acks else None,
        "answered": len(answered),
        "answer_p50_ms": round(percentile(lat, 50) * 1000, 1),
        "answer_p99_ms": round(percentile(lat, 99) * 1000, 1),
        "answer_max_ms": round(max(lat) * 1000, 1) if lat else None,
        "answers_per_s": round(len(answered) / (last - first), 1) if last > first else None,
        "lost": len(sent) - len(answered),
        "duplicated": sum(c - 1 for c in counts.values() if c > 1),
    }


async def settle(http: aiohttp.ClientSession, bot: BotProcess, timeout: float = 600) -> None:
    """Poll the bot's /healthz until no answer is in flight (every question finished)."""
    health = bot.url.replace("/slack/events", "/healthz")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with http.get(health) as response:
            if (await response.json())["in_flight"] == 0:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot still has answers in flight")


async def wait_answered(fake: FakeSlackAPI, total_posts: int, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await fake.wait_until(lambda: len(fake.calls_of("chat.postMessage")) >= total_posts,
                              timeout)


async def burst(count: int, rounds: int) -> list[dict[str, object]]:
    fake = FakeSlackAPI(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await fake.start()
    bot = await start_bot(fake)
    results = []
    try:
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            events = Events()
            warm = [await send(http, bot.url, events, 9_000_000 + i, q)
                    for i, q in enumerate(QUESTIONS)]
            await wait_answered(fake, len(warm), 30)
            for _ in range(rounds):
                before = len(fake.calls_of("chat.postMessage"))
                jobs = [send(http, bot.url, events, i, QUESTIONS[i % len(QUESTIONS)])
                        for i in range(count)]
                sent = await asyncio.gather(*jobs)
                await wait_answered(fake, before + count, 30)
                await settle(http, bot)
                await asyncio.sleep(1.0)  # let late duplicates show up before counting
                results.append(outcome(fake, sent, before))
    finally:
        code = await bot.stop()
        await fake.stop()
    if code != 0:
        raise RuntimeError(f"the bot exited with {code}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for result in asyncio.run(burst(args.count, args.rounds)):
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
