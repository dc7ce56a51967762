"""One analyzer for documents and questions: tokens, folding, stopwords, Snowball stems."""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Bounds the work one question can cause, whatever its length.
MAX_ANALYZED_CHARS = 4000


def fold(text: str) -> str:
    """Case- and accent-fold; full-width and compatibility forms become plain letters."""
    text = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", text).casefold()


@cache
def english_stopwords() -> frozenset[str]:
    """The shipped English stopword list (read once per process; it never changes)."""
    raw = resources.files("retrieval").joinpath("data/stopwords-en.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")
    )


def load_snowball_stemmer() -> Callable[[str], str]:
    """nltk's English Snowball stemmer, imported without nltk's optional scipy extras.

    ``import nltk`` eagerly imports ``scipy.stats`` when scipy is installed (about 0.6 s),
    only for collocation metrics citebot never uses. Blocking scipy for the duration of
    the import keeps a cold ``citebot ask`` fast; nltk handles the ImportError itself.
    """
    blocked = "scipy" not in sys.modules and "nltk" not in sys.modules
    if blocked:
        sys.modules["scipy"] = None  # type: ignore[assignment]
    try:
        from nltk.stem.snowball import SnowballStemmer
    finally:
        if blocked:
            del sys.modules["scipy"]
    return SnowballStemmer("english", ignore_stopwords=False).stem


class Analyzer:
    """Turns text into index terms; documents and questions go through the same one.

    Stems are memoised per distinct folded word, the expensive step at scale.
    """

    def __init__(
        self,
        *,
        stopwords: frozenset[str] | None = None,
        stem: Callable[[str], str] | None = None,
        max_chars: int = MAX_ANALYZED_CHARS,
    ) -> None:
        self._stopwords = english_stopwords() if stopwords is None else stopwords
        self._stem = stem or load_snowball_stemmer()
        self._max_chars = max_chars
        self._memo: dict[str, str] = {}

    @property
    def stopwords(self) -> frozenset[str]:
        return self._stopwords

    def words(self, text: str, *, limit: bool = False) -> list[str]:
        """Folded word tokens, stopwords included."""
        if limit:
            text = text[: self._max_chars]
        return _TOKEN.findall(fold(text))

    def stem(self, word: str) -> str:
        stemmed = self._memo.get(word)
        if stemmed is None:
            stemmed = self._stem(word) if len(word) > 2 and not word.isdigit() else word
            self._memo[word] = stemmed
        return stemmed

    def terms(self, text: str, *, limit: bool = False) -> list[str]:
        """Index terms: folded words without stopwords, stemmed."""
        stop = self._stopwords
        return [self.stem(w) for w in self.words(text, limit=limit) if w not in stop]

    def question_terms(self, question: str) -> list[str]:
        """Terms of a question; its length is capped so any input stays cheap."""
        return self.terms(question, limit=True)
