"""A question's context window held as token ids, for features computed in numpy.

One :class:`TokenTable` per answerer maps each raw token to an int id with parallel
arrays (stem id, kind bits as a first and as a later token, folded-word id); a
:class:`Window` is the window's token ids in one array with passage offsets, so the
per-token quantities (term counts, content counts, typed tokens and their distances)
are whole-array numpy operations instead of per-token Python work. The analysis of a
token is the same as :func:`retrieval.features.analyse_passage`'s.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, compress, repeat

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.answer_type import FULL_NAME, NAME
from retrieval.features import _RAW_TOKEN, _remember, _Token, _token
from retrieval.terms import TermMatrix

_COLUMNS = ("stem_of", "first_kind", "later_kind", "word_of")
# Every byte but an ASCII letter or digit -> a space: in an ASCII text the tokens of
# :data:`retrieval.features._RAW_TOKEN` are then ``split()``'s words (4x cheaper).
_SPACES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


def _key(raw: str) -> bytes | str:
    """A raw token as a table key: ASCII tokens as bytes (as :func:`_split` gives them)."""
    return raw.encode() if raw.isascii() else raw


def _split(text: str) -> list[bytes | str]:
    """The raw tokens of ``text`` as table keys."""
    if text.isascii():
        return text.encode().translate(_SPACES).split()  # type: ignore[return-value]
    return list(map(_key, _RAW_TOKEN.findall(text)))


def _raw(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


class TokenTable:
    """Raw token -> id, with per-id arrays; cleared whole when it reaches ``limit``.

    Tokens are keyed by :func:`_key` (ASCII ones as bytes).

    ``stem_of`` (stem id, -1 for a stopword), ``first_kind`` / ``later_kind`` (kind bits
    as a passage's first token / later on), ``word_of`` (folded-word id); ``grams``,
    ``prefixes`` and ``content_words`` per id as Python lists (None for a stopword).
    """

    def __init__(self, *, limit: int = 100_000) -> None:
        self.limit = limit
        self.clear()

    def clear(self) -> None:
        self.ids: dict[bytes | str, int] = {}
        self.stem_ids: dict[str, int] = {}
        self.stems: list[str] = []
        self.word_ids: dict[str, int] = {}
        self.grams: list[tuple[str, ...]] = []
        self.prefixes: list[str | None] = []
        self.content_words: list[str | None] = []
        self.stem_of = np.full(1024, -1, dtype=np.int64)
        self.first_kind = np.zeros(1024, dtype=np.int64)
        self.later_kind = np.zeros(1024, dtype=np.int64)
        self.word_of = np.zeros(1024, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, tokens: dict[bytes | str, _Token]) -> None:
        """Give ids to ``tokens`` (token key -> its analysis), none of them known."""
        start = len(self.ids)
        end = start + len(tokens)
        if end > len(self.stem_of):
            size = max(end, 2 * len(self.stem_of))
            for name in _COLUMNS:
                old = getattr(self, name)
                new = np.full(size, -1 if name == "stem_of" else 0, dtype=np.int64)
                new[: len(old)] = old
                setattr(self, name, new)
        stem_ids, word_ids, stems = self.stem_ids, self.word_ids, self.stems
        records = list(tokens.values())
        stem_col = [-1] * len(records)
        for n, rec in enumerate(records):
            stem = rec[1]
            if stem is not None:
                sid = stem_ids.get(stem)
                if sid is None:
                    sid = stem_ids[stem] = len(stems)
                    stems.append(stem)
                stem_col[n] = sid
        self.stem_of[start:end] = stem_col
        self.first_kind[start:end] = [r[2] for r in records]
        self.later_kind[start:end] = [r[3] for r in records]
        self.word_of[start:end] = [word_ids.setdefault(r[0], len(word_ids)) for r in records]
        self.grams.extend(r[4] for r in records)
        self.prefixes.extend(r[5] for r in records)
        self.content_words.extend(r[6] for r in records)
        self.ids.update(zip(tokens, range(start, end), strict=True))


@dataclass(frozen=True)
class Window:
    """Token ids of a window's passages, concatenated, with per-token arrays."""

    table: TokenTable
    tokens: np.ndarray  # token ids, passage after passage
    offsets: np.ndarray  # passage i's tokens: tokens[offsets[i]:offsets[i + 1]]
    owner: np.ndarray  # the passage (place in the window) of each token
    stems: np.ndarray  # stem id of each token (-1: stopword)
    kinds: np.ndarray  # kind bits of each token (a passage's first token: its own)

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def holding(self, stems: Sequence[str]) -> list[frozenset[str]]:
        """Per passage of the window, which of ``stems`` it holds (one numpy pass over
        the window's tokens, cheaper than :meth:`stem_set` of every passage)."""
        found = np.zeros((len(self), len(stems)), dtype=bool)
        matched, cols = term_matches(self.table, stems, self.stems)
        found[self.owner[matched], cols] = True
        return [frozenset(compress(stems, row)) for row in found.tolist()]

    def stem_set(self, i: int) -> frozenset[str]:
        """The distinct stems of the window's passage ``i``."""
        return stem_set(self.table, self.tokens[int(self.offsets[i]) : int(self.offsets[i + 1])])


def stem_set(table: TokenTable, token_ids: np.ndarray) -> frozenset[str]:
    """The distinct stems of a passage's tokens."""
    found = np.unique(table.stem_of[token_ids])
    stems = table.stems
    return frozenset(stems[s] for s in found[found >= 0].tolist())


def sorted_lookup(sorted_ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per value: whether it is in ``sorted_ids`` and its place there."""
    if not len(sorted_ids):
        return np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=np.intp)
    at = np.minimum(np.searchsorted(sorted_ids, values), len(sorted_ids) - 1)
    return sorted_ids[at] == values, at


def term_matches(table: TokenTable, terms: Sequence[str], stems: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per token: whether its stem is one of ``terms`` and, where it is, that term's
    place in ``terms`` (a term the table lacks occurs nowhere)."""
    known = [(col, table.stem_ids[t]) for col, t in enumerate(terms) if t in table.stem_ids]
    if not known:
        return np.zeros(len(stems), dtype=bool), np.zeros(0, dtype=np.intp)
    ids = np.array([sid for _, sid in known], dtype=np.int64)
    order = np.argsort(ids)
    matched, at = sorted_lookup(ids[order], stems)
    cols = np.array([col for col, _ in known], dtype=np.intp)[order]
    return matched, cols[at[matched]]


class WindowBuilder:
    """Makes :class:`Window` objects; keeps each passage's token ids (bounded memo).

    The token table is bounded like the per-passage analyses' token memo (100,000
    tokens, about the same memory); when full it is cleared whole before the next window
    (~30 ms once, after some 2,000 distinct 1M questions), since ids cannot be reused
    one at a time."""

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        texts_of: Callable[[list[int]], list[str]],
        terms_of: Callable[[int], Sequence[str]] | None = None,
        matrix: TermMatrix | None = None,
        limit: int = 4096,
        token_limit: int = 100_000,
    ) -> None:
        """``matrix``: the index's terms of every passage (stems for new tokens);
        ``terms_of``: one passage's terms, for the passages ``matrix`` cannot serve."""
        self._analyzer = analyzer
        self._texts_of = texts_of
        self._terms_of = terms_of
        self._matrix = matrix
        self._limit = limit
        self.table = TokenTable(limit=token_limit)
        self._memo: OrderedDict[int, np.ndarray] = OrderedDict()

    def token_ids(self, passage_ids: Sequence[int]) -> list[np.ndarray]:
        """Each passage's token ids, in order (arrays the caller must not change)."""
        table, memo = self.table, self._memo
        found = list(map(memo.get, passage_ids))
        todo = [pid for pid, hit in zip(passage_ids, found, strict=True) if hit is None]
        if not todo:
            return found  # type: ignore[return-value]
        texts = self._texts_of(todo)
        per = list(map(_split, texts))
        raws = list(chain.from_iterable(per))
        ids = table.ids
        flat = np.array(list(map(ids.get, raws, repeat(-1))), dtype=np.int64)
        where = np.flatnonzero(flat < 0)
        if len(where):
            missing = [raws[i] for i in where.tolist()]
            self._learn(todo, texts, per, flat, where, missing)
            flat[where] = list(map(ids.__getitem__, missing))
        bounds = np.cumsum([0, *map(len, per)]).tolist()
        fresh = {pid: flat[a:b] for pid, a, b in zip(todo, bounds[:-1], bounds[1:], strict=True)}
        memo.update(fresh)
        for _ in range(len(memo) - self._limit):
            memo.popitem(last=False)
        return [fresh[pid] if hit is None else hit
                for pid, hit in zip(passage_ids, found, strict=True)]

    def _learn(
        self, todo: list[int], texts: list[str], per: list[list[bytes | str]],
        flat: np.ndarray, where: np.ndarray, keys: list[bytes | str],
    ) -> None:
        """Analyse the new tokens ``keys`` (at ``where`` in ``flat``, the token ids with
        -1 for those). In an ASCII passage whose content tokens line up with its index
        terms (folding is lower-casing there), a token's stem is the index term at its
        place among the content tokens, found for all such passages at once; the other
        passages' new tokens go through :func:`_remember` passage by passage."""
        table, analyzer = self.table, self._analyzer
        stop = analyzer.stopwords
        missing = list(map(_raw, keys))
        lengths = np.fromiter(map(len, per), dtype=np.int64, count=len(per))
        owner = np.repeat(np.arange(len(per), dtype=np.int64), lengths)[where]
        stems: dict[str, str] = {}
        matrix = self._matrix
        if matrix is not None:
            content = table.stem_of[np.maximum(flat, 0)] >= 0
            content[where] = [raw.lower() not in stop for raw in missing]
            n_content = np.bincount(np.repeat(np.arange(len(per)), lengths)[content],
                                    minlength=len(per))
            pids = np.asarray(todo, dtype=np.int64)
            starts = matrix.offsets[pids]
            aligned = (n_content == matrix.offsets[pids + 1] - starts) & np.array(
                list(map(str.isascii, texts)), dtype=bool)
            rank = (np.cumsum(content) - 1)[where] - (np.cumsum(n_content) - n_content)[owner]
            use = aligned[owner] & content[where]
            term_of = np.where(use, matrix.term_ids[np.where(use, starts[owner] + rank, 0)], -1)
            vocab = matrix.vocabulary
            for raw, term in zip(missing, term_of.tolist(), strict=True):
                if term >= 0:
                    stems[raw] = vocab[term]
            unaligned = (~aligned)[owner].tolist()
        else:
            unaligned = [True] * len(missing)
        new: dict[str, _Token] = {}
        fallback: dict[int, dict[str, None]] = {}
        for raw, at, bad in zip(missing, owner.tolist(), unaligned, strict=True):
            if bad and raw not in new:
                fallback.setdefault(at, {})[raw] = None
                new[raw] = ()  # type: ignore[assignment]  # a place holder
        for at, wanted in fallback.items():
            terms = partial(self._terms_of, todo[at]) if self._terms_of is not None else None
            text = texts[at]
            _remember(text, _RAW_TOKEN.findall(text), list(wanted), analyzer, new, terms)
        for raw in missing:
            if raw not in new:
                new[raw] = _token(raw, analyzer, stop, stems.get(raw))
        table.add({_key(raw): token for raw, token in new.items()})

    def window(self, passage_ids: Sequence[int]) -> Window:
        """The :class:`Window` of ``passage_ids`` (in this order). A full token table is
        cleared here, before a window is made, so a window's ids stay valid until the next
        one is asked for."""
        table = self.table
        if len(table) >= table.limit:
            table.clear()
            self._memo.clear()
        parts = self.token_ids(passage_ids)
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        tokens = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        owner = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
        kinds = table.later_kind[tokens]
        full = full_names(kinds, owner)
        kinds[full] |= FULL_NAME
        firsts = offsets[:-1][lengths > 0]
        kinds[firsts] = table.first_kind[tokens[firsts]] | (kinds[firsts] & FULL_NAME)
        return Window(table, tokens, offsets, owner, table.stem_of[tokens], kinds)

    def stems(self, passage_id: int) -> frozenset[str]:
        """The distinct stems of ``passage_id`` (what ``stem_counts`` holds as keys)."""
        return stem_set(self.table, self.token_ids([passage_id])[0])


def full_names(kinds: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Which tokens (kind bits as later tokens, and their passages) are capitalised words
    beside another one of the same passage, as
    :func:`retrieval.features.full_name_positions` finds them."""
    named = (kinds & NAME) != 0
    pair = named[1:] & named[:-1] & (owner[1:] == owner[:-1])
    full = np.zeros(len(kinds), dtype=bool)
    full[1:] |= pair
    full[:-1] |= pair
    return full
