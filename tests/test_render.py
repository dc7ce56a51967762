"""Rendering: block quotes with locators, escaping for Slack and Discord, splitting."""

from __future__ import annotations

import re

import pytest

from bot import render
from bot.types import Citation, Reply, ReplyKind

ZWSP = "\u200b"


def cite(quote: str, *, section: str | None = "What was leaked?", paragraph: int = 4) -> Citation:
    return Citation(quote=quote, source="Taurus leak", section=section, paragraph=paragraph,
                    score=1.0)


def answer(*quotes: str) -> Reply:
    return Reply(ReplyKind.ANSWER, "", tuple(cite(q) for q in quotes))


def unslack(text: str) -> str:
    return text.replace(ZWSP, "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def undiscord(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace(ZWSP, ""))


def test_plain_text_has_block_quotes_and_locators() -> None:
    text = render.plain_text(answer("On March 1, she posted it."))
    assert "> On March 1, she posted it." in text
    assert "— Taurus leak, § What was leaked?, ¶ 4" in text
    reply = Reply(ReplyKind.ANSWER, "", (cite("Before any heading.", section=None, paragraph=1),))
    assert "— Taurus leak, ¶ 1" in render.plain_text(reply)


def test_ignore_renders_to_nothing() -> None:
    reply = Reply(ReplyKind.IGNORE, "")
    assert render.plain_text(reply) == ""
    assert render.slack_blocks(reply) == []
    assert render.discord_messages(reply) == []


@pytest.mark.parametrize(
    "hostile",
    ["<!channel> now", "<!here|here>", "hi <@U123ABC>", "<#C123|general>",
     "<https://evil.example|click me>", "a & b < c > d"],
)
def test_slack_escaping_neutralises_mentions_and_links(hostile: str) -> None:
    escaped = render.escape_slack(hostile)
    assert "<" not in escaped and ">" not in escaped
    assert unslack(escaped) == hostile  # nothing lost, only escaped


def test_slack_escaping_breaks_markup_and_at_words() -> None:
    escaped = render.escape_slack("*bold* _it_ ~no~ `code` ```block``` @channel @here")
    for token in ("*bold*", "_it_", "~no~", "`code`", "```", "@channel", "@here"):
        assert token not in escaped
    assert unslack(escaped) == "*bold* _it_ ~no~ `code` ```block``` @channel @here"


@pytest.mark.parametrize(
    "hostile",
    ["@everyone look", "@here!", "<@123456789>", "<@!123456789>", "<#987654321>",
     "<@&55555>", "`code` and ```block```", "**bold** __u__ ~~s~~ ||spoiler||",
     "# heading", "> fake quote", "- list", "[link](https://evil.example)"],
)
def test_discord_escaping(hostile: str) -> None:
    escaped = render.escape_discord(hostile)
    assert "@everyone" not in escaped and "@here" not in escaped
    assert not re.search(r"<[@#]", escaped)
    assert not re.search(r"(?<!\\)[`*_~|\[\]]", escaped)
    assert not re.match(r"^(#|>|- )", escaped)
    assert undiscord(escaped) == hostile


def test_user_and_document_text_is_escaped_everywhere() -> None:
    reply = Reply(
        ReplyKind.DECLINE,
        'The documents don\'t mention "<!channel>" or "@everyone".',
        (cite("Quote with <@U1> and `ticks` and @here."),),
        notices=('Read as a follow-up to "<@U2> *who*?".',),
    )
    slack = render.slack_text(reply) + "".join(
        str(b["text"]) for b in render.slack_blocks(reply)
    )
    assert "<!channel>" not in slack and "<@U1>" not in slack and "<@U2>" not in slack
    assert "@here" not in slack
    discord = "\n".join(render.discord_messages(reply))
    assert "@everyone" not in discord and "@here" not in discord and "<@U1>" not in discord


def test_slack_blocks_are_mrkdwn_sections_with_quotes() -> None:
    blocks = render.slack_blocks(answer("First quote.", "Second quote."))
    assert blocks and all(b["type"] == "section" for b in blocks)
    text = "\n".join(str(b["text"]["text"]) for b in blocks)  # type: ignore[index]
    assert "&gt; First quote." not in text  # the block-quote marker is markup, not escaped
    assert "> First quote." in text and "> Second quote." in text
    assert "Taurus leak" in text


def long_sentence(n: int, word: str = "missile") -> str:
    return " ".join(f"{word}{i}" for i in range(n)) + "."


def test_discord_splits_at_quote_boundaries() -> None:
    quotes = [long_sentence(60) for _ in range(8)]  # ~ 8 x 570 characters
    messages = render.discord_messages(answer(*quotes))
    assert len(messages) > 1
    assert all(len(m) <= 2000 for m in messages)
    joined = "\n".join(messages)
    for quote in quotes:
        assert quote in undiscord(joined)
    assert render.CONTINUES not in joined  # no quote needed cutting


def test_a_quote_longer_than_the_limit_is_split_visibly() -> None:
    sentences = [long_sentence(40, word=f"sentence{k}w") for k in range(12)]
    quote = " ".join(sentences)
    assert len(quote) > 4000
    messages = render.discord_messages(answer(quote))
    assert len(messages) >= 3
    assert all(len(m) <= 2000 for m in messages)
    assert render.CONTINUES in messages[0] and render.CONTINUES in messages[-1]
    assert "Taurus leak" in messages[-1]
    pieces = []
    for message in messages:
        body = [line[2:] for line in message.split("\n") if line.startswith("> ")]
        pieces.append(" ".join(body).replace(f"{render.CONTINUES} … ", "")
                      .replace(f" … {render.CONTINUES}", ""))
    assert undiscord(" ".join(pieces)) == quote  # nothing dropped, split at sentences


def test_a_single_huge_word_is_still_split_within_limits() -> None:
    quote = "x" * 7000
    messages = render.discord_messages(answer(quote))
    assert all(len(m) <= 2000 for m in messages)
    assert sum(m.count("x") for m in messages) == 7000
    blocks = render.slack_blocks(answer(quote))
    assert all(len(str(b["text"]["text"])) <= 3000 for b in blocks)  # type: ignore[index]
    assert sum(str(b["text"]["text"]).count("x") for b in blocks) == 7000  # type: ignore[index]


def test_slack_sections_stay_under_3000() -> None:
    quote = " ".join(long_sentence(50, word=f"q{k}*x_") for k in range(20))
    blocks = render.slack_blocks(answer(quote, "Short one."))
    assert len(blocks) >= 3
    assert all(len(str(b["text"]["text"])) <= 3000 for b in blocks)  # type: ignore[index]
    text = unslack("\n".join(str(b["text"]["text"]) for b in blocks))  # type: ignore[index]
    assert render.CONTINUES in text and "Short one." in text


def test_discord_limit_is_configurable() -> None:
    messages = render.discord_messages(answer(long_sentence(100)), limit=500)
    assert len(messages) > 1 and all(len(m) <= 500 for m in messages)
    with pytest.raises(ValueError):
        render.discord_messages(answer("x"), limit=10)
