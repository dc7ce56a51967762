"""A document's paragraphs as numpy arrays, materialised as :class:`Paragraph` on demand.

A million one-line paragraphs as Python objects cost about 550 MB and a second to build;
as arrays they cost about 45 MB, and a cached index loads them without a Python loop.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from retrieval.documents import Paragraph

TABLE_ARRAYS = (
    "starts", "ends", "numbers", "headings", "section_ids",
    "sentence_offsets", "sentence_starts", "sentence_ends",
)


class ParagraphTable(Sequence[Paragraph]):
    """Paragraph fields as parallel arrays; sentences as CSR offsets into flat arrays."""

    def __init__(
        self,
        *,
        starts: np.ndarray,
        ends: np.ndarray,
        numbers: np.ndarray,
        headings: np.ndarray,
        section_ids: np.ndarray,
        sections: Sequence[str],
        sentence_offsets: np.ndarray,
        sentence_starts: np.ndarray,
        sentence_ends: np.ndarray,
    ) -> None:
        n = int(starts.shape[0])
        for name, arr in (("ends", ends), ("numbers", numbers), ("headings", headings),
                          ("section_ids", section_ids)):
            if arr.shape != (n,):
                raise ValueError(f"paragraph table: {name} has shape {arr.shape}, want ({n},)")
        if sentence_offsets.shape != (n + 1,) or sentence_starts.shape != sentence_ends.shape:
            raise ValueError("paragraph table: sentence arrays do not match")
        if n and (int(sentence_offsets[0]) != 0
                  or int(sentence_offsets[-1]) != sentence_starts.shape[0]
                  or np.any(np.diff(sentence_offsets) < 0)):
            raise ValueError("paragraph table: sentence offsets out of range")
        if n and (int(section_ids.max()) >= len(sections) or int(section_ids.min()) < -1):
            raise ValueError("paragraph table: section ids out of range")
        self.starts = starts
        self.ends = ends
        self.numbers = numbers
        self.headings = headings
        self.section_ids = section_ids
        self.sections: tuple[str, ...] = tuple(sections)
        self.sentence_offsets = sentence_offsets
        self.sentence_starts = sentence_starts
        self.sentence_ends = sentence_ends

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    @overload
    def __getitem__(self, index: int) -> Paragraph: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Paragraph]: ...

    def __getitem__(self, index: int | slice) -> Paragraph | Sequence[Paragraph]:
        if isinstance(index, slice):
            return tuple(self._paragraph(i) for i in range(*index.indices(len(self))))
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("paragraph index out of range")
        return self._paragraph(index)

    def __iter__(self) -> Iterator[Paragraph]:
        for i in range(len(self)):
            yield self._paragraph(i)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash((len(self), self.sections))

    def _paragraph(self, i: int) -> Paragraph:
        lo, hi = int(self.sentence_offsets[i]), int(self.sentence_offsets[i + 1])
        section_id = int(self.section_ids[i])
        return Paragraph(
            int(self.starts[i]),
            int(self.ends[i]),
            bool(self.headings[i]),
            int(self.numbers[i]),
            self.sections[section_id] if section_id >= 0 else None,
            tuple(zip(self.sentence_starts[lo:hi].tolist(), self.sentence_ends[lo:hi].tolist(),
                      strict=True)),
        )

    def sentence_counts(self) -> np.ndarray:
        return np.diff(self.sentence_offsets)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in TABLE_ARRAYS}

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[Paragraph]) -> ParagraphTable:
        builder = ParagraphTableBuilder()
        for p in paragraphs:
            builder.add(p.start, p.end, p.is_heading, p.number, p.section, p.sentences)
        return builder.build()


class ParagraphTableBuilder:
    """Appends paragraphs into compact typed arrays (no Python object kept per paragraph)."""

    def __init__(self) -> None:
        self._starts = array("q")
        self._ends = array("q")
        self._numbers = array("i")
        self._headings = array("b")
        self._section_ids = array("i")
        self._sections: list[str] = []
        self._section_index: dict[str, int] = {}
        self._sentence_offsets = array("q", [0])
        self._sentence_starts = array("q")
        self._sentence_ends = array("q")

    def add(
        self,
        start: int,
        end: int,
        is_heading: bool,
        number: int,
        section: str | None,
        sentences: Iterable[tuple[int, int]],
    ) -> None:
        self._starts.append(start)
        self._ends.append(end)
        self._numbers.append(number)
        self._headings.append(1 if is_heading else 0)
        if section is None:
            self._section_ids.append(-1)
        else:
            sid = self._section_index.get(section)
            if sid is None:
                sid = self._section_index[section] = len(self._sections)
                self._sections.append(section)
            self._section_ids.append(sid)
        for s, e in sentences:
            self._sentence_starts.append(s)
            self._sentence_ends.append(e)
        self._sentence_offsets.append(len(self._sentence_starts))

    def build(self) -> ParagraphTable:
        return ParagraphTable(
            starts=np.frombuffer(self._starts, dtype=np.int64).copy(),
            ends=np.frombuffer(self._ends, dtype=np.int64).copy(),
            numbers=np.frombuffer(self._numbers, dtype=np.int32).copy(),
            headings=np.frombuffer(self._headings, dtype=np.int8).astype(bool),
            section_ids=np.frombuffer(self._section_ids, dtype=np.int32).copy(),
            sections=self._sections,
            sentence_offsets=np.frombuffer(self._sentence_offsets, dtype=np.int64).copy(),
            sentence_starts=np.frombuffer(self._sentence_starts, dtype=np.int64).copy(),
            sentence_ends=np.frombuffer(self._sentence_ends, dtype=np.int64).copy(),
        )
