"""Plain-text wording of answers, shared by the CLI and the core."""

from __future__ import annotations

from bot.citations import locator
from retrieval.answer import Answer

NO_ANSWER = "The documents don't answer that."


def missing_phrase(missing: tuple[str, ...]) -> str:
    if not missing:
        return ""
    words = [f"*{w}*" for w in missing[:5]]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"The documents don't mention {listed}."


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
    for citation in answer.citations:
        lines.append(f"\"{citation.quote}\"")
        if locators:
            lines.append(locator(citation))
    return "\n".join(lines)
