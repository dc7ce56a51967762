"""The core's wording: plain text only (``bot.render`` escapes it per platform)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from retrieval.corpus import Corpus

ERROR = "Sorry, something went wrong on my side while answering that. Please try again."
NO_ANSWER = "The documents don't answer that."
HELP = "\n".join(
    [
        "I answer questions about the documents I serve, quoting them word for word "
        "with where each quote comes from.",
        "• Ask a question, e.g. Who posted the recording?",
        "• Ask a follow-up in the same thread, e.g. When did she post it?",
        "• summary: the documents in a few quoted sentences; summary TOPIC: on one topic",
        "• sources: the documents I serve",
        "• help: this message",
    ]
)


def rate_limited(wait_seconds: float) -> str:
    wait = max(1, math.ceil(wait_seconds))
    unit = "second" if wait == 1 else "seconds"
    return (
        "You're sending questions faster than I can take them. "
        f"Please try again in {wait} {unit}."
    )


BUSY = (
    "I'm busy answering many questions right now. Please try again in a few seconds."
)


def too_long(length: int, limit: int) -> str:
    return (
        f"That message is {length:,} characters long; I can take questions of up to "
        f"{limit:,} characters. Please shorten it and ask again."
    )


def quoted_list(words: Sequence[str], *, mark: str = '"') -> str:
    """``"a", "b" or "c"`` (at most five words), each word wrapped in ``mark``."""
    shown = [f"{mark}{w}{mark}" for w in words[:5]]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def decline(missing: Sequence[str], *, has_closest: bool) -> str:
    lead = f"The documents don't mention {quoted_list(missing)}." if missing else NO_ANSWER
    if has_closest:
        lead += " The closest passage, which may not answer it:"
    return lead


def followup_notice(previous_question: str) -> str:
    shown = previous_question if len(previous_question) <= 80 else previous_question[:77] + "..."
    return f'Read as a follow-up to "{shown}".'


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def sources(corpus: Corpus, *, limit: int = 50) -> str:
    documents = corpus.documents
    counts = np.bincount(corpus.doc_ids, minlength=len(documents)).tolist()
    noun = "document" if len(documents) == 1 else "documents"
    lines = [f"I serve {len(documents)} {noun}:"]
    for d, document in enumerate(documents[:limit]):
        sections = len(document.sections)
        parts = [_size(document.size_bytes), f"{counts[d]} sentences"]
        if sections:
            parts.append(f"{sections} section{'s' if sections != 1 else ''}")
        lines.append(f"• {document.title} ({', '.join(parts)})")
    if len(documents) > limit:
        lines.append(f"… and {len(documents) - limit} more.")
    return "\n".join(lines)
