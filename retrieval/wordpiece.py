"""Pure-Python BERT WordPiece tokenizer (uncased) matching the Hugging Face fast tokenizer.

We run the MiniLM sentence encoder (sentence-transformers/all-MiniLM-L6-v2) in numpy, without
the Rust ``tokenizers`` dependency, so the ids fed to the model must be exactly the ones its
``tokenizer.json`` produces. That file configures:

- added tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``, matched verbatim in the raw text first;
- ``BertNormalizer``: clean_text (drop NUL, U+FFFD and control/format/private-use characters,
  every whitespace character becomes a space), handle_chinese_chars (spaces around CJK
  ideographs), strip_accents (NFD, then drop non-spacing marks) and lowercase;
- ``BertPreTokenizer``: split on whitespace, isolate each punctuation character;
- ``WordPiece``: greedy longest match, ``##`` continuations, a word longer than 100 characters
  or with an unmatched remainder becomes ``[UNK]``;
- ``[CLS] ... [SEP]`` around the pieces; truncation keeps the first pieces.

The Rust library classifies characters with Unicode 8.0 category tables (unassigned code points
are kept), decomposes with a pre-13.0 table and lowercases with a newer one; Python 3.11 ships
Unicode 14.0. The exception tables below (found by comparing every code point with
``tokenizers`` 0.23.3) bridge the two, so Python's ``unicodedata`` can do the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

MAX_WORD_CHARS = 100
CACHE_LIMIT = 200_000
_CONTINUATION = "##"
_SPECIAL = re.compile(r"(\[(?:PAD|UNK|CLS|SEP|MASK)\])")
_ASCII_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
# Rust's char::is_whitespace (Unicode White_Space) minus the control characters clean_text drops.
_WHITESPACE = frozenset(
    "\t\n\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_REMOVED_CATEGORIES = ("Cc", "Cf", "Co", "Cs")

# Code point ranges (hex, inclusive). CJK ideograph blocks as BertNormalizer defines them.
_CJK = "3400-4DBF 4E00-9FFF F900-FAFF 20000-2A6DF 2A700-2B73F 2B740-2B81F 2B920-2CEAF 2F800-2FA1F"
# Format characters (Cf) newer than Unicode 8: kept.
_KEPT_FORMAT = "890-891 8E2 110CD 13430-13438"
# Non-spacing marks (Mn) newer than Unicode 8: not stripped.
_KEPT_MARKS = (
    "7FD 898-89F 8CA-8E1 9FE AFA-AFF B55 C04 C3C D00 D3B-D3C D81 EBA 180F 1885-1886 1ABF-1ACE "
    "1DF6-1DFB A82C A8C5 A8FF A9BD 10D24-10D27 10EAB-10EAC 10F46-10F50 10F82-10F85 11070 "
    "11073-11074 110C2 111C9 111CF 1123E 1133B 11438-1143F 11442-11444 11446 1145E 1182F-11837 "
    "11839-1183A 1193B-1193C 1193E 11943 119D4-119D7 119DA-119DB 119E0 11A01-11A0A 11A33-11A38 "
    "11A3B-11A3E 11A47 11A51-11A56 11A59-11A5B 11A8A-11A96 11A98-11A99 11C30-11C36 11C38-11C3D "
    "11C3F 11C92-11CA7 11CAA-11CB0 11CB2-11CB3 11CB5-11CB6 11D31-11D36 11D3A 11D3C-11D3D "
    "11D3F-11D45 11D47 11D90-11D91 11D95 11D97 11EF3-11EF4 16F4F 16FE4 1CF00-1CF2D 1CF30-1CF46 "
    "1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A 1E130-1E136 1E2AE 1E2EC-1E2EF "
    "1E944-1E94A"
)
# Spacing marks that were non-spacing in Unicode 8: stripped.
_STRIPPED_MARKS = "1734"
# Punctuation newer than Unicode 8: not split off.
_NOT_PUNCT = (
    "61D 9FD A76 C77 C84 1B7D-1B7E 2E43-2E4F 2E52-2E5D 10EAD 10F55-10F59 10F86-10F89 "
    "1144B-1144F 1145A-1145B 1145D 11660-1166C 116B9 1183B 11944-11946 119E2 11A3F-11A46 "
    "11A9A-11A9C 11A9E-11AA2 11C41-11C45 11C70-11C71 11EF7-11EF8 11FFF 12FF1-12FF2 16E97-16E9A "
    "16FE2 1E95E-1E95F"
)
# Punctuation in Unicode 8, recategorised since: split off.
_EXTRA_PUNCT = "166D 111C9"
# Decomposition added in Unicode 13: not decomposed.
_UNDECOMPOSED = "11938"
# Combining marks newer than the Rust decomposition tables: canonical combining class 0.
_STARTER_MARKS = (
    "7FD 898-89F 8CA-8D3 9FE C3C D3B-D3C EBA 1715 1ABF-1ACE 1DF6-1DFA A82C 10D24-10D27 "
    "10EAB-10EAC 10F46-10F50 10F82-10F85 11070 1133B 1145E 11839-1183A 1193D-1193E 11943 119E0 "
    "11A34 11A47 11A99 11D42 11D44-11D45 11D97 16FF0-16FF1 1E130-1E136 1E2AE 1E2EC-1E2EF"
)
# Lowercase mappings newer than Unicode 14 ("A>B": A lowercases to B; ranges map in step).
_EXTRA_LOWER = (
    "1C89>1C8A A7CB>264 A7CC>A7CD A7CE>A7CF A7D2>A7D3 A7D4>A7D5 A7DA>A7DB A7DC>19B "
    "10D50-10D65>10D70 16EA0-16EB8>16EBB"
)


def _code_points(ranges: str) -> frozenset[int]:
    points: set[int] = set()
    for item in ranges.split():
        first, _, last = item.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(points)


def _char_class(ranges: str) -> re.Pattern[str]:
    parts = []
    for item in ranges.split():
        first, _, last = item.partition("-")
        parts.append(re.escape(chr(int(first, 16))))
        if last:
            parts.append("-" + re.escape(chr(int(last, 16))))
    return re.compile(f"[{''.join(parts)}]")


def _extra_lower() -> dict[int, str]:
    mapping: dict[int, str] = {}
    for item in _EXTRA_LOWER.split():
        source, _, target = item.partition(">")
        first, _, last = source.partition("-")
        start, stop, to = int(first, 16), int(last or first, 16), int(target, 16)
        for offset in range(stop - start + 1):
            mapping[start + offset] = chr(to + offset)
    return mapping


class _LazyTable(dict[int, str]):
    """A ``str.translate`` table that computes each code point's replacement on first use."""

    def __init__(self, compute: Callable[[int], str]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: int) -> str:
        value = self._compute(key)
        self[key] = value
        return value


class WordPieceTokenizer:
    """Text -> model input ids, exactly as the all-MiniLM-L6-v2 ``tokenizer.json`` does."""

    def __init__(self, vocab: Sequence[str]) -> None:
        ids: dict[str, int] = {}
        for index, token in enumerate(vocab):
            if token in ids:
                raise ValueError(f"duplicate vocabulary token {token!r} at line {index + 1}")
            ids[token] = index
        for required in ("[UNK]", "[CLS]", "[SEP]"):
            if required not in ids:
                raise ValueError(f"vocabulary lacks the special token {required}")
        self._vocab = ids
        self._unk = ids["[UNK]"]
        self._cls = ids["[CLS]"]
        self._sep = ids["[SEP]"]
        self._max_piece = max(len(token) for token in ids)
        self._cache: dict[str, tuple[int, ...]] = {}
        self._cjk = _code_points(_CJK)
        self._kept_format = _code_points(_KEPT_FORMAT)
        self._kept_marks = _code_points(_KEPT_MARKS)
        self._stripped_marks = _code_points(_STRIPPED_MARKS)
        self._not_punct = _code_points(_NOT_PUNCT)
        self._extra_punct = _code_points(_EXTRA_PUNCT)
        self._extra_lower = _extra_lower()
        self._undecomposed = _code_points(_UNDECOMPOSED)
        self._starter_marks = _code_points(_STARTER_MARKS)
        self._nfd_exceptions = _char_class(f"{_UNDECOMPOSED} {_STARTER_MARKS}")
        ascii_table: dict[int, str | None] = {
            code: None for code in range(0x20) if chr(code) not in "\t\n\r"
        }
        ascii_table.update({ord("\t"): " ", ord("\n"): " ", ord("\r"): " ", 0x7F: None})
        ascii_table.update({code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)})
        self._ascii_table = ascii_table
        self._clean_table = _LazyTable(self._clean_char)
        self._fold_table = _LazyTable(self._fold_char)

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        """Read a ``vocab.txt``: one token per line, the line number (from 0) is its id."""
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls([line.rstrip() for line in lines])

    def pieces(self) -> list[str]:
        """The vocabulary's tokens in id order (the order they were read in)."""
        return list(self._vocab)

    @property
    def vocab_size(self) -> int:
        return len(self._vocab)

    @property
    def cached_words(self) -> int:
        """How many whitespace-separated words the memo holds (bounded by CACHE_LIMIT)."""
        return len(self._cache)

    def encode(self, text: str, max_tokens: int = 256) -> list[int]:
        """``[CLS]`` + word pieces + ``[SEP]``, keeping the first pieces if over ``max_tokens``."""
        if max_tokens < 2:
            raise ValueError(f"max_tokens must be at least 2, got {max_tokens}")
        budget = max_tokens - 2
        pieces: list[int] = []
        if "[" in text:
            for index, part in enumerate(_SPECIAL.split(text)):
                if index % 2 and part in self._vocab:
                    pieces.append(self._vocab[part])
                elif part:
                    self._add_pieces(self._normalize(part), pieces, budget)
        else:
            self._add_pieces(self._normalize(text), pieces, budget)
        del pieces[budget:]
        pieces.insert(0, self._cls)
        pieces.append(self._sep)
        return pieces

    def _normalize(self, text: str) -> str:
        if text.isascii():
            return text.translate(self._ascii_table)
        text = text.translate(self._clean_table)
        if self._nfd_exceptions.search(text) is not None:
            text = self._decompose(text)
        elif not unicodedata.is_normalized("NFD", text):
            text = unicodedata.normalize("NFD", text)
        return text.translate(self._fold_table)

    def _decompose(self, text: str) -> str:
        """NFD with the Rust tables' view of the few marks and decompositions they predate."""
        result: list[str] = []
        marks: list[tuple[int, str]] = []
        for char in text:
            parts = char if ord(char) in self._undecomposed else unicodedata.normalize("NFD", char)
            for part in parts:
                klass = 0 if ord(part) in self._starter_marks else unicodedata.combining(part)
                if klass:
                    marks.append((klass, part))
                    continue
                if marks:  # canonical order: a stable sort of each run of marks by class
                    result.extend(mark for _, mark in sorted(marks, key=lambda item: item[0]))
                    marks.clear()
                result.append(part)
        result.extend(mark for _, mark in sorted(marks, key=lambda item: item[0]))
        return "".join(result)

    def _clean_char(self, code: int) -> str:
        char = chr(code)
        if char in _WHITESPACE:
            return " "
        if code == 0xFFFD or (
            unicodedata.category(char) in _REMOVED_CATEGORIES and code not in self._kept_format
        ):
            return ""
        return f" {char} " if code in self._cjk else char

    def _fold_char(self, code: int) -> str:
        if code in self._stripped_marks or (
            unicodedata.category(chr(code)) == "Mn" and code not in self._kept_marks
        ):
            return ""
        return self._extra_lower.get(code) or chr(code).lower()

    def _add_pieces(self, normalized: str, pieces: list[int], budget: int) -> None:
        cache = self._cache
        for chunk in normalized.split():
            ids = cache.get(chunk)
            if ids is None:
                ids = tuple(
                    piece for word in self._split_punct(chunk) for piece in self._word_ids(word)
                )
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                cache[chunk] = ids
            pieces.extend(ids)
            if len(pieces) >= budget:
                return

    def _split_punct(self, chunk: str) -> list[str]:
        if chunk.isascii():
            return [word for word in _ASCII_PUNCT.split(chunk) if word]
        words: list[str] = []
        start = 0
        for index, char in enumerate(chunk):
            if self._is_punct(char):
                if index > start:
                    words.append(chunk[start:index])
                words.append(char)
                start = index + 1
        if start < len(chunk):
            words.append(chunk[start:])
        return words

    def _is_punct(self, char: str) -> bool:
        code = ord(char)
        if code < 0x80:
            return _ASCII_PUNCT.fullmatch(char) is not None
        if code in self._extra_punct:
            return True
        return unicodedata.category(char)[0] == "P" and code not in self._not_punct

    def _word_ids(self, word: str) -> list[int]:
        vocab = self._vocab
        ids = vocab.get(word)
        if ids is not None:
            return [ids]
        length = len(word)
        if length > MAX_WORD_CHARS:
            return [self._unk]
        result: list[int] = []
        start = 0
        while start < length:
            end = min(length, start + self._max_piece)
            prefix = _CONTINUATION if start else ""
            while end > start:
                piece = vocab.get(prefix + word[start:end])
                if piece is not None:
                    result.append(piece)
                    break
                end -= 1
            else:
                return [self._unk]
            start = end
        return result
