"""How a citation is written down, whichever layer produced it (retrieval or core)."""

from __future__ import annotations

from typing import Protocol


class Located(Protocol):
    """A quote with its locator: ``retrieval.answer.Citation`` and ``bot.types.Citation``."""

    @property
    def quote(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def paragraph(self) -> int: ...
    @property
    def score(self) -> float: ...


def locator(citation: Located) -> str:
    """``— Title, § Section, ¶ 5`` (plain text)."""
    parts = [citation.source]
    if citation.section:
        parts.append(f"§ {citation.section}")
    parts.append(f"¶ {citation.paragraph}")
    return "— " + ", ".join(parts)


def citation_json(citation: Located) -> dict[str, object]:
    """One citation in the ``ask --json`` contract of DESIGN.md."""
    return {
        "quote": citation.quote,
        "source": citation.source,
        "section": citation.section,
        "paragraph": citation.paragraph,
        "score": citation.score,
    }
