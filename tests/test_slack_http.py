"""The real Bolt app served over HTTP on 127.0.0.1, against the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from fakes.slack_harness import SIGNING_SECRET, SlackHarness, running_slack
from fakes.slack_payloads import action_payload, command_payload, event_request, signed

from bot.adapters.slack_handlers import SHARE_ACTION
from bot.adapters.slack_http import HttpLimits
from retrieval.engine import Engine, build_engine

QUESTION = "Who posted the audio recording on Telegram?"


def everything(post: dict[str, object]) -> str:
    return json.dumps(post, ensure_ascii=False)


async def settle(h: SlackHarness) -> None:
    """Wait until every answer started so far has finished (no sleeping)."""
    await h.bot.inflight.wait_idle(10.0)


async def test_mention_in_channel_answered_in_its_thread(engine: Engine) -> None:
    async with running_slack(engine) as h:
        mention = h.events.mention(QUESTION, channel="C0001")
        reply = await h.event(mention)
        assert reply.status == 200
        [post] = await h.fake.wait_posts(1)
        assert post["channel"] == "C0001"
        assert post["thread_ts"] == mention["ts"]
        assert "Simonyan" in post["text"]
        assert post["blocks"] and all(len(b["text"]["text"]) <= 3000 for b in post["blocks"])
        assert "UBOT" not in everything(post)
        assert h.fake.calls_of("chat.postMessage")[0].token == h.settings.slack_bot_token.reveal()


async def test_mention_in_thread_and_follow_up_keep_the_thread(engine: Engine) -> None:
    async with running_slack(engine) as h:
        first = h.events.mention("What are Taurus missiles?", thread_ts="1700000000.000100")
        await h.event(first)
        await h.fake.wait_posts(1)
        follow = h.events.mention("How far can they reach?", thread_ts="1700000000.000100")
        await h.event(follow)
        posts = await h.fake.wait_posts(2)
        assert [p["thread_ts"] for p in posts] == ["1700000000.000100"] * 2
        assert "follow-up" in posts[1]["text"]
        assert "500 kilometers" in posts[1]["text"]
        # the same words in another thread are not a follow-up of the first one
        await h.event(h.events.mention("How far can they reach?", thread_ts="1700000000.000900"))
        posts = await h.fake.wait_posts(3)
        assert posts[2]["thread_ts"] == "1700000000.000900"
        assert "follow-up" not in posts[2]["text"]


async def test_channel_questions_only_in_listed_channels(engine: Engine) -> None:
    env = {"SLACK_CHANNELS": "C0001,questions"}
    async with running_slack(engine, env=env, channel_names={"C0777": "questions"}) as h:
        chatter = h.events.message("lunch at noon, anyone?", channel="C0001")
        unanswerable = h.events.message("Who won the football cup in 1954?", channel="C0001")
        elsewhere = h.events.message(QUESTION, channel="C0002")
        for event in (chatter, unanswerable, elsewhere):
            assert (await h.event(event)).status == 200
        await settle(h)
        assert h.fake.posts == []  # declined silently, and C0002 is not listed

        asked = h.events.message(QUESTION, channel="C0001")
        await h.event(asked)
        by_name = h.events.message(QUESTION, channel="C0777")
        await h.event(by_name)
        await settle(h)
        posts = sorted(h.fake.posts, key=lambda p: str(p["channel"]))
        assert [(p["channel"], p["thread_ts"]) for p in posts] == [
            ("C0001", asked["ts"]), ("C0777", by_name["ts"])
        ]


async def test_direct_message_answered_in_the_conversation(engine: Engine) -> None:
    async with running_slack(engine) as h:
        await h.event(h.events.message(QUESTION, channel="D0001", channel_type="im"))
        [post] = await h.fake.wait_posts(1)
        assert post["channel"] == "D0001"
        assert "thread_ts" not in post or post["thread_ts"] is None
        assert "Simonyan" in post["text"]


async def test_bot_messages_and_own_messages_are_ignored(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_CHANNELS": "C0001"}) as h:
        ignored = [
            h.events.message(QUESTION, user="UBOT"),
            h.events.message(QUESTION, user=None, bot_id="BOTHER", subtype="bot_message"),
            h.events.message(QUESTION, user="U0009", bot_id="BOTHER"),
            h.events.message(QUESTION, subtype="message_changed"),
            h.events.message(QUESTION, user="UBOT", channel="D0001", channel_type="im"),
            h.events.mention(QUESTION, user="UBOT"),
        ]
        for event in ignored:
            assert (await h.event(event)).status == 200
        await settle(h)
        assert h.fake.posts == []
        await h.event(h.events.message(QUESTION, user="U0001"))
        assert len(await h.fake.wait_posts(1)) == 1


async def test_redelivery_and_double_delivery_answered_once(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_CHANNELS": "C0001"}) as h:
        mention = h.events.mention(QUESTION, channel="C0001")
        await h.event(mention, event_id="EvSAME")
        await h.event(mention, event_id="EvSAME", retry_num=1)  # Slack's retry
        await h.event(mention, event_id="EvSAME", retry_num=2)
        # the same message as a plain `message` event (another event id, same channel+ts)
        as_message = h.events.message(mention["text"], channel="C0001", ts=mention["ts"])
        await h.event(as_message, event_id="EvOTHER")
        # and a second app_mention delivery of the same message under a new event id
        await h.event(mention, event_id="EvTHIRD")
        await settle(h)
        assert len(h.fake.posts) == 1


async def test_bad_signature_and_stale_timestamp_are_refused(engine: Engine) -> None:
    async with running_slack(engine) as h:
        callback = h.events.callback(h.events.mention(QUESTION))
        body, headers = event_request("not-the-secret", callback)
        assert (await h.post(body, headers)).status == 401
        body, headers = event_request(SIGNING_SECRET, callback, timestamp=1_000_000)
        assert (await h.post(body, headers)).status == 401
        body, headers = event_request(SIGNING_SECRET, callback)
        tampered = body.replace("Telegram", "Telegrum")
        assert (await h.post(tampered, headers)).status == 401
        assert (await h.post(body, {"Content-Type": "application/json"})).status == 401
        await settle(h)
        assert h.fake.posts == []
        assert (await h.post(body, headers)).status == 200  # the genuine one still works
        assert len(await h.fake.wait_posts(1)) == 1


async def test_request_size_limit_and_url_verification(engine: Engine) -> None:
    async with running_slack(engine) as h:
        huge = json.dumps({"type": "event_callback", "pad": "x" * (2 * 1024 * 1024)})
        headers = signed(SIGNING_SECRET, huge, content_type="application/json")
        assert (await h.post(huge, headers)).status == 413
        challenge = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
        headers = signed(SIGNING_SECRET, challenge, content_type="application/json")
        reply = await h.post(challenge, headers)
        assert reply.status == 200 and "abc123" in reply.text


async def test_ask_command_is_ephemeral_with_a_share_button(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_EPHEMERAL": "true"}) as h:
        fields = command_payload("/ask", QUESTION, response_url=h.fake.response_url("ask1"))
        reply = await h.command(fields)
        assert reply.status == 200 and reply.text == ""  # acknowledged at once, empty
        [answer] = await h.fake.wait_responses(1)
        assert answer["response_type"] == "ephemeral"
        assert "Simonyan" in answer["text"]
        [button] = answer["blocks"][-1]["elements"]
        assert button["action_id"] == SHARE_ACTION

        click = action_payload(
            SHARE_ACTION, button["value"], response_url=h.fake.response_url("share1")
        )
        assert (await h.action(click)).status == 200
        responses = await h.fake.wait_responses(3)
        shared, deleted = responses[1], responses[2]
        assert shared["response_type"] == "in_channel"
        assert "Simonyan" in shared["text"]
        assert all(b["type"] != "actions" for b in shared["blocks"])
        assert deleted == {"delete_original": True}


async def test_summary_command_in_channel_when_not_ephemeral(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_EPHEMERAL": "false"}) as h:
        fields = command_payload("/summary", "", response_url=h.fake.response_url("sum1"))
        assert (await h.command(fields)).status == 200
        [summary] = await h.fake.wait_responses(1)
        assert summary["response_type"] == "in_channel"
        assert len(summary["blocks"]) >= 1
        assert all(b["type"] == "section" for b in summary["blocks"])
        assert "Taurus" in summary["text"]


async def test_mentions_in_questions_and_documents_never_ping(
    engine: Engine, tmp_path: Path
) -> None:
    async with running_slack(engine) as h:
        await h.event(h.events.mention(f"<!channel> <!here> <@U0999> {QUESTION}"))
        await h.event(h.events.mention("<!everyone> <!subteam^S1|@devs> tell me about <@U0999>"))
        posts = await h.fake.wait_posts(2)
        for post in posts:
            text = everything(post)
            for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0999>", "<!subteam"):
                assert ping not in text

    doc = tmp_path / "memo.md"
    doc.write_text(
        "# Memo\n\nThe canteen opens at eight and serves soup on Mondays.\n\n"
        "Parking permits are renewed every spring by the facilities team.\n\n"
        "The quarterly budget memo says <!channel> must approve the <b>hiring plan</b> & "
        "the travel plan, and <@U0999> signs the budget memo.\n\n"
        "The library lends laptops to visiting researchers for two weeks.\n",
        encoding="utf-8",
    )
    memo = build_engine([doc])
    async with running_slack(memo) as h:
        await h.event(h.events.mention("Who signs the quarterly budget memo?"))
        [post] = await h.fake.wait_posts(1)
        text = everything(post)
        assert "&lt;!channel&gt;" in text and "&amp;" in text
        assert "<!channel>" not in text and "<@U0999>" not in text and "<b>" not in text


async def test_healthz_reports_documents_passages_and_uptime(engine: Engine) -> None:
    async with running_slack(engine) as h:
        health = await h.health()
        assert health["status"] == "ok"
        assert health["documents"] == len(engine.corpus.documents) == 1
        assert health["passages"] == len(engine.corpus) > 10
        assert health["uptime_seconds"] >= 0


async def test_concurrent_follow_ups_keep_each_threads_memory(engine: Engine) -> None:
    async with running_slack(engine) as h:
        roots = {}
        for t in range(10):
            root = h.events.mention(f"What are Taurus missiles? (ref {t})")
            roots[root["ts"]] = f"(ref {t})"
            await h.event(root)
        await h.fake.wait_posts(10)
        follow_ups = [
            h.event(h.events.mention(f"And when was that? {marker}", thread_ts=ts))
            for ts, marker in roots.items() for _ in range(5)
        ]
        assert all(r.status == 200 for r in await asyncio.gather(*follow_ups))
        posts = (await h.fake.wait_posts(60))[10:]
        for post in posts:
            notice = re.search(r'follow-up to "([^"]*)"', post["text"])
            assert notice is not None and roots[post["thread_ts"]] in notice.group(1)


async def test_a_body_that_never_arrives_times_out(engine: Engine) -> None:
    limits = HttpLimits(read_timeout_seconds=0.3)
    async with running_slack(engine, limits=limits) as h:
        port = int(h.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{\"type\":"
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10.0)
        writer.close()
        assert b" 408 " in status_line
