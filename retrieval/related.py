"""Words of close meaning: a question word the documents lack may match a related one.

The shipped table (``data/related-words.txt``, built by
``benchmarks/build_related_words.py`` from the sentence encoder's vectors of single
words) maps a general English word to the stems of its nearest words with their cosines:
"sacked" -> dismiss 0.64, fire 0.62. It yields reranking features (how much of the
question's weight a candidate sentence covers through related words) and lets the
abstainer count a missing word as partly found. Similar is not the same ("france" ->
germany), so the reranker, trained on SQuAD, decides how much it counts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Container, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from retrieval.features import QuestionProfile

RELATED_FILE = "data/related-words.txt"
# The share met through related words only, then that plus the share the question's own
# terms meet (the ``cov`` and ``cov_with_prev`` features), for the sentence and for it
# with the one before it.
RELATED_FEATURES: tuple[str, ...] = (
    "related_cov", "related_total_cov", "related_total_cov_with_prev",
)
_NONE: tuple[tuple[str, float], ...] = ()
# A heading is a few words: only close relatives stand in for a question word there
# (moscow -> russia 0.84, not conference -> tournament 0.62). The decline rule's floor
# (retrieval.abstain.RELATED_MIN_COSINE) is the same, so both read a heading alike.
HEADING_MIN_COSINE = 0.7


def parse_table(text: str) -> dict[str, str]:
    """word -> its unparsed entry ("stem:cosine stem:cosine ...")."""
    lines = (line.partition("\t") for line in text.splitlines()
             if line and not line.startswith("#"))
    return {word: rest for word, tab, rest in lines if tab}


@cache
def shipped_table() -> Mapping[str, str]:
    """The shipped table, read once per process (never modified)."""
    return parse_table(resources.files("retrieval").joinpath(RELATED_FILE).read_text("utf-8"))


class RelatedWords:
    """``related(word)`` -> the related stems of a folded word with their cosines, best
    first. The table is read on first use; each word's entry is parsed when first asked
    for (the table has ~20,000 words, a question asks for a few)."""

    def __init__(self, read: Callable[[], Mapping[str, str]] = shipped_table) -> None:
        self._read = read
        self._raw: Mapping[str, str] | None = None
        self._parsed: dict[str, tuple[tuple[str, float], ...]] = {}
        self._lock = threading.Lock()

    def _table(self) -> Mapping[str, str]:
        if self._raw is None:
            with self._lock:
                if self._raw is None:
                    self._raw = self._read()
        return self._raw

    def related(self, word: str) -> tuple[tuple[str, float], ...]:
        found = self._parsed.get(word)
        if found is not None:
            return found
        raw = self._table().get(word)
        if raw is None:
            return _NONE
        pairs = []
        for item in raw.split():
            stem, _, cosine = item.rpartition(":")
            try:
                value = float(cosine)
            except ValueError:
                continue  # a damaged item counts as absent, never as an error
            if stem and 0.0 < value <= 1.0:
                pairs.append((stem, value))
        found = tuple(pairs)
        self._parsed[word] = found  # bounded by the table's size
        return found


@dataclass(frozen=True)
class Expansion:
    """Per question term (``profile.terms`` order), its related stems that the documents
    hold, with their cosines."""

    related: tuple[dict[str, float], ...]
    # The part of each term's related stems that some section heading holds, at cosine
    # >= HEADING_MIN_COSINE.
    in_headings: tuple[dict[str, float], ...] = ()

    def stems(self) -> list[str]:
        """Every related stem of every term, once."""
        return list(dict.fromkeys(s for near in self.related for s in near))

    def soft_coverage(
        self,
        profile: QuestionProfile,
        stems: Sequence[Collection[str]],
        previous: Sequence[Collection[str] | None],
    ) -> np.ndarray:
        """For sentences with these distinct ``stems`` (``previous``: those of the
        sentence before each in its paragraph, None when none), the share of the
        question's weight met only through related words (each term by its best related
        stem's cosine): in the sentence, and in it with the one before it (two columns).

        Plain loops over the few related stems a sentence holds: the candidates are
        tens, fewer operations than numpy would dispatch."""
        out = np.zeros((len(stems), 2))
        owners: dict[str, list[tuple[int, float]]] = {}
        for place, near in enumerate(self.related):
            for other, cosine in near.items():
                owners.setdefault(other, []).append((place, cosine))
        if not owners:
            return out
        total = float(profile.weights.sum()) or 1.0
        terms = profile.terms
        weights = [w / total for w in profile.weights.tolist()]
        for n, (have, before) in enumerate(zip(stems, previous, strict=True)):
            best = _best_cosines(owners, have, len(terms))
            best_prev = best if before is None else [
                max(a, b) for a, b in zip(best, _best_cosines(owners, before, len(terms)),
                                          strict=True)
            ]
            soft = soft_prev = 0.0
            for place, term in enumerate(terms):
                if term in have:
                    continue
                soft += weights[place] * best[place]
                if before is None or term not in before:
                    soft_prev += weights[place] * best_prev[place]
            out[n, 0] = soft
            out[n, 1] = soft_prev
        return out


def _best_cosines(
    owners: dict[str, list[tuple[int, float]]], have: Collection[str], n_terms: int
) -> list[float]:
    """Per question term, the best cosine of a related stem among ``have``."""
    best = [0.0] * n_terms
    for stem in have:
        for place, cosine in owners.get(stem, ()):
            if cosine > best[place]:
                best[place] = cosine
    return best


def expand(
    profile: QuestionProfile,
    related: RelatedWords,
    stem: Callable[[str], str],
    vocabulary: Container[str],
    headings: Container[str] = (),
    aliases: Callable[[str], Mapping[str, float]] | None = None,
) -> Expansion:
    """The related stems of each question term that ``vocabulary`` holds, or the section
    headings' vocabulary ``headings``, and that are not question terms themselves; a
    term's words' entries are merged (best cosine). ``aliases``: more related stems of a
    word, read from the documents (:class:`retrieval.titles.TitleAliases`)."""
    terms = profile.terms
    own = frozenset(terms)
    by_term: dict[str, dict[str, float]] = {t: {} for t in terms}
    headed: dict[str, dict[str, float]] = {t: {} for t in terms}
    for word in profile.words:
        term = stem(word)
        near = by_term.get(term)
        if near is None:
            continue
        pairs = related.related(word)
        if aliases is not None:
            pairs = (*pairs, *aliases(word).items())
        for other, cosine in pairs:
            if other in own or cosine <= near.get(other, 0.0):
                continue
            if other in headings:
                near[other] = cosine
                if cosine >= HEADING_MIN_COSINE:
                    headed[term][other] = cosine
            elif other in vocabulary:
                near[other] = cosine
    return Expansion(
        tuple(dict(sorted(by_term[t].items(), key=lambda item: -item[1])) for t in terms),
        tuple(headed[t] for t in terms),
    )
