"""Thread isolation under load: 1,000 concurrent follow-ups spread over 100 threads.

Every thread opens with a question about one person ("Who is Peskov?"); then all threads'
follow-ups ("What did he say?", ...) are sent at once. A follow-up that names no one can
only be answered from its own thread's memory, so each answer is checked: its quote must
name the thread's person and no other thread's person. Reports correct, wrong, declined,
lost and duplicated answers, and latency.

``--via core`` drives ``Core.handle`` directly (work on worker threads, as on a large
corpus); ``--via slack`` sends signed ``app_mention`` events to the real Slack HTTP adapter
(Bolt + aiohttp on 127.0.0.1) against the fake Slack Web API, and reads the answers the
fake receives.

    python benchmarks/threads.py [--threads 100] [--followups 10] [--via core slack]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakes.slack_harness import running_slack  # noqa: E402
from test_thread_isolation import (  # noqa: E402
    FOLLOWUPS,
    PEOPLE,
    Conversation,
    conversations,
    wrong_people,
)

from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.types import Reply, ReplyKind  # noqa: E402
from retrieval.engine import Engine, build_engine  # noqa: E402

ARTICLE = REPO / "seeds" / "taurus-leak.txt"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, *, sent: int, correct: int, wrong: int, declined: int, lost: int,
           duplicated: int, wall: float, latencies: Sequence[float]) -> None:
    print(f"{label}: {sent} follow-ups in {wall:.2f} s ({sent / wall:,.0f}/s); correct {correct}, "
          f"wrong thread {wrong}, declined {declined}, lost {lost}, duplicated {duplicated}")
    if latencies:
        print(f"  latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms")


async def via_core(engine: Engine, threads: int, followups: int, offload: bool) -> bool:
    settings = dataclasses.replace(
        Settings.from_env({}), rate_limit_per_minute=0.0, thread_memory_size=max(1000, threads))
    core = Core(engine=engine, settings=settings,
                inline_max_passages=0 if offload else 1 << 62)
    talks = conversations(threads)
    firsts = await asyncio.gather(*(
        core.handle(c.incoming(f"Who is {PEOPLE[c.person][0]}?")) for c in talks))
    if not all(r.kind is ReplyKind.ANSWER for r in firsts):
        print("  ! an opening question was not answered")
    jobs = [(c, FOLLOWUPS[k % len(FOLLOWUPS)].format(p=PEOPLE[c.person][1]))
            for k in range(followups) for c in talks]  # interleaved across threads

    async def one(conversation: Conversation, text: str) -> tuple[float, Reply]:
        start = time.perf_counter()
        reply = await core.handle(conversation.incoming(text))
        return time.perf_counter() - start, reply

    started = time.perf_counter()
    results = await asyncio.gather(*(one(c, text) for c, text in jobs))
    wall = time.perf_counter() - started
    correct = wrong = declined = 0
    for (conversation, _), (_, reply) in zip(jobs, results, strict=True):
        if reply.kind is not ReplyKind.ANSWER or not reply.citations:
            declined += 1
            continue
        quote = reply.citations[0].quote
        own = PEOPLE[conversation.person][2] in quote
        if own and not wrong_people(quote, conversation.person):
            correct += 1
        else:
            wrong += 1
    mode = "worker threads" if offload else "inline"
    report(f"core ({mode}), {threads} threads", sent=len(jobs), correct=correct, wrong=wrong,
           declined=declined, lost=len(jobs) - len(results), duplicated=0, wall=wall,
           latencies=[seconds for seconds, _ in results])
    return correct == len(jobs)


async def via_slack(engine: Engine, threads: int, followups: int) -> bool:
    async with running_slack(engine) as slack:
        people = {n: n % len(PEOPLE) for n in range(threads)}
        roots = {n: slack.events.next_ts() for n in people}
        opened = await asyncio.gather(*(
            slack.event(slack.events.mention(f"Who is {PEOPLE[p][0]}?", ts=roots[n],
                                             channel=f"C{n % 4}"))
            for n, p in people.items()))
        if any(r.status != 200 for r in opened):
            print("  ! an opening mention was refused")
        await slack.fake.wait_posts(threads, timeout=60)
        jobs = [(n, FOLLOWUPS[k % len(FOLLOWUPS)].format(p=PEOPLE[people[n]][1]))
                for k in range(followups) for n in people]
        expected = threads + len(jobs)

        async def send(n: int, text: str) -> float:
            start = time.perf_counter()
            reply = await slack.event(slack.events.mention(
                text, thread_ts=roots[n], channel=f"C{n % 4}"))
            if reply.status != 200:
                print(f"  ! HTTP {reply.status}")
            return time.perf_counter() - start

        started = time.perf_counter()
        acks = await asyncio.gather(*(send(n, text) for n, text in jobs))
        with contextlib.suppress(TimeoutError):
            await slack.fake.wait_posts(expected, timeout=120)
        wall = time.perf_counter() - started
        await asyncio.sleep(1.0)  # anything sent twice arrives by now
        posts = list(slack.fake.posts)
    per_thread = Counter(p.get("thread_ts") for p in posts)
    correct = wrong = declined = lost = duplicated = 0
    for n, ts in roots.items():
        mine = [p for p in posts if p.get("thread_ts") == ts][1:]  # the opening answer first
        lost += max(0, followups - len(mine))
        duplicated += max(0, per_thread[ts] - 1 - followups)
        for post in mine:
            quoted = " ".join(
                line for line in str(post.get("text", "")).split("\n") if line.startswith(">"))
            if not quoted:
                declined += 1
            elif PEOPLE[people[n]][2] in quoted and not wrong_people(quoted, people[n]):
                correct += 1
            else:
                wrong += 1
    report(f"slack http, {threads} threads", sent=len(jobs), correct=correct, wrong=wrong,
           declined=declined, lost=lost, duplicated=duplicated, wall=wall, latencies=[])
    print(f"  acknowledged p50 {statistics.median(acks) * 1000:.1f} ms, "
          f"p99 {percentile(acks, 0.99) * 1000:.1f} ms; all answered {wall:.2f} s after the first")
    return correct == len(jobs) and not duplicated


async def run(args: argparse.Namespace) -> int:
    engine = build_engine([ARTICLE])
    ok = True
    for via in args.via:
        if via == "core":
            ok &= await via_core(engine, args.threads, args.followups, offload=True)
            ok &= await via_core(engine, args.threads, args.followups, offload=False)
        else:
            ok &= await via_slack(engine, args.threads, args.followups)
    print("every follow-up used its own thread's memory" if ok else "ISOLATION FAILURES")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--followups", type=int, default=10, help="per thread")
    parser.add_argument("--via", nargs="+", choices=("core", "slack"), default=["core", "slack"])
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
