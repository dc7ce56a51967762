"""The sentence splitter: abbreviations, dates, initials, decimals, quotations."""

from __future__ import annotations

from retrieval.sentences import sentence_spans


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
