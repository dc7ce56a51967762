"""The sentence splitter: abbreviations, dates, initials, decimals, quotations."""

from __future__ import annotations

from retrieval.sentences import MAX_SENTENCE_CHARS, sentence_spans


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_splits_plain_sentences() -> None:
    assert _split("One thing. Another thing! A third?") == [
        "One thing.", "Another thing!", "A third?"
    ]


def test_does_not_split_dates_acronyms_initials_or_decimals() -> None:
    text = (
        "The call took place on Feb. 19 in Berlin. The U.S. Army said so. "
        "J. R. Smith agreed with Dr. Jones. It costs 3.5 million euros. Done."
    )
    assert _split(text) == [
        "The call took place on Feb. 19 in Berlin.",
        "The U.S. Army said so.",
        "J. R. Smith agreed with Dr. Jones.",
        "It costs 3.5 million euros.",
        "Done.",
    ]


def test_keeps_a_quotation_whole() -> None:
    text = 'He said "it is absurd. Pure propaganda." Then he left.'
    assert _split(text) == ['He said "it is absurd. Pure propaganda."', "Then he left."]


def test_offsets_are_shifted_by_base_and_stripped() -> None:
    text = "  First one.   Second one.  "
    spans = sentence_spans(text, base=100)
    assert [(s - 100, e - 100) for s, e in spans] == [(2, 12), (15, 26)]
    assert [text[s - 100 : e - 100] for s, e in spans] == ["First one.", "Second one."]


def test_a_run_without_sentence_punctuation_is_cut_into_pieces() -> None:
    words = " ".join(f"word{i}" for i in range(2000)) + ", and the miller counts 42 sacks"
    spans = sentence_spans(words)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    # Verbatim and complete: the pieces, joined by the spaces between them, are the text.
    assert " ".join(words[s:e] for s, e in spans) == words
    assert words[spans[-1][0] : spans[-1][1]].endswith("the miller counts 42 sacks")


def test_a_long_sentence_is_cut_after_a_clause_mark_when_it_can_be() -> None:
    clause = "a " * 300 + "clause; "
    text = clause + "b " * 300 + "end."
    first = sentence_spans(text)[0]
    assert text[first[0] : first[1]].endswith("clause;")
    blob = "x" * 2500
    assert sentence_spans(blob) == [(0, 1000), (1000, 2000), (2000, 2500)]


def test_ordinary_long_sentences_are_left_whole() -> None:
    sentence = "The committee, which met " + "again and again, " * 40 + "agreed."
    assert len(sentence) < MAX_SENTENCE_CHARS and sentence_spans(sentence) == [
        (0, len(sentence))]
