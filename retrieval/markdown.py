"""Markdown read as the text its reader sees (CommonMark, plus MyST's roles and targets,
common in Python projects' docs).

- A fenced code block opens with three or more backticks or tildes and any info string
  (``python``, ``{note}``; for backticks, one holding no backtick) and closes with a line
  of the same character at least as long (:func:`fence_opening`, :func:`closes_fence`).
  Unlike CommonMark, a fence that no line closes opens nothing (:class:`FenceClosers`):
  a text line that merely starts with backticks must not turn the rest of the document
  into code.
- A MyST directive is a fence whose info string names it (```` ```{note} ````): an
  admonition's body is text like the paragraphs around it (:func:`directive_kind`), a
  table of contents has none, any other's is code; ``:key: value`` lines open its body
  as options, not text (:func:`is_option`).
- Link reference definitions (``[label]: https://...``), MyST targets (``(label)=``),
  GitHub alert labels (``> [!NOTE]``) and blockquote markers are not text
  (:func:`definition_label`, :func:`is_target`, :func:`is_alert`, :func:`unquoted`).
- Inline markup loses its marks (:func:`read_inline`): an image keeps its alt text, a link
  its text and a web address in brackets, a reference link its text, a code span its
  content (and a MyST role's ``{ref}`text <target>``` its text), emphasis its words
  (not inside words: snake_case, 2*3*4), an autolink its address; HTML comments, tags
  and footnote marks are not text; entities and backslash escapes are the characters
  they stand for. A paragraph is read whole, as a span may open on one line and close
  on the next; a span is at most 300 characters long, which keeps an unclosed mark in
  a long paragraph from being matched against all of it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable

_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_DEFINITION = re.compile(
    r"^\[([^\]]{1,300})\]:\s*(?:<[^>]*>|\S+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?$"
)
_QUOTE = re.compile(r"^(?:>[ \t]?)+")
_ALERT = re.compile(r"^\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]$", re.IGNORECASE)
_TARGET = re.compile(r"^\([\w.:-]+\)=$")
_DIRECTIVE = re.compile(r"^(?:`{3,}|~{3,})\s*\{([\w:-]+)\}")
_OPTION = re.compile(r"^:[\w-]+:(?:\s|$)")
# MyST's and docutils' admonitions and the like, whose body is text.
_TEXT_DIRECTIVES = frozenset({
    "admonition", "attention", "caution", "danger", "error", "hint", "important", "note",
    "seealso", "tip", "warning", "versionadded", "versionchanged", "deprecated", "topic",
    "sidebar", "margin", "dropdown", "epigraph", "pull-quote", "highlights",
})
_CONTENTS_DIRECTIVES = frozenset({"toctree", "contents", "autosummary"})
TEXT, CONTENTS, CODE = "text", "contents", "code"
_MARKS = frozenset("[*_`<&\\")

# A backslash escape, or a code span with the MyST role that may stand before it
# ("{ref}`pip freeze`"): whichever comes first, so an escaped backtick opens no span and
# a span's backslashes are its own.
_LITERAL = re.compile(
    r"\\([!-/:-@\[-`{-~])|(\{[\w.:-]+\})?(?<!`)(`+)(?!`)(.{1,300}?)(?<!`)\3(?!`)"
)
_COMMENT = re.compile(r"<!--.{0,2000}?-->")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]{1,2000}|[\w.+-]{1,200}@[\w-]+(?:\.[\w-]+)+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>]{0,300})?/?>")
# As CommonMark reads them: with their semicolon ("AT&T", "?a=1&copy=2" stay as written).
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,100}\](?::[ \t]*)?")
_ROLE_TARGET = re.compile(r"^(.*?\S)\s*<[^<>]*>$")
_IMAGE = re.compile(r"!\[([^\]]{0,300})\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
# A link whose text is only an image reads as the image (no address).
_BADGE = re.compile(r"\[!\[([^\]]{0,300})\]\([^)\s]*(?:\s+\"[^\"]*\")?\)\]\([^)\s]*\)")
_LINK = re.compile(r"\[([^\]]{0,300})\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_REFERENCE = re.compile(r"!?\[([^\]]{1,300})\](?:\[([^\]]{0,300})\]|(?![(:]))")
_EMPHASIS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.{1,300}?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.{1,300}?)(?<=\S)_(?![\w_])"), r"\1"),
)
# Code spans and escaped characters stand aside as these while the rest is read
# (private-use characters, so no mark or word character of the text is taken for them).
_HOLD_OPEN, _HOLD_CLOSE = "\ue000", "\ue001"
_HELD = re.compile(f"{_HOLD_OPEN}(\\d+){_HOLD_CLOSE}")


def fence_opening(line: str) -> str | None:
    """The fence ``line`` opens ("```", "~~~~"), or None."""
    found = _FENCE.match(line)
    if found is None:
        return None
    fence, info = found.groups()
    return None if fence[0] == "`" and "`" in info else fence


def closes_fence(line: str, fence: str) -> bool:
    """Whether ``line`` closes the code block that ``fence`` opened."""
    return line.startswith(fence) and not line.strip(fence[0])


def directive_kind(line: str) -> str | None:
    """For a fence line naming a MyST directive, whether its body is :data:`TEXT`,
    :data:`CONTENTS` (a table of contents) or :data:`CODE`; None for a plain fence."""
    found = _DIRECTIVE.match(line)
    if found is None:
        return None
    name = found.group(1).lower()
    return TEXT if name in _TEXT_DIRECTIVES else CONTENTS if name in _CONTENTS_DIRECTIVES else CODE


def is_option(line: str) -> bool:
    """Whether ``line`` is a directive option (":maxdepth: 1")."""
    return _OPTION.match(line) is not None


class FenceClosers:
    """Where the lines that can close a fence stand in a text's lines."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._at: dict[str, list[int]] = {"`": [], "~": []}
        lengths: dict[str, list[int]] = {"`": [], "~": []}
        for n, raw in enumerate(lines):
            line = raw.strip()
            mark = line[:1]
            if mark in self._at and len(line) >= 3 and not line.strip(mark):
                self._at[mark].append(n)
                lengths[mark].append(len(line))
        # The longest closing line at or after each one.
        self._longest: dict[str, list[int]] = {}
        for mark, found in lengths.items():
            longest = found[:]
            for k in range(len(longest) - 2, -1, -1):
                longest[k] = max(longest[k], longest[k + 1])
            self._longest[mark] = longest

    def closed_after(self, line_number: int, fence: str) -> bool:
        """Whether a line after ``line_number`` closes ``fence``."""
        mark = fence[0]
        k = bisect_right(self._at[mark], line_number)
        return k < len(self._longest[mark]) and self._longest[mark][k] >= len(fence)


class CommentClosers:
    """Where the lines that close an HTML comment ("-->") stand in a text's lines: a
    comment that no line closes hides nothing (as with :class:`FenceClosers`)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._at = [n for n, line in enumerate(lines) if "-->" in line]

    def closed_after(self, line_number: int) -> bool:
        return bisect_right(self._at, line_number) < len(self._at)


def definition_label(line: str) -> str | None:
    """The label ``line`` defines as a link reference definition, normalised, or None."""
    found = _DEFINITION.match(line)
    return normalised_label(found.group(1)) if found else None


def unquoted(line: str) -> str:
    """A blockquote's line without its markers ("> > text" -> "text")."""
    return _QUOTE.sub("", line)


def is_alert(line: str) -> bool:
    """Whether ``line`` is a GitHub alert's label ("[!NOTE]"), which is no text."""
    return _ALERT.match(line) is not None


def is_target(line: str) -> bool:
    """Whether ``line`` is a MyST target ("(install-guide)=")."""
    return _TARGET.match(line) is not None


def normalised_label(label: str) -> str:
    """A reference label as CommonMark compares them: case-folded, spaces collapsed."""
    return " ".join(label.split()).casefold()


def read_inline(text: str, labels: Collection[str] = ()) -> str:
    """``text`` without its inline marks; ``labels``: the document's reference labels
    (:func:`normalised_label`), whose references read as their text."""
    if _MARKS.isdisjoint(text):
        return text
    held: list[str] = []  # what the held-aside spans read as
    sources: list[str] = []  # and their source, as a reference label holds it
    if _HOLD_OPEN not in text and _HOLD_CLOSE not in text:
        text = _LITERAL.sub(_holder(held, sources), text)
    if "<" in text:
        text = _COMMENT.sub("", text)
        text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
    if "![" in text:  # images first: a link's text may be one (a badge)
        text = _BADGE.sub(r"\1", text)
        text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(_link_text, text)
    if labels:
        text = _REFERENCE.sub(_reference_text(labels, sources), text)
    text = _FOOTNOTE.sub("", text)
    for pattern, replacement in _EMPHASIS:
        text = pattern.sub(replacement, text)
    if "&" in text and _ENTITY.search(text):
        import html  # only here: its table of entities costs a cold start ~2 ms

        text = _ENTITY.sub(lambda found: html.unescape(found.group(0)), text)
    if held:
        text = _HELD.sub(lambda found: held[int(found.group(1))], text)
    return text


def _holder(held: list[str], sources: list[str]) -> Callable[[re.Match[str]], str]:
    def hold(found: re.Match[str]) -> str:
        escaped, role, content = found.group(1), found.group(2), found.group(4)
        if escaped is not None:
            content = escaped
        elif role:
            target = _ROLE_TARGET.match(content)
            content = target.group(1) if target else content.strip("<>")
        elif len(content) > 2 and content[0] == content[-1] == " " and content.strip():
            content = content[1:-1]  # "`` `x` ``" holds "`x`"
        held.append(content)
        sources.append(found.group(0))
        return f"{_HOLD_OPEN}{len(held) - 1}{_HOLD_CLOSE}"

    return hold


def _link_text(found: re.Match[str]) -> str:
    text, target = found.group(1), found.group(2)
    if not target.startswith(("http://", "https://")) or target == text:
        return text or target
    return f"{text} ({target})"


def _reference_text(
    labels: Collection[str], sources: list[str]
) -> Callable[[re.Match[str]], str]:
    def text_of(found: re.Match[str]) -> str:
        text, label = found.group(1), found.group(2)
        written = _HELD.sub(lambda held: sources[int(held.group(1))], label or text)
        return text if normalised_label(written) in labels else found.group(0)

    return text_of
