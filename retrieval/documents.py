"""Documents: load .txt/.md files and clean them into sections, paragraphs and sentences.

The cleaned text of a document is its paragraphs (headings included) joined by blank
lines; every sentence carries ``(start, end)`` offsets into that cleaned text, so a
quote is always ``document.text[start:end]``: verbatim by construction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from retrieval.errors import DocumentError
from retrieval.markdown import (
    CONTENTS,
    TEXT,
    CommentClosers,
    FenceClosers,
    closes_fence,
    definition_label,
    directive_kind,
    fence_opening,
    is_alert,
    is_option,
    is_target,
    read_inline,
    unquoted,
)
from retrieval.sentences import sentence_spans

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown")
MAX_DOCUMENT_MB_ENV = "CITEBOT_MAX_DOCUMENT_MB"
# Above the 106 MB 1M-passage benchmark file; bot settings override it.
DEFAULT_MAX_DOCUMENT_BYTES = 256 * 1024 * 1024

_URL_LINE = re.compile(r"^\s*(?:<)?(?:https?://|www\.)\S+(?:>)?\s*$", re.IGNORECASE)
_PROMO_LINE = re.compile(
    r"^\s*(?:related(?: article| story| content)?|read more|read also|also read|see also|"
    r"recommended|more on this|advertisement|sponsored)\b\s*[:|-]?",
    re.IGNORECASE,
)
_PROMO_EXACT = re.compile(r"^\s*(?:advertisement|sponsored content|share this article)\s*$", re.I)
# C0 controls (but tab and newline) and DEL: a quote must not carry terminal escapes or bells.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_WORD_CHARS = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_TABLE_RULE = re.compile(r"^\|[\s:|-]*-[\s:|-]*\|$")
_FENCE_START = frozenset("`~")
_RULE = re.compile(r"^(?:={3,}|~{3,}|\^{3,}|(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_RULE_START = frozenset("=-*_~^")
_UNDERLINES = frozenset("=-~^")  # under a line of text, a heading's (also reStructuredText's)
# A line that ends one sentence and begins another ("... only. See below") is no heading.
_TWO_SENTENCES = re.compile(r"[a-z]{3}[.!?]\s+[A-Z]")
_ITEM_START = frozenset("-*+•")
_ITEM = "\x00"  # marks a block's first line as a list item or table row (see _blocks)
_CODE = "\x01"  # marks a block's first line as a fenced code block's (see _blocks)
_CENTRED = " " * 8
_INDENTED = "\x02"  # marks a block whose first line is indented: a command or quote, no heading
_TERMINAL = ".!?…\"'”’)]"
_MAX_HEADING_WORDS = 12
# Above this many paragraphs a document keeps them as arrays (retrieval/paragraphs.py).
_TABLE_MIN_PARAGRAPHS = 20_000


@dataclass(frozen=True)
class Paragraph:
    """A block of a document: a body paragraph or a heading."""

    start: int
    end: int
    is_heading: bool
    number: int  # 1-based among body paragraphs; 0 for headings
    section: str | None
    sentences: tuple[tuple[int, int], ...]  # offsets into the document's cleaned text


@dataclass(frozen=True)
class Document:
    """One cleaned document."""

    path: str
    title: str
    url: str | None
    text: str
    paragraphs: Sequence[Paragraph]  # a tuple, or a ParagraphTable for large documents
    size_bytes: int

    @property
    def body_paragraphs(self) -> tuple[Paragraph, ...]:
        return tuple(p for p in self.paragraphs if not p.is_heading)

    @property
    def sections(self) -> tuple[str, ...]:
        return tuple(self.text[p.start : p.end] for p in self.paragraphs if p.is_heading)


def title_from_filename(path: str | Path) -> str:
    """``taurus-leak.txt`` -> ``Taurus leak``."""
    stem = Path(path).stem
    words = re.sub(r"[-_.]+", " ", stem).strip()
    if not words:
        return Path(path).name
    return words[0].upper() + words[1:]


def split_front_matter(raw: str) -> tuple[dict[str, str], str, str | None]:
    """Return ``(fields, body, problem)``; ``problem`` describes broken front matter."""
    if not raw.startswith("---"):
        return {}, raw, None
    lines = raw.split("\n")
    if lines[0].strip() != "---":
        return {}, raw, None
    for i in range(1, min(len(lines), 60)):
        if lines[i].strip() in ("---", "..."):
            fields: dict[str, str] = {}
            for line in lines[1:i]:
                if ":" in line:
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip().strip("\"'")
                elif line.strip():
                    return {}, "\n".join(lines[i + 1 :]), f"unreadable front matter line {line!r}"
            return fields, "\n".join(lines[i + 1 :]), None
    return {}, raw, "front matter opened with '---' but never closed"


def _is_debris(line: str) -> bool:
    return bool(_URL_LINE.match(line) or _PROMO_EXACT.match(line) or _PROMO_LINE.match(line))


def _table_row_text(cells: list[str], header: list[str] | None) -> str:
    """A table row as text: "Platform: Android; Minimum: 10" under a header row, else its
    cells between pipes ("Android | 10")."""
    if header is None or len(header) != len(cells):
        return " | ".join(cells)
    return "; ".join(f"{name}: {cell}" if name else cell
                     for name, cell in zip(header, cells, strict=True) if cell)


class _Blocks(NamedTuple):
    blocks: list[list[str]]
    labels: set[str]  # of the Markdown link reference definitions
    marked_headings: bool  # whether a heading was marked ("# ...", or underlined)


def _blocks(body: str, *, markdown: bool = False) -> _Blocks:
    """Blank-line separated blocks of stripped lines, with debris lines removed, and what
    the Markdown of the text defines (:mod:`retrieval.markdown`).

    A Markdown heading is a block ``["#" + text]``. A list item, a table row and a fenced
    code block are blocks of their own, their first line prefixed with ``_ITEM`` (``_CODE``
    for code; never a heading nor part of another paragraph); list markers, table rules and
    the fences are dropped, and a header row is read into each row below it
    (:func:`_table_row_text`). With ``markdown``, reference definitions and MyST targets
    are dropped; inline markup is read once a block's lines are joined
    (:func:`clean_document`).
    """
    blocks: list[list[str]] = []
    labels: set[str] = set()
    marked = False
    current: list[str] = []
    fence: str | None = None  # the open code fence ("```", "~~~~", ...)
    contents = False  # the open fence holds a table of contents: no text
    texts: list[str] = []  # the fences of the open MyST directives whose body is text
    options = False  # at a MyST directive's start, where option lines may stand
    header: list[str] | None = None  # the column names of the table being read
    row_before: list[str] | None = None  # the cells of the row on the line before

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(current)
            current = []

    closers: FenceClosers | None = None  # found when the first fence opens
    lines = body.split("\n")
    in_comment = False  # inside an HTML comment of several lines
    comments: CommentClosers | None = None  # found when the first such comment opens
    for n, raw_line in enumerate(lines):
        line = raw_line.strip()
        # Each pattern is tried only on lines opening with its character (millions of
        # lines in a large document).
        first = line[:1]
        if markdown:
            if in_comment:
                in_comment = "-->" not in line
                continue
            if first == ">":
                line = unquoted(line)
                first = line[:1]
                if first == "[" and is_alert(line):
                    continue
            elif first == "<" and line.startswith("<!--") and "-->" not in line:
                if comments is None:
                    comments = CommentClosers(lines)
                if comments.closed_after(n):
                    in_comment = True
                    continue
        is_row = first == "|" and _TABLE_ROW.match(line) is not None
        if not is_row:
            header = row_before = None
        if options:
            options = bool(line) and is_option(line)
            if options:
                continue
        if fence is not None:
            if first == fence[0] and closes_fence(line, fence):
                fence = None
                flush()
            elif line and not contents:
                current.append(line if current else _CODE + line)
            continue
        if texts and first == texts[-1][0] and closes_fence(line, texts[-1]):
            texts.pop()
            flush()
            continue
        opening = fence_opening(line) if first in _FENCE_START else None
        if opening:
            if closers is None:
                closers = FenceClosers(lines)
            if closers.closed_after(n, opening):
                flush()
                kind = directive_kind(line) if markdown else None
                options = kind is not None
                if kind == TEXT:
                    texts.append(opening)
                else:
                    fence, contents = opening, kind == CONTENTS
                continue
        if not line:
            flush()
            continue
        if _is_debris(line):
            continue
        if markdown and not current and first in "[(":
            label = definition_label(line) if first == "[" else None
            if label is not None:
                labels.add(label)
                continue
            if first == "(" and is_target(line):
                continue
        # Indented by a tab or four to seven spaces: a command or a quote (deeper, a line
        # is centred, as plain-text titles are).
        indented = raw_line[:1] == "\t" or (raw_line.startswith("    ")
                                            and not raw_line.startswith(_CENTRED))
        heading = _MD_HEADING.match(line) if first == "#" and not indented else None
        if heading:
            flush()
            blocks.append(["#" + heading.group(2)])
            marked = True
            continue
        if first in _RULE_START and _RULE.match(line):
            # Under a line of text, "=====" or "-----" makes it a heading; alone, a rule.
            if current and first in _UNDERLINES and not current[0].startswith(_ITEM):
                title = current.pop().lstrip(_INDENTED)
                flush()
                blocks.append(["#" + title])
                marked = True
            flush()
            continue
        if is_row:
            flush()
            cells = [c.strip() for c in line[1:-1].split("|")]
            if _TABLE_RULE.match(line):
                if row_before is not None and header is None:
                    blocks.pop()  # the header row: read into each row below it
                    header = row_before
                row_before = None
                continue
            blocks.append([_ITEM + _table_row_text(cells, header)])
            row_before = cells
            continue
        item = _LIST_ITEM.match(line) if first in _ITEM_START or first.isdigit() else None
        # A marker opens an item at a block's start, after an item or after a finished
        # sentence; after a line that breaks off ("... as O" / "2. Diatomic ...") it is
        # a hard-wrapped sentence going on.
        if item and (not current or current[0].startswith(_ITEM)
                     or _ends_sentence(current[-1], markdown=markdown)):
            flush()
            line = _ITEM + line[item.end() :]
        elif indented and not current:
            line = _INDENTED + line
        current.append(line)
    flush()
    return _Blocks(blocks, labels, marked)


def _ends_sentence(line: str, *, markdown: bool) -> bool:
    """Whether ``line`` ends a sentence or opens a list; in Markdown, also inside closing
    marks ("... is **final.**")."""
    if markdown:
        line = line.rstrip("*_`")
    return bool(line) and line[-1] in _TERMINAL + ":"


def _vocabulary(body: str) -> set[str]:
    return {w.lower() for w in _WORD_CHARS.findall(body)}


class _LazyVocabulary:
    """The body's words, collected only when a hyphenated line break needs them."""

    def __init__(self, body: str) -> None:
        self._body = body
        self._words: set[str] | None = None

    def __contains__(self, word: object) -> bool:
        if self._words is None:
            self._words = _vocabulary(self._body)
        return word in self._words


def _join_hyphenated(left: str, right: str, vocab: Container[str]) -> str:
    """Join ``left`` (ending in '-') and ``right`` across a line break."""
    head_match = re.search(r"([^\W_]+)-$", left)
    tail_match = re.match(r"([^\W_]+)", right)
    if not head_match or not tail_match:
        return left + right
    head, tail = head_match.group(1), tail_match.group(1)
    joined, hyphenated = (head + tail).lower(), f"{head}-{tail}".lower()
    if joined in vocab and hyphenated not in vocab:
        return left[:-1] + right
    keep = (
        hyphenated in vocab
        or head.isdigit()
        or tail[0].isupper()
        or (head.lower() in vocab and tail.lower() in vocab)
    )
    return left + right if keep else left[:-1] + right


def _join_lines(lines: Sequence[str], vocab: Container[str]) -> str:
    # Pieces joined once at the end: linear in the block's length (a file of single lines
    # with no blank line between them is one block of up to millions of lines).
    parts = [lines[0]]
    for line in lines[1:]:
        if re.search(r"[^\W_]-$", parts[-1]) and re.match(r"[^\W_]", line):
            parts[-1] = _join_hyphenated(parts[-1], line, vocab)
        else:
            parts.append(line)
    text = " ".join(parts)
    return re.sub(r"[ \t]+", " ", text) if "  " in text or "\t" in text else text


def _read_markdown(text: str, labels: Collection[str]) -> str:
    """A joined block's or a heading's text as read
    (:func:`retrieval.markdown.read_inline`), its spaces collapsed where marks stood."""
    read = read_inline(text, labels)
    return " ".join(read.split()) if read != text else text


def _looks_like_heading(block: list[str], text: str, is_last: bool) -> bool:
    if len(block) != 1 or is_last or not text or not text[0].isupper():
        return False
    if len(text.split()) > _MAX_HEADING_WORDS or _TWO_SENTENCES.search(text):
        return False
    return text.endswith(("?", ":")) or text[-1] not in _TERMINAL + ",;"


def _continues(previous: str, following: str) -> bool:
    """A paragraph break inside a sentence: the page-break artefact."""
    return bool(previous) and previous[-1] not in _TERMINAL + ":" and following[:1].islower()


def clean_document(raw: str, *, path: str, size_bytes: int | None = None) -> Document:
    """Clean raw text into a :class:`Document` with located paragraphs and sentences."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    raw = _CONTROL.sub(" ", raw)
    fields, body, _problem = split_front_matter(raw)
    if _problem:
        log.warning("%s: %s; reading the file as plain text", path, _problem)
    if size_bytes is None:
        size_bytes = len(raw.encode("utf-8"))
    vocab = _LazyVocabulary(body)
    merged: list[tuple[str, bool]] = []  # (text, is_heading)
    continued: dict[int, list[str]] = {}  # merged index -> pieces of a paragraph broken by pages
    last_whole = -1  # the last merged index that is a list item, table row or code block
    markdown = path.lower().endswith((".md", ".markdown"))
    blocks, labels, marked_headings = _blocks(body, markdown=markdown)
    # A Markdown document that marks its headings has no others.
    plain_headings = not (markdown and marked_headings)
    del raw, body  # a large document's text is joined again below: hold no extra copy
    for i, block in enumerate(blocks):
        if block[0].startswith("#") and len(block) == 1:
            title = block[0][1:].strip()
            if markdown:
                title = _read_markdown(title, labels)
            if title:
                merged.append((title, True))
            continue
        if block[0].startswith(_CODE):
            block[0] = block[0][len(_CODE) :]
            merged.append((_join_lines(block, vocab), False))
            last_whole = len(merged) - 1
            continue
        if block[0].startswith(_ITEM):
            block[0] = block[0][len(_ITEM) :]
            text = _join_lines(block, vocab)
            text = _read_markdown(text, labels) if markdown else text
            if text:
                merged.append((text, False))
                last_whole = len(merged) - 1
            continue
        indented_block = block[0].startswith(_INDENTED)
        if indented_block:
            block[0] = block[0][len(_INDENTED) :]
        text = _join_lines(block, vocab)
        if markdown:
            text = _read_markdown(text, labels)
            if not text:  # an HTML comment or tag
                continue
        # A page break splits running text, never a list item, a table row or code.
        if (merged and not merged[-1][1] and last_whole != len(merged) - 1
                and _continues(merged[-1][0], text)):
            # Joined after the loop (linear); the last piece's end decides what follows.
            continued.setdefault(len(merged) - 1, [merged[-1][0]]).append(text)
            merged[-1] = (text, False)
            continue
        following = blocks[i + 1][0] if i + 1 < len(blocks) else ""
        heading = (plain_headings and not indented_block
                   and _looks_like_heading(block, text, i == len(blocks) - 1))
        # A short line whose sentence goes on after a page break is no heading.
        heading = heading and not (text[-1] not in "?:" and following[:1].islower())
        merged.append((text, heading))
    for at, broken in continued.items():
        merged[at] = (" ".join(broken), False)
    del blocks, vocab, continued
    paragraphs: list[Paragraph] = []
    table = None
    if len(merged) > _TABLE_MIN_PARAGRAPHS:  # large document: arrays, not one object each
        from retrieval.paragraphs import ParagraphTableBuilder

        table = ParagraphTableBuilder()
    pieces: list[str] = []
    offset, number, section = 0, 0, None
    for text, is_heading in merged:
        start = offset
        end = start + len(text)
        if is_heading:
            section = text
            if table is not None:
                table.add(start, end, True, 0, section, ())
            else:
                paragraphs.append(Paragraph(start, end, True, 0, section, ()))
        else:
            number += 1
            spans = tuple(sentence_spans(text, base=start))
            if table is not None:
                table.add(start, end, False, number, section, spans)
            else:
                paragraphs.append(Paragraph(start, end, False, number, section, spans))
        pieces.append(text)
        offset = end + 2
    del merged
    title = fields.get("title") or title_from_filename(path)
    return Document(
        path=path,
        title=title,
        url=fields.get("url"),
        text="\n\n".join(pieces),
        paragraphs=table.build() if table is not None else tuple(paragraphs),
        size_bytes=size_bytes,
    )


def decode_document_bytes(data: bytes, *, path: str) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; reject binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{path}: not valid UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again"
        ) from exc


def load_document(
    path: Path, *, max_bytes: int | None = DEFAULT_MAX_DOCUMENT_BYTES
) -> Document:
    """Read and clean one file; raise :class:`DocumentError` naming it on failure.

    Files above ``max_bytes`` (``None``: no limit) are refused unread.
    """
    limit = max_bytes
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise DocumentError(
                f"{path}: too large ({size / 1048576:,.1f} MB; the limit is "
                f"{limit / 1048576:,.1f} MB, set by {MAX_DOCUMENT_MB_ENV})"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    size_bytes = len(data)
    text = decode_document_bytes(data, path=str(path))
    del data
    document = clean_document(text, path=str(path), size_bytes=size_bytes)
    if not any(p.sentences for p in document.paragraphs):
        raise DocumentError(f"{path}: has no text to answer from")
    return document


def find_document_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into supported document files."""
    found: list[Path] = []
    problems: list[str] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
        elif path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                problems.append(f"{path}: folder holds no .txt or .md documents")
            found.extend(files)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            found.append(path)
        else:
            problems.append(f"{path}: not a .txt or .md document")
    if not found:  # nothing to serve: say why (a skipped path is only a warning otherwise)
        raise DocumentError("; ".join(problems) if problems else "no documents given")
    for problem in problems:
        log.warning("skipping: %s", problem)
    return found


def document_from_paragraphs(
    paragraphs: Sequence[str], *, title: str, path: str | None = None
) -> Document:
    """A document from already clean paragraphs (no heading detection, no line joins).

    Used for corpora that come pre-segmented, such as the SQuAD benchmark articles.
    """
    pieces: list[str] = []
    built: list[Paragraph] = []
    offset = 0
    for text in paragraphs:
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            continue
        spans = tuple(sentence_spans(text, base=offset))
        built.append(Paragraph(offset, offset + len(text), False, len(built) + 1, None, spans))
        pieces.append(text)
        offset += len(text) + 2
    joined = "\n\n".join(pieces)
    return Document(
        path=path or title,
        title=title,
        url=None,
        text=joined,
        paragraphs=tuple(built),
        size_bytes=len(joined.encode("utf-8")),
    )
