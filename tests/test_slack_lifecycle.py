"""`citebot slack --http` as a real process: SIGTERM finishes answers in flight, exits 0.
And secrets never reach a log, even at DEBUG, through every path of the adapter."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from fakes.slack_api import FakeSlackAPI, Fault
from fakes.slack_harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, running_slack
from fakes.slack_payloads import Events, action_payload, command_payload, event_request

from bot.adapters.slack_handlers import SHARE_ACTION
from retrieval.engine import Engine

ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "taurus-leak.txt"
QUESTION = "Who posted the audio recording on Telegram?"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def read_lines(stream: asyncio.StreamReader, lines: list[str], ready: asyncio.Event) -> None:
    async for raw in stream:
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        if "serving Slack events" in line:
            ready.set()


async def test_sigterm_finishes_the_answer_in_flight_and_exits_0(tmp_path: Path) -> None:
    fake = FakeSlackAPI(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await fake.start()
    port = free_port()
    # With sentence vectors, over a copy of the article (its vectors are not shipped), so
    # that the vectors encoded while serving are kept at the stop.
    doc = tmp_path / "leak.txt"
    doc.write_text(ARTICLE.read_text("utf-8"), "utf-8")
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CITEBOT_"))}
    env.update({
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url, "CITEBOT_DOCS": str(doc),
        "CITEBOT_LOG_LEVEL": "DEBUG", "CITEBOT_SEMANTIC": "on", "CITEBOT_CACHE_DIR": str(cache),
    })
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "slack", "--http", "--host", "127.0.0.1",
        "--port", str(port), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    lines: list[str] = []
    ready = asyncio.Event()
    assert proc.stderr is not None
    reader = asyncio.create_task(read_lines(proc.stderr, lines, ready))
    try:
        await asyncio.wait_for(ready.wait(), 60.0)
        fake.fail("chat.postMessage", Fault.timeout(delay=1.0))  # a slow Slack: 1 s to answer
        body, headers = event_request(SIGNING_SECRET, Events().callback(Events().mention(QUESTION)))
        async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers
        ) as response:
            assert response.status == 200
        # The first answer encodes the whole copy first: a generous bound on a busy machine.
        await fake.wait_until(lambda: bool(fake.calls_of("chat.postMessage")), 60.0)
        proc.send_signal(signal.SIGTERM)  # while the answer is still being posted
        assert await asyncio.wait_for(proc.wait(), 30.0) == 0
        await reader
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    log = "".join(lines)
    assert len(fake.posts) == 1
    assert "finishing 1 answers in flight" in log
    assert "slack: answered in" in log  # the post completed before the process ended
    assert len(list((cache / "vectors").glob("*.npz"))) == 1
    for secret in SECRETS:
        assert secret not in log


async def test_secrets_never_logged_even_at_debug(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_slack(engine, env={"SLACK_EPHEMERAL": "true"}) as h:
        h.fake.fail("chat.postMessage", Fault.ratelimited(0), Fault.api_error("invalid_auth"))
        await h.event(h.events.mention(QUESTION))
        await h.event(h.events.mention(QUESTION))
        fields = command_payload("/ask", QUESTION, response_url=h.fake.response_url("x"))
        await h.command(fields)
        [answer] = await h.fake.wait_responses(1)
        value = answer["blocks"][-1]["elements"][0]["value"]
        await h.action(action_payload(SHARE_ACTION, value, response_url=h.fake.response_url("y")))
        body, headers = event_request("wrong-secret", h.events.callback(h.events.mention("x")))
        assert (await h.post(body, headers)).status == 401
        await h.bot.inflight.wait_idle(10.0)
    async with running_slack(engine, socket_mode=True) as h:
        envelope = await h.fake.send_envelope(
            "events_api", h.events.callback(h.events.mention(QUESTION))
        )
        await h.fake.wait_ack(envelope)
        await h.fake.wait_posts(1)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was really on
    everything = caplog.text + "".join(repr(r.args) + repr(r.__dict__) for r in caplog.records)
    for secret in SECRETS:
        assert secret not in everything
