"""Command parsing shared by every platform: what does a message ask the bot to do?"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COMMANDS = ("ask", "summary", "sources", "help")
_ALIASES = {
    "ask": "ask", "question": "ask", "q": "ask",
    "summary": "summary", "summarise": "summary", "summarize": "summary", "tldr": "summary",
    "sources": "sources", "source": "sources", "documents": "sources", "docs": "sources",
    "help": "help", "commands": "help", "usage": "help",
    "start": "help",
}
_GREETING_WORDS = (
    r"(?:hi|hello|hey|hiya|howdy|yo|hallo|hola|greetings|good (?:morning|afternoon|evening)|"
    r"thanks|thank you|thx|ty|cheers|ping)"
    r"(?:\s+(?:there|all|everyone|bot|citebot|so much|a lot))?"
)
# Acknowledgements, which are also words of questions ("Great Britain", "Nice"): taken for
# an address only before a punctuation mark ("Great, who ...?").
_ACK_WORDS = r"(?:ok|okay|cool|great|nice|perfect|awesome|got it|i see|understood|makes sense)"
# A message of greetings and acknowledgements only ("ok thanks", "Great, thank you!"),
# which is short.
_GREETING = re.compile(rf"^(?:(?:{_GREETING_WORDS}|{_ACK_WORDS})(?:[\s!.,?]+|$))+$",
                       re.IGNORECASE)
_GREETING_CHARS = 80
# A greeting or an address before the question ("Hi! Who ...?", "@citebot who ...?",
# "citebot: who ...?"): not part of what is asked.
_ADDRESS = re.compile(
    rf"^(?:(?:{_GREETING_WORDS}|@[\w.-]{{1,40}}|citebot)\s*[!.,:;]?|{_ACK_WORDS}\s*[!.,:;])"
    rf"\s+(?=\S)",
    re.IGNORECASE,
)
# A summary asked for in plain words: "Can you summarize X?", "Give me a summary of X",
# "What is this article about?", "tl;dr".
_SUMMARY_REQUEST = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    r"(?:summari[sz]e|sum\s+up|give\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:summary|overview)(?:\s+(?:of|on|about))?)\b(?P<topic>.*?)[\s?!.,]*(?:please)?[\s?!.]*$",
    re.IGNORECASE,
)
_ABOUT_THE_DOCUMENTS = re.compile(
    r"^(?:what(?:['’]s|\s+is|\s+are)|whats)\s+(?:this|the|these|that|those)\s+"
    r"(?:articles?|documents?|docs?|texts?|story|stories|files?|reports?|piece)\s+"
    r"(?:all\s+)?about[\s?!.]*$|^tl;?dr[\s?!.]*$",
    re.IGNORECASE,
)
# A summary topic that only names the documents themselves: the whole summary.
_WHOLE_TOPIC = re.compile(
    r"^(?:(?:the|this|these|that|those|all|whole|entire|full|"
    r"your)\s+)*(?:articles?|documents?|docs?|texts?|story|stories|files?|sources?|news|"
    r"everything|it|them|what\s+happened)?[\s.!?]*$",
    re.IGNORECASE,
)
_TOPIC_LEAD = re.compile(r"^(?:of|about|on|for)\s+", re.IGNORECASE)
# Zero-width and bidi formatting characters users paste by accident (or on purpose).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
# Chat markup that is not part of a question: mentions, channel links, custom emoji, tags.
_MENTION = re.compile(r"<(?:[@#!]|/\w|a?:\w+:)[^<>]{0,120}>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|\s]{1,2000})(?:\|([^<>]{0,500}))?>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,200})?/?>")


@dataclass(frozen=True)
class Command:
    name: str  # one of COMMANDS
    argument: str  # the question, the summary topic, or ""


def clean_text(text: str) -> str:
    """Normalise user text: NFC, no control or invisible characters, tidy spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _MENTION.sub(" ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _TAG.sub(" ", text)
    text = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    )
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def command_name(command: str) -> str:
    """The command a slash command (``/ask``, ``summarize`` ...) stands for; unknown: help."""
    return _ALIASES.get(command.strip().lstrip("/!").lower(), "help")


def takes_text(command: str | None) -> bool:
    """Whether the message text matters: a plain message, or a command with an argument."""
    return command is None or command_name(command) in ("ask", "summary")


def parse(text: str, *, command: str | None = None) -> Command:
    """Read a message (or a slash command and its argument) as a :class:`Command`.

    ``summary [TOPIC]``, ``sources``, ``help`` (optionally with a leading ``/`` or ``!``);
    a greeting or empty text is ``help``; anything else is a question.
    """
    text = _without_address(clean_text(text))
    if command is not None:
        name = command_name(command)
        if name == "ask" and (not text or _is_greeting(text)):
            return Command("help", "")
        if name == "summary":
            return Command(name, summary_topic(text))
        return Command(name, text if name == "ask" else "")
    if not text or _is_greeting(text):
        return Command("help", "")
    if _ABOUT_THE_DOCUMENTS.match(text):
        return Command("summary", "")
    request = _SUMMARY_REQUEST.match(text)
    if request:
        return Command("summary", summary_topic(request.group("topic")))
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = f"{more} {rest}".strip()
    slashed = head[:1] in "/!"
    word = head.lstrip("/!").rstrip(":,.!?").lower()
    alias = _ALIASES.get(word)
    if alias is not None and (slashed or _bare_command(alias, rest, head)):
        argument = rest.strip()
        if alias == "ask" and not argument:
            return Command("help", "")
        if alias == "summary":
            return Command(alias, summary_topic(argument))
        return Command(alias, argument if alias == "ask" else "")
    if slashed and alias is None:
        return Command("help", "")
    return Command("ask", text)


def summary_topic(text: str) -> str:
    """The topic of a summary request; "" (the whole documents) when it only names them
    ("the article", "of the whole document", "what happened")."""
    text = _TOPIC_LEAD.sub("", text.strip(" \t,;:"))
    return "" if _WHOLE_TOPIC.match(text) else text


def _is_greeting(text: str) -> bool:
    return len(text) <= _GREETING_CHARS and _GREETING.match(text) is not None


def _without_address(text: str) -> str:
    """``text`` without the greetings and addresses it opens with (a greeting alone stays)."""
    for _ in range(3):
        found = None if _is_greeting(text) else _ADDRESS.match(text)
        if found is None:
            break
        text = text[found.end() :]
    return text


def _bare_command(name: str, rest: str, head: str) -> bool:
    """A command word without a slash: only when it reads as a command, not a question."""
    if head.endswith("?"):
        return False
    if name == "summary":
        return not rest.endswith("?") and len(rest.split()) <= 12
    if name == "ask":
        return bool(rest)
    return not rest  # "sources", "help" on their own
