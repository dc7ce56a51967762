"""Bad input through the Slack adapter: every message gets one clear reply, none pings,
and the next normal question is still answered."""

from __future__ import annotations

import json

from fakes.slack_harness import running_slack
from fakes.slack_payloads import command_payload

from retrieval.engine import Engine

BAD = [
    "",
    "   \t  ",
    "x",
    "why " * 20_000,
    "a" * 100_000,
    "what\x00 is\x07 this\x1b[31m?",
    "😀😀😀",
    "מי פרסם את ההקלטה? who posted it?",
    "Ｗｈｏ ｐｏｓｔｅｄ ｔｈｅ ｒｅｃｏｒｄｉｎｇ？",
    "Who pos\u0301ted the re\u0308cording?",
    "*bold* _it_ ~s~ `code` ```block``` > quote [link](http://x.test)",
    "&lt;!channel&gt; <!channel> <!here|here> <@U0999> <#C0001|general> @everyone",
    "<script>alert(1)</script> <b>bold</b> &amp; &lt;",
]
PINGS = ("<!channel>", "<!here", "<!everyone>", "<@U0999>", "<#C0001", "<script>", "<b>")


async def test_bad_mentions_each_get_one_safe_reply(engine: Engine) -> None:
    async with running_slack(engine, env={"CITEBOT_MAX_QUESTION_CHARS": "1000"}) as h:
        for text in BAD:
            assert (await h.event(h.events.mention(text))).status == 200
        await h.bot.inflight.wait_idle(20.0)
        assert len(h.fake.posts) == len(BAD)
        for post in h.fake.posts:
            assert post["text"].strip()
            assert all(len(b["text"]["text"]) <= 3000 for b in post["blocks"])
            dumped = json.dumps(post, ensure_ascii=False)
            for ping in PINGS:
                assert ping not in dumped
        await h.event(h.events.mention("Who posted the audio recording on Telegram?"))
        posts = await h.fake.wait_posts(len(BAD) + 1)
        assert "Simonyan" in posts[-1]["text"]


async def test_slash_commands_with_no_or_huge_text(engine: Engine) -> None:
    async with running_slack(engine, env={"SLACK_EPHEMERAL": "false"}) as h:
        for i, (command, text) in enumerate(
            [("/ask", ""), ("/ask", "q" * 50_000), ("/summary", "z" * 50_000), ("/summary", "")]
        ):
            fields = command_payload(command, text, response_url=h.fake.response_url(str(i)))
            assert (await h.command(fields)).status == 200
        await h.bot.inflight.wait_idle(20.0)
        assert len(h.fake.responses) == 4
        for _, body in h.fake.responses:
            assert body["text"].strip()
            assert all(len(b["text"]["text"]) <= 3000 for b in body["blocks"])
