"""Does a question lean on the previous turn of its thread, or stand on its own?

General cues only: an opening that continues ("and ...", "what about ...", "also ..."),
an ellipsis, a third-person pronoun with no antecedent inside the question, or a bare
question ("When?", "How many?") with no words of its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from retrieval.analysis import NAME_PATTERN, Analyzer

_CONTINUES = re.compile(
    r"^(?:\.\.\.|…|and\b|but\b|also\b|so\b|then\b|or\b|plus\b|what about\b|how about\b|"
    r"what else\b|anything else\b|any more\b|anymore\b|more\b|why\b(?=[\s?!.]*$)|"
    r"how come\b|really\b|same\b|what of\b|and then\b|who else\b|where else\b)",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(
    r"\b(?:he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|"
    r"there|then|the same|such|former|latter)\b",
    re.IGNORECASE,
)
# "that" / "there" / "then" in these uses do not point back to an earlier turn.
_NON_ANAPHORIC = re.compile(
    r"\b(?:so that|such that|now that|given that|except that|is there|are there|was there|"
    r"were there|there (?:is|are|was|were|has|have)|and then|since then|by then|"
    r"(?:say|said|says|claim|claimed|think|thinks|know|knows|mean|means|believe|suggest|"
    r"suggested|argue|argued|warn|warned|prove|proved|show|shows|showed) that)\b",
    re.IGNORECASE,
)

_SHORT_WORDS = 4
# Forms of be, do and have and the modals: the verb of a short question that makes it a
# whole clause.
_VERBS = frozenset({
    "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "has", "have", "had",
    "can", "could", "will", "would", "shall", "should", "may", "might", "must",
})


def content_words(analyzer: Analyzer, text: str) -> list[str]:
    """Folded non-stopwords of ``text``, in order, without repeats."""
    stop = analyzer.stopwords
    return list(dict.fromkeys(w for w in analyzer.words(text, limit=True) if w not in stop))


def names_in(analyzer: Analyzer, text: str) -> list[str]:
    """Folded capitalised words that are not the first of a sentence: likely names."""
    return list(dict.fromkeys(fold_word for m in NAME_PATTERN.finditer(text)
                              for fold_word in analyzer.words(m.group(0))))


def replaces_subject(question: str, *, analyzer: Analyzer, vocabulary: Collection[str]) -> bool:
    """"And Kiesewetter?", "What about France?": the earlier question, asked of a new subject."""
    text = question.strip()
    if not _CONTINUES.match(text) or _ANAPHOR.search(_NON_ANAPHORIC.sub(" ", text)):
        return False
    known = [t for t in analyzer.question_terms(text) if t in vocabulary]
    return bool(known) and len(analyzer.words(text, limit=True)) <= 6


class FollowupQuery(NamedTuple):
    text: str  # what to look up
    # When a new subject that is no name is asked of the earlier question's words: those
    # words, weaker evidence than the subject's (the answerer's context), which the next
    # new subject takes in its turn.
    frame: tuple[str, ...] | None = None


def followup_query(question: str, previous_question: str, previous_words: Sequence[str],
                   previous_names: Collection[str], *, analyzer: Analyzer,
                   vocabulary: Collection[str],
                   previous_frame: Sequence[str] | None = None) -> FollowupQuery:
    """The text to look up for a follow-up: the question plus what it leans on.

    "And Kiesewetter?" after "Who is Pistorius?" asks the earlier question of a new
    subject ("Who is Kiesewetter?"); a new subject that is no name is looked up with the
    earlier question's words as its frame, or, when that question itself asked of a new
    subject, with its ``previous_frame`` (the words without that subject: "and keyring?"
    after "what about netrc?" drops netrc). Otherwise the earlier question's content words
    are added to the question ("When did she post it? posted recording").
    """
    if replaces_subject(question, analyzer=analyzer, vocabulary=vocabulary):
        names = set(previous_names)
        subject = _CONTINUES.sub("", question.strip(), count=1).strip(" ,.;:?!")
        replaced = [False]

        def swap(match: re.Match[str]) -> str:
            if not set(analyzer.words(match.group(0))) <= names:
                return match.group(0)
            first = not replaced[0]
            replaced[0] = True
            return subject if first else ""

        asked = re.sub(r"\s+", " ", NAME_PATTERN.sub(swap, previous_question)).strip()
        if replaced[0]:
            return FollowupQuery(asked if asked.endswith("?") else asked + "?")
        words = tuple(previous_words if previous_frame is None else previous_frame)
        return FollowupQuery(subject, words)
    own = set(content_words(analyzer, question))
    # Only words the documents hold: one they lack would be missing again, and decline.
    carried = [w for w in previous_words
               if w not in own and analyzer.stem(w) in vocabulary]
    return FollowupQuery(f"{question} {' '.join(carried)}")


def leans_on_previous(question: str, *, analyzer: Analyzer, vocabulary: Collection[str]) -> bool:
    """True when ``question`` reads as a follow-up to the previous turn."""
    text = question.strip()
    if not text:
        return False
    if _CONTINUES.match(text) or text.rstrip("?!. ").endswith(("...", "…")):
        return True
    known = [t for t in analyzer.question_terms(text) if t in vocabulary]
    if not known:
        # A bare "When?" or "How many?" leans back. A question with words of its own that
        # the documents lack ("the population of Canada") stands alone, to be declined.
        return len(content_words(analyzer, text)) <= 1 and not NAME_PATTERN.search(text)
    words = analyzer.words(text, limit=True)
    names = [m for m in NAME_PATTERN.finditer(text)
             if analyzer.stem(m.group(0).casefold()) in vocabulary]
    scrubbed = _NON_ANAPHORIC.sub(" ", text)
    for match in _ANAPHOR.finditer(scrubbed):
        if not any(name.start() < match.start() for name in names):
            return True  # a pronoun whose antecedent is not in the question itself
    # A short phrase leans back ("Which channel?"); a whole clause does not ("Who is the
    # chancellor?").
    return (len(words) <= _SHORT_WORDS and len(known) <= 1 and not names
            and _VERBS.isdisjoint(words))
