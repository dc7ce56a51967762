"""Section headings as evidence: which sections a question's words name.

A heading such as "How was it leaked?" says what every sentence below it is about, so a
question that shares the heading's words ("How did the leak happen?") should look at
that section's sentences even when they do not repeat those words. Sections are runs
of passages under the same heading of one document (passages before the first heading
belong to none). The map is built once per corpus, lazily, with numpy over the passage
arrays; heading texts are analysed once each, and fully only when a question needs them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus
from retrieval.features import _RAW_TOKEN, PassageInfo, analyse_passage
from retrieval.terms import analyze_texts

# Sentences of a matching section added to the candidates (its first ones).
SECTION_CANDIDATES = 8
# A section joins the candidates when its heading holds this share of the question's
# term weight.
MIN_HEADING_COVERAGE = 0.5
MAX_SECTIONS = 3
# Heading analyses kept (each full garbage collection walks them).
INFO_LIMIT = 4096


def _section_keys(corpus: Corpus) -> tuple[np.ndarray, list[str]]:
    """Per passage, a corpus-wide heading number (-1 before a first heading); the names."""
    keys = np.full(len(corpus), -1, dtype=np.int64)
    names: list[str] = []
    for d, document in enumerate(corpus.documents):
        lo = int(np.searchsorted(corpus.doc_ids, d, side="left"))
        hi = int(np.searchsorted(corpus.doc_ids, d, side="right"))
        paragraphs = document.paragraphs
        table_ids = getattr(paragraphs, "section_ids", None)
        if table_ids is not None:
            local = np.asarray(table_ids, dtype=np.int64)
            local_names: Sequence[str] = paragraphs.sections  # type: ignore[attr-defined]
        else:
            seen: list[str] = []
            ids: list[int] = []
            for paragraph in paragraphs:
                if paragraph.is_heading:
                    seen.append(document.text[paragraph.start : paragraph.end])
                ids.append(len(seen) - 1 if paragraph.section is not None else -1)
            local, local_names = np.asarray(ids, dtype=np.int64), seen
        own = local[corpus.para_ids[lo:hi]] if len(local) else np.full(hi - lo, -1)
        keys[lo:hi] = np.where(own >= 0, own + len(names), -1)
        names.extend(local_names)
    return keys, names


@dataclass(frozen=True)
class Coverage:
    """Sections (ascending) whose heading holds a question term, and their shares."""

    sections: np.ndarray
    shares: np.ndarray

    def __len__(self) -> int:
        return int(self.sections.shape[0])


class SectionMap:
    """Passage -> section run, heading stem -> sections; heading analysis on demand.

    Built once per corpus with numpy over the passage arrays; each distinct heading text
    is analysed once (its index terms at build time, its full :class:`PassageInfo` only
    when a question looks at that section), so a corpus with many headings stays cheap.
    """

    def __init__(
        self,
        *,
        corpus: Corpus,
        analyzer: Analyzer,
        analyse: Callable[[str], PassageInfo] | None = None,
        heading_terms: Callable[[str], tuple[str, ...]] | None = None,
    ) -> None:
        keys, names = _section_keys(corpus)
        change = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, bool)
        run_starts = np.flatnonzero(change & (keys >= 0))
        # Every run start is a change point; its end is the next change point.
        change_points = np.flatnonzero(change)
        at = np.searchsorted(change_points, run_starts)
        ends = np.r_[change_points, len(keys)][at + 1] if len(run_starts) else run_starts
        # Passages of a run share its number; passages under no heading get -1.
        marks = np.zeros(len(keys), dtype=np.int64)
        marks[run_starts] = 1
        self.section_of = np.where(keys >= 0, np.cumsum(marks) - 1, -1).astype(np.int64)
        self.starts = run_starts.astype(np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self._analyzer = analyzer
        self._analyse = analyse or partial(analyse_passage, analyzer=analyzer)
        self._names = [names[k] for k in keys[run_starts].tolist()]
        # Per section: an ASCII heading, whose :meth:`terms` are the map's own analysis
        # (so it holds a question term exactly when :meth:`coverage` lists it).
        self.plain = np.array([name.isascii() for name in self._names], dtype=bool)
        self._by_text: OrderedDict[str, PassageInfo] = OrderedDict()
        self._heading_terms = heading_terms or self._terms_from_info
        self._terms: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        # Heading stem -> sections, as CSR arrays: each distinct heading text analysed
        # once, in batches, by the index's own term analysis.
        distinct: dict[str, int] = {}
        text_of = np.array([distinct.setdefault(h, len(distinct)) for h in self._names],
                           dtype=np.int64)
        matrix = analyze_texts(analyzer, list(distinct))
        counts = np.diff(matrix.offsets)[text_of]
        owner = np.repeat(np.arange(len(self._names), dtype=np.int64), counts)
        first = np.repeat(matrix.offsets[text_of] - (np.cumsum(counts) - counts), counts)
        terms = matrix.term_ids[first + np.arange(owner.shape[0])].astype(np.int64)
        pairs = np.unique(terms * max(1, len(self._names)) + owner)  # by term, then section
        pair_terms = pairs // max(1, len(self._names))
        self._post_sections = pairs - pair_terms * max(1, len(self._names))
        self._post_offsets = np.searchsorted(
            pair_terms, np.arange(len(matrix.vocabulary) + 1), side="left"
        )
        self._term_ids = {t: i for i, t in enumerate(matrix.vocabulary)}
        self._matrix, self._text_of = matrix, text_of

    def info(self, sid: int) -> PassageInfo:
        """The analysis of section ``sid``'s heading (computed on first use)."""
        heading = self._names[sid]
        found = self._by_text.get(heading)
        if found is None:
            found = self._by_text[heading] = self._analyse(heading)
            if len(self._by_text) > INFO_LIMIT:
                self._by_text.popitem(last=False)  # the oldest, one at a time
        return found

    def terms(self, sid: int) -> tuple[str, ...]:
        """Section ``sid``'s heading as (first word or "", *its distinct stems): the
        words and stems of :meth:`info`, cheaper to make and to keep."""
        heading = self._names[sid]
        found = self._terms.get(heading)
        if found is None:
            if heading.isascii():
                # Folding ASCII is lower-casing, so the map's own analysis of the
                # heading has the same stems: no stemming, no per-token work.
                first = _RAW_TOKEN.search(heading)
                stems = self._matrix.terms(int(self._text_of[sid]))
                found = (first.group().lower() if first else "", *dict.fromkeys(stems))
            else:
                found = self._heading_terms(heading)
            self._terms[heading] = found
            if len(self._terms) > INFO_LIMIT:
                self._terms.popitem(last=False)
        return found

    def _terms_from_info(self, heading: str) -> tuple[str, ...]:
        info = self._analyse(heading)
        return (info.tokens[0][0] if info.tokens else "", *info.stem_counts)

    @property
    def infos(self) -> tuple[PassageInfo, ...]:
        """Every heading's analysis, in section order (analyses them all)."""
        return tuple(self.info(sid) for sid in range(len(self._names)))

    def has_term(self, stem: str) -> bool:
        """Whether some heading holds ``stem``."""
        return stem in self._term_ids

    @property
    def vocabulary(self) -> Container[str]:
        """The stems the headings hold."""
        return self._term_ids.keys()

    def __len__(self) -> int:
        return len(self._names)

    def coverage(
        self,
        terms: Sequence[str],
        weights: np.ndarray,
        related: Sequence[Mapping[str, float]] = (),
    ) -> Coverage:
        """Sections whose heading holds a question term, with their share of the weight.

        ``related``: per term, stems of close meaning with their cosines; a heading that
        lacks a term but holds one of them counts the term by the best such cosine
        ("Moscow" under "How has Russia responded?": russia, 0.84).

        Vectorised over the heading postings of the question's terms; each section's
        share adds the terms' shares in question order.
        """
        total = float(weights.sum()) or 1.0
        offsets, sections = self._post_offsets, self._post_sections
        parts: list[np.ndarray] = []
        shares: list[np.ndarray] = []
        term_ids = self._term_ids
        for n, (term, weight) in enumerate(zip(terms, weights.tolist(), strict=True)):
            tid = term_ids.get(term)
            near = [(term_ids[s], c) for s, c in related[n].items() if s in term_ids] if (
                n < len(related) and related[n]) else None
            if near:
                # Per section the best of the term (1) and its related stems (cosine):
                # sorted by section, then best first, the first of each section kept.
                spans = [(tid, 1.0)] if tid is not None else []
                spans += near
                held = [sections[int(offsets[i]) : int(offsets[i + 1])] for i, _ in spans]
                ids = np.concatenate(held)
                cosine = np.repeat([c for _, c in spans], [h.shape[0] for h in held])
                order = np.lexsort((-cosine, ids))
                ids, cosine = ids[order], cosine[order]
                first = np.empty(ids.shape[0], dtype=bool)
                first[:1] = True
                np.not_equal(ids[1:], ids[:-1], out=first[1:])
                parts.append(ids[first])
                shares.append(cosine[first] * (weight / total))
            elif tid is not None:
                part = sections[int(offsets[tid]) : int(offsets[tid + 1])]
                parts.append(part)
                shares.append(np.full(part.shape[0], weight / total))
        if not parts:
            return Coverage(np.zeros(0, dtype=np.int64), np.zeros(0))
        # Dense over the sections: shares are positive, so a section holds a question
        # term exactly when its sum is; np.add.at adds in question order, as before.
        found = np.zeros(len(self._names))
        np.add.at(found, np.concatenate(parts), np.concatenate(shares))
        ids = np.flatnonzero(found > 0)
        return Coverage(ids.astype(np.int64), found[ids])

    def candidates(self, coverage: Coverage) -> np.ndarray:
        """The first sentences of the best-matching sections (empty when none match)."""
        keep = coverage.shares >= MIN_HEADING_COVERAGE
        ids, shares = coverage.sections[keep], coverage.shares[keep]
        if not ids.shape[0]:
            return np.zeros(0, dtype=np.int64)
        # Best share first, the later section first on ties.
        best = np.lexsort((ids, shares))[::-1][:MAX_SECTIONS]
        parts = [
            np.arange(self.starts[sid], min(self.ends[sid], self.starts[sid] + SECTION_CANDIDATES))
            for sid in ids[best].tolist()
        ]
        return np.concatenate(parts).astype(np.int64)
