"""Plain-text wording of answers, shared by the CLI and the core."""

from __future__ import annotations

from bot.citations import locator
from bot.replies import NO_ANSWER, quoted_list
from retrieval.answer import Answer


def missing_phrase(missing: tuple[str, ...]) -> str:
    if not missing:
        return ""
    return f"The documents don't mention {quoted_list(missing, mark='*')}."


def answer_text(answer: Answer, *, locators: bool = False) -> str:
    """What a user reads, in plain text."""
    if not answer.answered:
        lead = missing_phrase(answer.missing_terms) or answer.reason or NO_ANSWER
        if not answer.citations:
            return lead
        closest = answer.citations[0]
        text = f"{lead} The closest passage, which may not answer it:\n\"{closest.quote}\""
        return text + (f"\n{locator(closest)}" if locators else "")
    lines = []
    for citation in answer.shown_citations:
        lines.append(f"\"{citation.quote}\"")
        if locators:
            lines.append(locator(citation))
    return "\n".join(lines)
