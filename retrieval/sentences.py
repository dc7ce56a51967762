"""Sentence splitting with character offsets, robust to abbreviations and initials.

A rule-based splitter rather than nltk's Punkt: Punkt needs training text to learn
abbreviations, and a single short article teaches it little. The rules below cover
dates (``Feb. 19``), dotted acronyms (``U.S.``), initials (``J. R. Smith``), titles
(``Dr.``) and decimals (``3.5``), and never need downloaded data.
"""

from __future__ import annotations

import re

# Lower-case forms, without the trailing period.
_ABBREVIATION_TEXT = """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm maj gov sen rep rev hon pres
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc ltd co corp bros dept univ assn est approx vs etc al fig figs no nos vol vols pp ed eds
    cf ca op seq art ch sec ave blvd rd
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9À-Þ¿¡]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# Longer "sentences" are cut into pieces (see _pieces); 99.9 % of SQuAD's are shorter.
MAX_SENTENCE_CHARS = 1000


def _is_abbreviation(text: str, period_at: int) -> bool:
    """True when the period at ``period_at`` closes an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, period_at - 100), period_at)  # not O(len(text))
    if match is None:
        return False
    word = match.group(1)
    bare = word.rstrip(".")
    if "." in bare:  # dotted acronym such as U.S or e.g
        return True
    if len(bare) == 1 and bare.isupper():  # an initial: "J. Smith"
        return True
    return bare.lower() in _ABBREVIATIONS


def _inside_open_quote(text: str, start: int, at: int) -> bool:
    """True when a double quote opened in the sentence so far (and recently) is still open."""
    window = text[max(start, at - 300) : at]
    straight = window.count('"')
    return straight % 2 == 1 or window.count("“") > window.count("”")


def sentence_spans(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; return ``(start, end)`` offsets shifted by ``base``.

    Every span is stripped of surrounding white space, so ``text[start:end]`` is the
    sentence itself.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if not _NEXT_START.match(text, end):
            continue
        if _inside_open_quote(text, start, match.end()):
            continue
        punct = text[match.start()]
        if punct == "." and match.end() - match.start() == 1 and _is_abbreviation(
            text, match.start()
        ):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    if len(text) > MAX_SENTENCE_CHARS and any(e - s > MAX_SENTENCE_CHARS for s, e in spans):
        spans = [piece for s, e in spans for piece in _pieces(text, s, e)]
    result: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            result.append((s + base, e + base))
    return result


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into spans of at most :data:`MAX_SENTENCE_CHARS`: a run of
    words without sentence punctuation (a transcript, a list without full stops) would
    otherwise be one passage, and one quote, of thousands of characters. A cut falls after
    the last clause mark (``;``, ``:``, ``,``) in the second half of the limit, else at the
    last space, else at the limit."""
    pieces: list[tuple[int, int]] = []
    limit = MAX_SENTENCE_CHARS
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(mark) for mark in ("; ", ": ", ", ")) + 1
        if cut <= limit // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, end))
    return pieces
