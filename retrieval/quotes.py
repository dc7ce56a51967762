"""Quote spans: a sentence, extended to the previous one when it cannot stand alone."""

from __future__ import annotations

import re

from retrieval.corpus import Corpus
from retrieval.sentences import MAX_SENTENCE_CHARS

_PRONOUN_START = re.compile(
    r"^[\"'“‘(]?(?:he|she|it|they|this|that|these|those|his|her|its|their|him|them|"
    r"such)\b",
    re.IGNORECASE,
)
_OPENING = "“‘"
_CLOSING = "”’"


def is_fragment(sentence: str) -> bool:
    """True when a sentence leans on the one before it.

    It opens with a pronoun ("He said ...", "This ..."), starts in lower case, or
    continues a quotation opened earlier (its first quotation mark closes one).
    """
    text = sentence.lstrip()
    if not text:
        return False
    if text[0].islower() or _PRONOUN_START.match(text):
        return True
    return _continues_quotation(text)


def _continues_quotation(text: str) -> bool:
    for i, ch in enumerate(text):
        if ch in _OPENING:
            return False
        if ch == "”":
            return True
        if ch == '"':
            before = text[i - 1] if i > 0 else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            # A straight quote after a word or punctuation and before a space closes.
            return i > 0 and not before.isspace() and (after.isspace() or after in ",.;:!?")
    return False


def quote_span(corpus: Corpus, passage_id: int) -> tuple[int, int]:
    """Offsets (into the document's text) of the quote for a passage; a fragment takes in
    the sentence before it unless the two together would pass ``MAX_SENTENCE_CHARS`` (the
    pieces of a run of text without sentence punctuation all open in lower case)."""
    start = int(corpus.starts[passage_id])
    end = int(corpus.ends[passage_id])
    previous = passage_id - 1
    if (
        previous >= 0
        and corpus.paragraph_keys[previous] == corpus.paragraph_keys[passage_id]
        and end - int(corpus.starts[previous]) <= MAX_SENTENCE_CHARS
        and is_fragment(corpus.text(passage_id))
    ):
        start = int(corpus.starts[previous])
    return start, end


def quote_text(corpus: Corpus, passage_id: int) -> str:
    """The words a citation of ``passage_id`` quotes (see :func:`quote_span`)."""
    start, end = quote_span(corpus, passage_id)
    return corpus.passage(passage_id).document.text[start:end]
