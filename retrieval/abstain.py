"""Deciding whether the documents answer a question, from its specific content.

Each content word of the question weighs its idf: rare words (names, specific nouns)
weigh much, words common in the documents little, and a word the documents lack weighs
as much as the rarest word they have (more if it is a name). The question is answered
when the best passage's paragraph holds enough of that weight. Generic words ("role",
"say") that are absent therefore cost no more than one rare word that is present.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from retrieval.analysis import COURTESY_WORDS, clip
from retrieval.answer_type import (
    DATE,
    DIGITS,
    NAME,
    NUMBER,
    TIME_SIZES,
    UNIT,
    QuestionType,
    size_asked,
    type_words,
)
from retrieval.features import TIME_UNIT_WORDS, PassageCache, QuestionProfile
from retrieval.index import BM25Index

_SURFACE = re.compile(r"[^\W_]+", re.UNICODE)
NAME_WEIGHT = 1.5  # a missing capitalised name weighs this many unseen words
# Passages read to tell whether the documents hold a name (Abstainer._absent_name).
NAME_SCAN_LIMIT = 256
# Stems compared with a name the documents lack, to tell whether it is one of theirs
# mistyped (misspells).
SPELLING_SCAN_LIMIT = 5_000
# A missing attribute the question asks for ("the *capital* of Germany") outweighs any one
# word found: twice the rarest word's weight.
ATTRIBUTE_WEIGHT = 2.0
# A missing word of general vocabulary ("role", "happen") when the question's specific
# words are found; with only general words found, a missing one weighs fully.
GENERAL_WEIGHT = 0.35
THRESHOLD = 0.33
NOT_ANSWERED = "The documents do not seem to answer this."
PHRASE_WORDS = 3
_MEMO_LIMIT = 100_000
# With words missing and only general words found ("match" in "Who won the football
# match?"), the found words must carry most of the question's weight.
GENERAL_ONLY_THRESHOLD = 0.6
# A question word the documents lack counts as partly found when the answer's paragraph
# holds a word of close meaning, by this cosine at least (retrieval.related): "talk" in
# a paragraph that says "conversation" (0.76).
RELATED_MIN_COSINE = 0.7
# With sentence vectors: a missing word that is neither a name nor the value asked for
# counts as found in part, by the question's cosine with the top sentence, when that
# cosine is at least this (benchmarks/RESULTS.md, ninth session).
MEANING_MIN_COSINE = 0.45
# Words that frame a request rather than say what it is about ("*Tell* me who ...",
# "According to the *article*, ...", "*Hi*, who ..."): when the documents lack one, it is
# not missing content. When they hold it ("Which *article* covers defence?"), it counts as
# any word.
_REQUEST_WORDS_TEXT = (
    "tell explain describe give show know please find list summarize summarise summary "
    "article articles document documents doc docs text texts story passage passages "
    "mention mentioned mentions detail details information info according "
    "hi hello hey thanks thank cheers"
)
REQUEST_WORDS = frozenset(_REQUEST_WORDS_TEXT.split())
# Questions whose answer is a value: a missing word there usually names the value asked
# for ("How much does it *cost*?"), so it weighs as much as a missing name.
_VALUE_TYPES = frozenset({QuestionType.QUANTITY, QuestionType.MEASURE, QuestionType.WHEN})
# Value types whose wh-phrase names the value itself ("How *far* ...", "*When* ..."): there
# the question's missing verb is the documents' own verb in other words ("How far can the
# missiles *fly*?" of a text that says "reach"), not the value ("How much does it *cost*?").
_NAMED_TYPES = frozenset({QuestionType.MEASURE, QuestionType.WHEN})


@cache
def general_stems() -> frozenset[str]:
    """Stems of general English vocabulary (benchmarks/build_common_words.py)."""
    raw = resources.files("retrieval").joinpath("data/common-stems.txt").read_text("utf-8")
    return frozenset(w for w in raw.split("\n") if w and not w.startswith("#"))


@dataclass(frozen=True)
class Verdict:
    answered: bool
    missing: tuple[str, ...]
    reason: str | None
    support: float = 0.0


class Abstainer:
    """Judges one index's answers; caches the index's largest idf."""

    def __init__(
        self,
        *,
        index: BM25Index,
        cache: PassageCache,
        heading_of: Callable[[int], Collection[str] | None] | None = None,
        in_headings: Callable[[str], bool] | None = None,
        stems_of: Callable[[int], Collection[str]] | None = None,
        related: Callable[[str], Sequence[tuple[str, float]]] | None = None,
        aliases: Callable[[str], Mapping[str, float]] | None = None,
    ) -> None:
        """``heading_of`` gives a passage's section heading, which counts as context;
        ``in_headings`` tells whether a stem occurs in some heading (words only headings
        hold are known, and weigh as much as the rarest word); ``stems_of`` a passage's
        distinct stems (by default the keys of ``cache``'s ``stem_counts``); ``related``
        a folded word's related stems with cosines (:class:`retrieval.related.RelatedWords`);
        ``aliases`` the names a folded word stands for (:class:`retrieval.titles.TitleAliases`):
        a question word the paragraph lacks is met in part by its alias there.
        """
        self.index = index
        self._cache = cache
        self._stems_of = stems_of
        self._heading_of = heading_of
        self._in_headings = in_headings
        self._related = related
        self._aliases = aliases
        self._unseen: float | None = None
        self._words: dict[str, list[str]] = {}  # surface token -> its folded words
        self._spelling: SpellingShapes | None = None

    def unseen_weight(self) -> float:
        if self._unseen is None:
            index = self.index
            impact = getattr(index, "impact", None)
            if impact is not None and impact.idf.shape[0]:  # one numpy pass, not O(V) calls
                self._unseen = float(impact.idf.max()) or 1.0
            else:
                self._unseen = max((index.idf(t) for t in index.vocabulary), default=1.0) or 1.0
        return self._unseen

    def judge(
        self, question: str, profile: QuestionProfile, top_ids: list[int],
        meaning: float | None = None, *, whole: bool = True,
    ) -> Verdict:
        """``meaning``: the cosine of the question's and the top sentence's vectors, when
        the answerer has them. ``whole``: the index holds all the documents, so a name it
        lacks is lacking (not so for one document of a folder judged alone: "the revenue
        of Acme" may be answered by a report that another document names)."""
        index = self.index
        analyzer = index.analyzer
        stop = analyzer.stopwords
        surface = _SURFACE.findall(clip(question))
        sequence = profile.sequence or analyzer.words(question, limit=True)
        skip = type_words(sequence)
        seen: dict[str, tuple[str, bool]] = {}  # folded word -> (surface form, is name)
        memo = self._words
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        for n, raw in enumerate(surface):
            words = memo.get(raw)
            if words is None:
                words = memo[raw] = analyzer.words(raw)
            for word in words:
                if word in stop or word in seen or word in skip or word in COURTESY_WORDS:
                    continue
                is_name = n > 0 and raw[:1].isupper()
                seen[word] = (raw if len(words) == 1 else word, is_name)
        stems = {w: analyzer.stem(w) for w in seen}
        vocab = index.vocabulary
        in_headings = self._in_headings
        if in_headings is not None:  # words only headings hold are known too
            vocab = frozenset(
                s for s in stems.values() if s in vocab or in_headings(s)
            )
        for w in [w for w in seen if w in REQUEST_WORDS and stems[w] not in vocab]:
            del seen[w]
        if not seen:
            return Verdict(False, (), "The question has no words to look up.")
        missing = tuple(seen[w][0] for w in seen if stems[w] not in vocab)
        present = {stems[w] for w in seen if stems[w] in vocab}
        related = self._related
        if not top_ids or not (present or (related is not None and any(
                self._near(related, w) for w in seen if not seen[w][1]))):
            # Not a word of the question, nor one of close meaning ("talk": "conversation").
            return Verdict(False, missing, "The documents do not mention these words.")
        asked_of = names_asked_of(
            surface, {w for w, (_, name) in seen.items() if name}, memo) if whole else []
        if asked_of and all(self._absent_name(w, stems[w]) for _, ws in asked_of for w in ws):
            named = tuple(phrase for phrase, _ in asked_of)
            lacked = (*named, *(w for w in missing if not any(w in n.split() for n in named)))
            return Verdict(False, lacked, NOT_ANSWERED)
        size = size_asked(sequence)
        if size is not None and not self._holds_value(top_ids[0], years=size in TIME_SIZES):
            return Verdict(False, missing, "The best passage gives no value of the kind asked "
                           "for (a number or a measure).")
        unseen = self.unseen_weight()
        general = general_stems()
        # Missing general words (not names) and their related stems that the documents hold.
        near: dict[str, dict[str, float]] = {}
        if related is not None:
            for w in seen:
                if stems[w] not in vocab and not seen[w][1]:
                    near[w] = self._near(related, w)
        heading = self._heading_of(top_ids[0]) if self._heading_of is not None else None
        wanted = present.union(*near.values())
        found = self._supported(wanted, top_ids[0], heading)
        # A name is met by a name or by its own word, not by another word of its stem
        # ("United States" by "units" and "state-backed").
        name_words = {stems[w]: w for w in seen if seen[w][1] and stems[w] in found}
        if name_words:
            met = self._names_met(name_words,
                                  self.index.corpus.paragraph_passages(top_ids[0]))
            found -= {s for s in name_words if s not in met and not (heading and s in heading)}
        supported = present & found
        # A present word the paragraph lacks, met by a word of close meaning in the
        # section's heading ("Moscow" under "How has Russia responded?").
        kin: dict[str, float] = {}
        if heading and related is not None:
            for w in seen:
                if stems[w] in present and stems[w] not in found:
                    kin[stems[w]] = max(
                        (c for s, c in self._near(related, w).items() if s in heading),
                        default=0.0,
                    )
        # A title the paragraph lacks, met by the name it stands for ("the chancellor" in
        # a paragraph that says "Scholz").
        if self._aliases is not None:
            for w in seen:
                if stems[w] in present and stems[w] not in found:
                    names = self._aliases(w)
                    if names:
                        met_by = self._supported(set(names), top_ids[0], heading)
                        kin[stems[w]] = max(kin.get(stems[w], 0.0), max(
                            (c for s, c in names.items() if s in met_by), default=0.0))
        # Several question words found together are specific evidence even when each
        # word alone is general vocabulary ("air force ... took part").
        met = supported.union(t for t, c in kin.items() if c > 0.0)
        specific = any(t not in general for t in met) or len(met) >= PHRASE_WORDS
        value = profile.qtype in _VALUE_TYPES
        # A missing general word used as the question's verb ("What does the bridge
        # *connect*?") is likely the documents' own verb in other words; a missing noun
        # ("Who won the *football* match?") is a topic they may not cover.
        lacking_general = [w for w in seen if stems[w] not in vocab and not seen[w][1]
                           and stems[w] in general]
        verbs = predicate_words(sequence) if lacking_general else frozenset()
        paraphrased = {w for w in lacking_general if w in verbs}
        attributes = attribute_nouns(sequence) if missing else frozenset()
        lacking = 0.0
        partly = 0.0  # the part of missing words' weight met by related words or meaning
        close = meaning if meaning is not None and meaning >= MEANING_MIN_COSINE else 0.0
        for w in seen:
            if stems[w] in vocab:
                continue
            names_value = value and not (w in paraphrased and profile.qtype in _NAMED_TYPES)
            attribute = w in attributes and not seen[w][1]  # not a name or a title's word
            weight_w = unseen * (ATTRIBUTE_WEIGHT if attribute else _missing_weight(
                seen[w][1], stems[w] in general and (specific or w in paraphrased), names_value))
            cosine = max((c for s, c in near.get(w, {}).items() if s in found), default=0.0)
            # The value or attribute asked for is never found by a sentence's meaning alone.
            if not seen[w][1] and not (names_value or attribute):
                cosine = max(cosine, close)
            lacking += weight_w
            partly += weight_w * cosine
        weight = {t: index.idf(t) if t in index.vocabulary else unseen for t in present}
        # fsum: exactly rounded, so the verdict cannot depend on set iteration order.
        total = math.fsum(weight.values()) + lacking
        partly += math.fsum(weight[t] * c for t, c in kin.items())
        support = (math.fsum(weight[t] for t in supported) + partly) / total if total > 0 else 0.0
        specific = specific or all(w in paraphrased for w in seen if stems[w] not in vocab)
        if support >= (THRESHOLD if specific else GENERAL_ONLY_THRESHOLD):
            return Verdict(True, missing, None, support)
        return Verdict(False, missing, NOT_ANSWERED, support)

    def _holds_value(self, passage_id: int, *, years: bool = True) -> bool:
        """Whether the passage, or a sentence beside it in its paragraph (a quote may
        take one in), holds a number or a unit of measure. Unless ``years`` (an age or a span of
        time), only a unit not of time or a number in digits not a year counts: a height is
        not "annexed in 2014", "a 38-minute recording" or "at one point"."""
        near = self.index.corpus.paragraph_passages(passage_id)
        for i in range(max(near.start, passage_id - 1), min(near.stop, passage_id + 2)):
            info = self._cache.get(i)
            if any(_gives_value(word, kind, years=years)
                   for word, kind in zip(info.words, info.kinds, strict=True)):
                return True
        return False

    def _absent_name(self, word: str, stem: str) -> bool:
        """Whether the documents lack the name ``word``: they hold its stem in no
        capitalised word (after a sentence's first) and never as the same word ("United"
        against "units"), and it is not theirs mistyped. A stem in more than
        ``NAME_SCAN_LIMIT`` passages counts as named."""
        index = self.index
        if stem not in index.vocabulary:
            if self._spelling is None:
                self._spelling = SpellingShapes(index.vocabulary)
            return not misspells(stem, self._spelling)
        ids = index.passages_with(stem)
        return len(ids) <= NAME_SCAN_LIMIT and not self._names_met({stem: word}, ids.tolist())

    def _names_met(self, names: Mapping[str, str], passage_ids: Iterable[int]) -> set[str]:
        """The stems of ``names`` (stem -> the question's folded word) that the passages
        hold in a capitalised word after a sentence's first, or in that word."""
        met: set[str] = set()
        for i in passage_ids:
            info = self._cache.get(i)
            for word, stem, kind in zip(info.words, info.stems, info.kinds, strict=True):
                if stem is not None and stem in names and (kind & NAME or word == names[stem]):
                    met.add(stem)
        return met

    def _near(
        self, related: Callable[[str], Sequence[tuple[str, float]]], word: str
    ) -> dict[str, float]:
        """The stems of close meaning to ``word`` that the documents hold."""
        vocabulary, in_headings = self.index.vocabulary, self._in_headings
        return {s: c for s, c in related(word) if c >= RELATED_MIN_COSINE
                and (s in vocabulary or (in_headings is not None and in_headings(s)))}

    def _supported(
        self, present: set[str], passage_id: int, heading: Collection[str] | None
    ) -> set[str]:
        """Question terms found in the passage's paragraph or its ``heading``."""
        corpus = self.index.corpus
        found: set[str] = set()
        stems_of = self._stems_of
        for i in corpus.paragraph_passages(passage_id):
            stems = stems_of(i) if stems_of is not None else self._cache.get(i).stem_counts
            found.update(t for t in present if t in stems)
        if heading is not None:
            found.update(t for t in present if t in heading)
        return found


_DO_OR_MODAL = frozenset({
    "do", "does", "did", "can", "could", "will", "would", "should", "may", "might", "must",
    "shall",
})
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she", "it", "one"})
_PERFECT = frozenset({"has", "have", "had"})
_PREPOSITIONS = frozenset({
    "of", "in", "on", "at", "to", "for", "from", "with", "about", "by", "into", "over",
    "under", "after", "before", "between", "against", "during", "through", "than", "like",
})


def predicate_words(sequence: Sequence[str]) -> frozenset[str]:
    """Words a question uses as its verb, by their place in it (no tagger): the word after
    an opening "who" ("Who *led* the call?"), an -ed or -en word after a form of be or
    have ("have *joined*", "be *sacked*"), the word after do or a modal and a subject
    pronoun ("How do I *install* it?"), else the last word after do or a modal with no
    preposition between ("What does the bridge *connect*?", "... could the strike *spread*
    to?"), or after a form of be when it ends in -ed ("Where was the recording
    *published*?")."""
    words = list(sequence[:40])
    found: set[str] = set()
    if len(words) > 1 and words[0] == "who":
        found.add(words[1])
    for before, word in zip(words, words[1:], strict=False):
        if (before in _PERFECT or before in _BE) and word.endswith(("ed", "en")):
            found.add(word)
    if len(words) > 2 and words[-1] in _PREPOSITIONS:  # "... spread *to*?"
        words = words[:-1]
    for i, word in enumerate(words[:-1]):
        if word in _DO_OR_MODAL or word in _BE:
            rest = words[i + 1 :]
            if word in _DO_OR_MODAL and len(rest) >= 2 and rest[0] in _SUBJECT_PRONOUNS:
                found.add(rest[1])  # "How can I *make* ...", "do we *configure* ..."
            elif len(rest) >= 2 and _PREPOSITIONS.isdisjoint(rest) and _PERFECT.isdisjoint(rest):
                last = rest[-1]
                if word in _DO_OR_MODAL or last.endswith("ed"):
                    found.add(last)
    return frozenset(found)


_ATTRIBUTE_PREPOSITIONS = frozenset({"of", "in", "at", "on", "for"})
# Attributes that documents state without naming them ("Kremlin spokesman Dmitry Peskov"
# gives his role, "the leak is part of an information war" its cause, "third largest" a
# ranking), and nouns of idioms ("in the *wake* of", "the *rest* of").
_UNNAMED_ATTRIBUTES_TEXT = (
    "role job position title occupation profession name post function part kind type sort "
    "reason cause purpose result outcome effect consequence reaction response view opinion "
    "meaning significance goal aim motive source origin nature status state situation "
    "content topic subject point idea plan basis importance impact implication fate future "
    "benefit advantage disadvantage ranking rank verdict downfall success failure definition "
    "principle "
    "wake rest process mercy heart majority most middle end beginning start center centre "
    "time case course face side top bottom front back hand spite light behalf absence "
    "presence number amount lack verge midst turn form"
)
_UNNAMED_ATTRIBUTES = frozenset(_UNNAMED_ATTRIBUTES_TEXT.split())


def attribute_nouns(sequence: Sequence[str]) -> frozenset[str]:
    """Words a question asks for as an attribute of something it names: "What is the
    *capital* of Germany?", "Who is the *king* of Britain?". Documents that hold such an
    attribute name it, unless it is one they state without its name (a role, a cause).
    Words with a digit ("the *1940s* in") are not attributes."""
    words = list(sequence[:40])
    return frozenset(
        word for before, word, after in zip(words, words[1:], words[2:], strict=False)
        if before == "the" and after in _ATTRIBUTE_PREPOSITIONS
        and word.isalpha() and word not in _UNNAMED_ATTRIBUTES
        and word.removesuffix("s") not in _UNNAMED_ATTRIBUTES  # "reasons", "hands"
    )


def names_asked_of(
    surface: Sequence[str], names: Collection[str], words_of: Mapping[str, list[str]]
) -> list[tuple[str, list[str]]]:
    """The names of which the question asks something, as written and as their first
    word's folded words: "the *chancellor of Austria*", "the president of the *United
    States*", "*Austria's* chancellor". A question about a name the documents lack is
    about another subject, whatever else it shares with them. ``names``: the question's
    folded names; ``words_of``: a surface token's folded words. Acronyms are left out:
    "the UN's" may be the documents' "United Nations"."""
    def name_at(k: int) -> tuple[str, list[str]] | None:
        raw = surface[k]
        words = words_of.get(raw) or []
        if not (raw[:1].isupper() and not raw.isupper() and words
                and all(w in names for w in words)):
            return None
        end = k + 1
        while end < len(surface) and surface[end][:1].isupper() and surface[end] != "s":
            end += 1
        return " ".join(surface[k:end]), words

    folded = [raw.lower() for raw in surface]
    asked: list[tuple[str, list[str]]] = []
    for i, word in enumerate(folded):
        found = None
        if word == "of" and i >= 2 and folded[i - 2] == "the":
            k = i + 2 if i + 1 < len(folded) and folded[i + 1] == "the" else i + 1
            found = name_at(k) if k < len(surface) else None
        elif word == "s" and 0 < i < len(folded) - 1:
            found = name_at(i - 1)
        if found is not None:
            asked.append(found)
    return asked


class SpellingShapes:
    """A vocabulary's stems by first letter and length, to find the ones a mistyped word
    may stand for without reading them all (built on first use)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocabulary = vocabulary
        self._shapes: dict[tuple[str, int], list[str]] | None = None

    def like(self, stem: str, spread: int) -> list[str] | None:
        """Stems of ``stem``'s first letter within ``spread`` of its length; None when
        more than :data:`SPELLING_SCAN_LIMIT` are."""
        if self._shapes is None:
            shapes: dict[tuple[str, int], list[str]] = {}
            for other in self._vocabulary:
                shapes.setdefault((other[:1], len(other)), []).append(other)
            self._shapes = shapes
        found: list[str] = []
        for size in range(len(stem) - spread, len(stem) + spread + 1):
            found.extend(self._shapes.get((stem[:1], size), ()))
            if len(found) > SPELLING_SCAN_LIMIT:
                return None
        return found


def misspells(stem: str, shapes: SpellingShapes) -> bool:
    """Whether ``stem`` is a keystroke from a stem of the documents' (two for stems of
    eight letters or more; none under four): "Brainbridge" for "Bainbridge", "Mnemiposis"
    for "Mnemiopsis". Such a name is the documents' own, mistyped. With too many stems
    of its shape to read, it may be: true."""
    most = 0 if len(stem) < 4 else 1 if len(stem) < 8 else 2
    if not most:
        return False
    near = shapes.like(stem, most)
    return near is None or any(within_edits(stem, other, most) for other in near)


def within_edits(a: str, b: str, most: int) -> bool:
    """Whether ``a`` becomes ``b`` by at most ``most`` insertions, deletions,
    substitutions or swaps of neighbouring letters (optimal string alignment)."""
    if abs(len(a) - len(b)) > most:
        return False
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return False
        before, row = row, current
    return row[-1] <= most


def _gives_value(word: str, kind: int, *, years: bool) -> bool:
    if years:
        return bool(kind & (NUMBER | UNIT))
    return bool((kind & UNIT and word not in TIME_UNIT_WORDS)
                or (kind & DIGITS and not kind & DATE))


def _missing_weight(is_name: bool, is_general: bool, value: bool) -> float:
    if is_name or value:
        return NAME_WEIGHT
    return GENERAL_WEIGHT if is_general else 1.0
