"""Titles stand for the people they name: "the chancellor" is Scholz in a text that
says "Chancellor Olaf Scholz" once and "Scholz" after that.

A question word that the documents use right before a full name (two or more
capitalised words, the first not a general English word: "Chancellor *Olaf Scholz*",
"spokesman *Dmitry Peskov*"), or before one past capitalised words of a title
("Defense Minister *Boris Pistorius*"), gets that name's last word as a related stem, as
if the related-words table had it at :data:`ALIAS_COSINE`. Read from the documents when
a question asks, in the few passages that hold the word, so any document set has its own
(of up to :data:`MAX_PASSAGES` sentences).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection

from retrieval.analysis import Analyzer, fold
from retrieval.index import BM25Index

# As close as the table's closest relatives: a title and its holder's name are the same
# person, not a similar word.
ALIAS_COSINE = 0.9
# Passages read per word: the first occurrences give a document's titles.
PASSAGES_READ = 20
NAME_WORDS_MIN = 2
# Within a document or a few, a title names one person; across a large collection "the
# president" is many people, and no alias is read.
MAX_PASSAGES = 4096
TITLE_WORDS_BETWEEN = 2
_MEMO_LIMIT = 10_000
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)


class TitleAliases:
    """``aliases(word)`` -> the stems of the last words of the names that ``word`` (a
    folded question word) stands right before in the documents, with :data:`ALIAS_COSINE`."""

    def __init__(self, index: BM25Index, general: Callable[[], Collection[str]]) -> None:
        """``general``: the stems of general English vocabulary (a name's first word is
        not one: "Minister" in "Defense Minister Boris Pistorius")."""
        self._index = index
        self._general = general
        self._memo: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def aliases(self, word: str) -> dict[str, float]:
        found = self._memo.get(word)
        if found is None:
            found = self._read(word)
            with self._lock:
                if len(self._memo) >= _MEMO_LIMIT:
                    self._memo.clear()
                self._memo[word] = found
        return found

    def _read(self, word: str) -> dict[str, float]:
        index = self._index
        analyzer = index.analyzer
        if word in analyzer.stopwords or len(index) > MAX_PASSAGES:
            return {}
        ids, _ = index.top([analyzer.stem(word)], PASSAGES_READ)
        general = self._general()
        names: dict[str, float] = {}
        for pid in ids.tolist():
            for last in _names_after(index.corpus.text(pid), word, analyzer, general):
                if last in index.vocabulary:
                    names[last] = ALIAS_COSINE
        return names


def _names_after(
    text: str, word: str, analyzer: Analyzer, general: Collection[str]
) -> list[str]:
    """The stems of the last words of the full names that follow ``word`` in ``text``,
    right after it or past up to :data:`TITLE_WORDS_BETWEEN` capitalised general words
    of a title ("*defense* Minister Boris Pistorius"; not "head *of* ...", "minister
    *met* Boris Pistorius")."""
    tokens = _TOKEN.findall(text)
    stop = analyzer.stopwords
    out = []
    for i, raw in enumerate(tokens):
        if fold(raw) != word:
            continue
        for start in range(i + 1, min(i + 2 + TITLE_WORDS_BETWEEN, len(tokens))):
            first = tokens[start]
            if not _capitalised(first) or fold(first) in stop:
                break
            if analyzer.stem(fold(first)) in general:
                continue  # a capitalised word of the title ("Minister")
            end = start
            while end + 1 < len(tokens) and _capitalised(tokens[end + 1]):
                end += 1
            if end + 1 - start >= NAME_WORDS_MIN:
                last = analyzer.terms(tokens[end])
                if last:
                    out.append(last[-1])
            break
    return out


def _capitalised(token: str) -> bool:
    """A word of a name: capitalised, not an acronym ("RT", "ZDF")."""
    return token[:1].isupper() and not token.isupper()
