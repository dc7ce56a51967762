"""The kind of answer a question expects, from its wh-words (no word lists of any document)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

# Token kinds found in passages (bit flags, see retrieval.features.analyse_passage):
# a unit of measure ("minute", "kilometers"), and a capitalised word beside another one
# ("Margarita *Simonyan*"), as a person's or an organisation's name is written.
NUMBER, DATE, NAME, DIGITS, UNIT, FULL_NAME = 1, 2, 4, 8, 16, 32

_TIME_NOUNS_WORDS_TEXT = (
    "year years date day days month months century decade era time period"
)
_TIME_NOUNS = frozenset(_TIME_NOUNS_WORDS_TEXT.split())
_QUANTITY_NOUNS_WORDS_TEXT = (
    "percent percentage number amount proportion rate"
)
_QUANTITY_NOUNS = frozenset(_QUANTITY_NOUNS_WORDS_TEXT.split())
_MEASURE_ADJ_WORDS_TEXT = (
    "long far old big large tall high wide deep heavy often fast much many large small"
)
_MEASURE_ADJ = frozenset(_MEASURE_ADJ_WORDS_TEXT.split())


# "What *range* ...", "What was the *length* of ...": a measure asked for by its noun.
_MEASURE_NOUNS_WORDS_TEXT = (
    "length distance range duration height width depth weight size speed age altitude "
    "area lifespan"
)
_MEASURE_NOUNS = frozenset(_MEASURE_NOUNS_WORDS_TEXT.split())
# Words that may stand between "what" and the noun naming the answer's type.
_LEAD_WORDS = frozenset({"was", "is", "are", "were", "the", "a", "an", "s", "its", "their"})


_HOW_WORDS = _MEASURE_ADJ | {"many", "much"}
_TYPE_NOUNS = _TIME_NOUNS | _QUANTITY_NOUNS | _MEASURE_NOUNS


class QuestionType(IntEnum):
    WHAT = 0
    WHO = 1
    WHEN = 2
    WHERE = 3
    WHY = 4
    QUANTITY = 5  # how many / how much / what percentage
    MEASURE = 6  # how long / far / old ...
    HOW = 7
    OTHER = 8


# What kind of token answers each type (0: no particular kind).
WANTED_KIND: dict[QuestionType, int] = {
    # A name of two or more capitalised words: a person ("Margarita Simonyan") or an
    # organisation, rarely the single place names ("Ukraine") any sentence may hold.
    QuestionType.WHO: FULL_NAME,
    # A year or a day is written in digits; "one" or "second" rarely answers *when*.
    QuestionType.WHEN: DATE | DIGITS,
    QuestionType.WHERE: NAME,
    QuestionType.QUANTITY: NUMBER,
    # A unit ("a 38-*minute* recording", "500 *kilometers*"), not just any number.
    QuestionType.MEASURE: UNIT,
}


# Contractions typed without the apostrophe ("whats the range ...").
_WH_CONTRACTIONS = {"whats": "what", "whos": "who", "wheres": "where", "whens": "when",
                    "hows": "how", "whys": "why"}


def question_type(words: Sequence[str]) -> QuestionType:
    """Classify folded question words; looks at the first wh-word found."""
    for i, raw in enumerate(words[:25]):
        word = _WH_CONTRACTIONS.get(raw, raw)
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in ("who", "whom", "whose"):
            return QuestionType.WHO
        if word == "when":
            return QuestionType.WHEN
        if word == "where":
            return QuestionType.WHERE
        if word == "why":
            return QuestionType.WHY
        if word == "how":
            if following in ("many", "much"):
                return QuestionType.QUANTITY
            if following in _MEASURE_ADJ:
                return QuestionType.MEASURE
            return QuestionType.HOW
        if word in ("what", "which"):
            nxt = _after_what(words, i)
            if any(w in _TIME_NOUNS for w in nxt):
                return QuestionType.WHEN
            if any(w in _QUANTITY_NOUNS for w in nxt):
                return QuestionType.QUANTITY
            if any(w in _MEASURE_NOUNS for w in nxt):
                return QuestionType.MEASURE
            return QuestionType.WHAT
    return QuestionType.OTHER


def _after_what(words: Sequence[str], i: int) -> Sequence[str]:
    """The two words after "what" at ``i``, past a verb be or an article ("What was the
    *length* of ...", "What's the *range* ...")."""
    j = i + 1
    while j < min(len(words), i + 4) and words[j] in _LEAD_WORDS:
        j += 1
    return words[j : j + 2]


# "How *old* / *tall* / *heavy* ...": a size, a distance, an age or a duration, which
# documents give as a number or a unit of measure. Not "how often" ("biennial").
_SIZE_ADJ = _MEASURE_ADJ - {"often", "much", "many"}
# "What is the *speed* / *height* of ...": the same asked by the measure's noun. Not
# "range" or "area" ("a range of products", "the Black Sea area") nor "size" ("what size
# of team"), which documents also give in words.
_SIZE_NOUNS = _MEASURE_NOUNS - {"range", "area", "size"}
# Sizes that a year or a unit of time may give: an age ("founded in 2011"), a span of time
# ("from 2014"), a distance ("two hours away"). A height or a speed is not "38 minutes".
TIME_SIZES = frozenset({"old", "long", "far", "age", "lifespan", "duration", "length",
                        "distance"})


def size_asked(words: Sequence[str]) -> str | None:
    """The word by which folded question ``words`` ask for a size ("How *tall* ...",
    "What is the *speed* of ..."), or None."""
    for i, raw in enumerate(words[:25]):
        word = _WH_CONTRACTIONS.get(raw, raw)
        if word == "how":
            following = words[i + 1] if i + 1 < len(words) else ""
            return following if following in _SIZE_ADJ else None
        if word in ("what", "which"):
            return next((w for w in _after_what(words, i) if w in _SIZE_NOUNS), None)
    return None


def wanted_kind(qtype: QuestionType) -> int:
    return WANTED_KIND.get(qtype, 0)


def type_words(words: Sequence[str]) -> frozenset[str]:
    """Words that only name the answer's type ("what *year*", "which *date*")."""
    found: set[str] = set()
    for i, raw in enumerate(words[:25]):
        word = _WH_CONTRACTIONS.get(raw, raw)
        if word in ("what", "which"):
            found.update(w for w in _after_what(words, i) if w in _TYPE_NOUNS)
        elif word == "how" and i + 1 < len(words) and words[i + 1] in _HOW_WORDS:
            found.add(words[i + 1])  # "how *many*", "how *long*"
    return frozenset(found)
