"""Section headings as evidence: which sections a question's words name.

A heading such as "How was it leaked?" says what every sentence below it is about, so a
question that shares the heading's words ("How did the leak happen?") should look at
that section's sentences even when they do not repeat those words. Sections are runs
of passages under the same heading of one document (passages before the first heading
belong to none). The map is built once per corpus, lazily, with numpy over the passage
arrays; headings are analysed once each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.corpus import Corpus
from retrieval.features import PassageInfo, analyse_passage

# Sentences of a matching section added to the candidates (its first ones).
SECTION_CANDIDATES = 8
# A section joins the candidates when its heading holds this share of the question's
# term weight.
MIN_HEADING_COVERAGE = 0.5
MAX_SECTIONS = 3


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


class SectionMap:
    """Passage -> section run, heading analysis per section, heading stem -> sections."""

    def __init__(self, *, corpus: Corpus, analyzer: Analyzer) -> None:
        keys, names = _section_keys(corpus)
        change = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, bool)
        run_starts = np.flatnonzero(change & (keys >= 0))
        # Every run start is a change point; its end is the next change point.
        change_points = np.flatnonzero(change)
        at = np.searchsorted(change_points, run_starts)
        ends = np.r_[change_points, len(keys)][at + 1] if len(run_starts) else run_starts
        section = np.full(len(keys), -1, dtype=np.int64)
        for sid, (a, b) in enumerate(zip(run_starts.tolist(), ends.tolist(), strict=True)):
            section[a:b] = sid
        infos: list[PassageInfo] = []
        postings: dict[str, list[int]] = {}
        memo: dict[str, PassageInfo] = {}
        for sid, start in enumerate(run_starts.tolist()):
            heading = names[int(keys[start])]
            info = memo.get(heading)
            if info is None:
                info = memo[heading] = analyse_passage(heading, analyzer)
            infos.append(info)
            for stem in info.stem_counts:
                postings.setdefault(stem, []).append(sid)
        self.section_of = section
        self.starts = run_starts.astype(np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.infos: tuple[PassageInfo, ...] = tuple(infos)
        self._postings = {stem: tuple(ids) for stem, ids in postings.items()}

    def has_term(self, stem: str) -> bool:
        """Whether some heading holds ``stem``."""
        return stem in self._postings

    def __len__(self) -> int:
        return len(self.infos)

    def coverage(self, terms: Sequence[str], weights: np.ndarray) -> dict[int, float]:
        """Sections whose heading holds a question term -> share of the term weight."""
        total = float(weights.sum()) or 1.0
        found: dict[int, float] = {}
        for term, weight in zip(terms, weights.tolist(), strict=True):
            for sid in self._postings.get(term, ()):
                found[sid] = found.get(sid, 0.0) + weight / total
        return found

    def candidates(self, coverage: dict[int, float]) -> np.ndarray:
        """The first sentences of the best-matching sections (empty when none match)."""
        best = sorted(
            ((c, sid) for sid, c in coverage.items() if c >= MIN_HEADING_COVERAGE),
            reverse=True,
        )[:MAX_SECTIONS]
        if not best:
            return np.zeros(0, dtype=np.int64)
        parts = [
            np.arange(self.starts[sid], min(self.ends[sid], self.starts[sid] + SECTION_CANDIDATES))
            for _, sid in best
        ]
        return np.concatenate(parts).astype(np.int64)
