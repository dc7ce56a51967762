"""Quote spans: a sentence, extended to the previous one when it cannot stand alone, and
to the next one when it asks a question (a FAQ's "Q: ...? A: ...")."""

from __future__ import annotations

import re

from retrieval.corpus import Corpus
from retrieval.sentences import MAX_SENTENCE_CHARS

_PRONOUN_START = re.compile(
    r"^[\"'“‘(]?(?:he|she|it|they|this|that|these|those|his|her|its|their|him|them|"
    r"such)\b",
    re.IGNORECASE,
)
_QUESTION_CLOSERS = "\"'”’)*_ "  # what may close a question after its mark
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
    the sentence before it, and a question the sentence after it (its answer), unless the
    two together would pass ``MAX_SENTENCE_CHARS`` (the pieces of a run of text without
    sentence punctuation all open in lower case)."""
    start = int(corpus.starts[passage_id])
    end = int(corpus.ends[passage_id])
    key = corpus.paragraph_keys[passage_id]
    previous, following = passage_id - 1, passage_id + 1
    text = corpus.text(passage_id)
    if (
        previous >= 0
        and corpus.paragraph_keys[previous] == key
        and end - int(corpus.starts[previous]) <= MAX_SENTENCE_CHARS
        and is_fragment(text)
    ):
        start = int(corpus.starts[previous])
    elif (
        following < len(corpus)
        and text.rstrip(_QUESTION_CLOSERS).endswith("?")
        and corpus.paragraph_keys[following] == key
        and int(corpus.ends[following]) - start <= MAX_SENTENCE_CHARS
    ):
        end = int(corpus.ends[following])
    return start, end


def quote_text(corpus: Corpus, passage_id: int) -> str:
    """The words a citation of ``passage_id`` quotes (see :func:`quote_span`)."""
    start, end = quote_span(corpus, passage_id)
    return corpus.passage(passage_id).document.text[start:end]
