"""Load on the Slack HTTP adapter: signed mentions at rising rates, on loopback.

`citebot slack --http` runs as its own process against the fake Slack Web API (this
process), as in benchmarks/slack_burst.py. Scenarios:

* ``ramp``: an open-loop stream of mentions at rising rates (default 10 steps over 60 s);
  per step: acknowledgement p50/p99, answer p50/p99 (request -> chat.postMessage),
  lost, duplicated; and the first rate whose p99 acknowledgement passes 1 s.
* ``sustain``: one rate held (default 400 q/s for 30 s).
* ``burst``: N mentions at once (default 300).
* ``threads``: 1,000 concurrent follow-ups over 100 threads; each follow-up must be read
  against an earlier question of its own thread, never another thread's.

    python benchmarks/load.py [--scenarios ramp,sustain,burst,threads]
        [--rates 50,100,200,300,400,500,600,800,1000,1200] [--duration 60]
        [--sustain-rate 400] [--sustain-seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.slack_api import FakeSlackAPI  # noqa: E402
from fakes.slack_payloads import Events, event_request  # noqa: E402
from slack_burst import (  # noqa: E402
    APP_TOKEN,
    BOT_TOKEN,
    QUESTIONS,
    SECRET,
    BotProcess,
    Sent,
    outcome,
    send,
    settle,
    start_bot,
    wait_answered,
)


async def stream(
    http: aiohttp.ClientSession, bot: BotProcess, events: Events, rate: float, seconds: float
) -> tuple[list[Sent], float]:
    """Send at ``rate`` per second for ``seconds`` (open loop); returns sends and worst lag."""
    total = int(rate * seconds)
    start = time.monotonic()
    tasks: list[asyncio.Task[Sent]] = []
    lag = 0.0
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        question = QUESTIONS[i % len(QUESTIONS)]
        tasks.append(asyncio.ensure_future(send(http, bot.url, events, i, question)))
    return list(await asyncio.gather(*tasks)), lag


async def run_rate(
    fake: FakeSlackAPI, http: aiohttp.ClientSession, bot: BotProcess, events: Events,
    rate: float, seconds: float,
) -> dict[str, object]:
    before = len(fake.calls_of("chat.postMessage"))
    cpu_before = cpu_seconds(bot.proc.pid)
    sent, lag = await stream(http, bot, events, rate, seconds)
    await wait_answered(fake, before + len(sent), 30)
    await settle(http, bot)  # every answer finished (slow ones are late, not lost)
    cpu = cpu_seconds(bot.proc.pid) - cpu_before
    await asyncio.sleep(0.5)  # late duplicates would show up here
    result = {"rate": rate, "seconds": seconds, **outcome(fake, sent, before)}
    result["sender_lag_ms"] = round(lag * 1000, 1)
    result["bot_cpu_ms_per_question"] = round(cpu / len(sent) * 1000, 2) if sent else None
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def threads(
    fake: FakeSlackAPI, http: aiohttp.ClientSession, bot: BotProcess, events: Events,
    n_threads: int = 100, per_thread: int = 10,
) -> dict[str, object]:
    """Every follow-up is read against an earlier question of its own thread.

    All questions of thread t carry the marker "(ref t)"; the bot's follow-up notice quotes
    the earlier question it used, so a notice without the thread's own marker would be
    another thread's memory leaking in."""
    markers: dict[str, str] = {}  # thread ts -> the marker every question in it carries
    roots = []
    for t in range(n_threads):
        marker = f"(ref {t})"
        question = f"{QUESTIONS[t % len(QUESTIONS)]} {marker}"
        mention = events.mention(question, user=f"UT{t:06d}", channel="C0000002")
        markers[mention["ts"]] = marker
        roots.append(mention)
    before = len(fake.calls_of("chat.postMessage"))
    await asyncio.gather(*(post(http, bot, events, m) for m in roots))
    await wait_answered(fake, before + n_threads, 30)
    await settle(http, bot)
    followups = [
        events.mention(f"And when was that? {marker}", user=f"UF{i:06d}", channel="C0000002",
                       thread_ts=ts)
        for ts, marker in markers.items() for i in range(per_thread)
    ]
    mid = len(fake.calls_of("chat.postMessage"))
    await asyncio.gather(*(post(http, bot, events, m) for m in followups))
    await wait_answered(fake, mid + len(followups), 30)
    await settle(http, bot)
    own = crossed = unread = 0
    for call in fake.calls_of("chat.postMessage")[mid:]:
        thread = str(call.payload.get("thread_ts"))
        match = re.search(r'follow-up to "([^"]*)"', str(call.payload.get("text", "")))
        if match is None:
            unread += 1
        elif markers.get(thread, "?") in match.group(1):
            own += 1
        else:
            crossed += 1
    return {"threads": n_threads, "followups": len(followups), "own_thread": own,
            "other_thread": crossed, "not_read_as_followup": unread,
            "answered": len(fake.calls_of("chat.postMessage")) - mid}


async def post(http: aiohttp.ClientSession, bot: BotProcess, events: Events,
               mention: dict[str, object]) -> int:
    body, headers = event_request(SECRET, events.callback(mention))
    async with http.post(bot.url, data=body.encode(), headers=headers) as response:
        await response.read()
        return response.status


async def main_async(args: argparse.Namespace) -> list[dict[str, object]]:
    fake = FakeSlackAPI(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await fake.start()
    bot = await start_bot(fake)
    results: list[dict[str, object]] = []
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            events = Events()
            for i, question in enumerate(QUESTIONS):  # warm up
                await send(http, bot.url, events, 9_000_000 + i, question)
            await wait_answered(fake, len(QUESTIONS), 30)
            scenarios = args.scenarios.split(",")
            if "ramp" in scenarios:
                rates = [float(r) for r in args.rates.split(",")]
                step = args.duration / len(rates)
                crossed = None
                for rate in rates:
                    result = {"scenario": "ramp", **await run_rate(
                        fake, http, bot, events, rate, step)}
                    results.append(result)
                    print(json.dumps(result), flush=True)
                    p99 = result["ack_p99_ms"]
                    if crossed is None and isinstance(p99, float) and p99 > 1000:
                        crossed = rate
                summary = {"scenario": "ramp-summary", "p99_ack_over_1s_at_rate": crossed}
                results.append(summary)
                print(json.dumps(summary), flush=True)
            if "sustain" in scenarios:
                result = {"scenario": "sustain", **await run_rate(
                    fake, http, bot, events, args.sustain_rate, args.sustain_seconds)}
                results.append(result)
                print(json.dumps(result), flush=True)
            if "burst" in scenarios:
                before = len(fake.calls_of("chat.postMessage"))
                jobs = [send(http, bot.url, events, i, QUESTIONS[i % len(QUESTIONS)])
                        for i in range(args.burst)]
                sent = await asyncio.gather(*jobs)
                await wait_answered(fake, before + len(sent), 30)
                await settle(http, bot)
                await asyncio.sleep(0.5)
                result = {"scenario": "burst", **outcome(fake, sent, before)}
                results.append(result)
                print(json.dumps(result), flush=True)
            if "threads" in scenarios:
                result = {"scenario": "threads", **await threads(fake, http, bot, events)}
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        code = await bot.stop()
        await fake.stop()
    print(json.dumps({"bot_exit_code": code}), flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--scenarios", default="ramp,sustain,burst,threads")
    parser.add_argument("--rates", default="50,100,200,300,400,500,600,800,1000,1200")
    parser.add_argument("--duration", type=float, default=60.0, help="ramp length, seconds")
    parser.add_argument("--sustain-rate", type=float, default=400.0)
    parser.add_argument("--sustain-seconds", type=float, default=30.0)
    parser.add_argument("--burst", type=int, default=300)
    asyncio.run(main_async(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
