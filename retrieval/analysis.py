"""One analyzer for documents and questions: tokens, folding, stopwords, Snowball stems."""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A capitalised word that does not open a sentence: likely a name.
NAME_PATTERN = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][\w'’-]+)")
# Bounds the work one question can cause, whatever its length.
MAX_ANALYZED_CHARS = 4000
# A question's courtesy ("hey, ... please?", "thanks!"): never what it asks about, though
# documents use the words too ("please report ...").
COURTESY_WORDS = frozenset({"please", "pls", "plz", "hi", "hello", "hey", "thanks", "thank",
                            "thx", "cheers", "ok", "okay"})


_CUT_WORD = re.compile(r"[^\W_]+\Z", re.UNICODE)


def clip(text: str, limit: int = MAX_ANALYZED_CHARS) -> str:
    """The first ``limit`` characters of ``text``, less a word the cut splits (a cut
    "recordi" would be looked up, and reported missing, as a word of its own)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    return _CUT_WORD.sub("", head) if _TOKEN.match(text, limit) else head


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
    """nltk's English Snowball stemmer, imported without the rest of nltk.

    ``import nltk`` runs nltk's package ``__init__``, which imports most of nltk (and
    ``scipy.stats`` when scipy is installed): 0.3-0.9 s, for a stemmer that needs none
    of it. When nltk is not imported yet, a bare placeholder package (and an empty
    ``nltk.corpus``, used by the stemmer only for its optional stopword mode) stand in
    for the duration of the import, and are removed afterwards so that a later
    ``import nltk`` is the real one. Any failure falls back to the ordinary import.
    """
    if "nltk" not in sys.modules:
        try:
            return _load_snowball_bare()
        except Exception:  # pragma: no cover - depends on nltk's layout
            for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
                del sys.modules[name]
    blocked = "scipy" not in sys.modules
    if blocked:
        sys.modules["scipy"] = None  # type: ignore[assignment]
    try:
        from nltk.stem.snowball import SnowballStemmer
    finally:
        if blocked:
            del sys.modules["scipy"]
    return SnowballStemmer("english", ignore_stopwords=False).stem


def _load_snowball_bare() -> Callable[[str], str]:
    import importlib
    import importlib.util
    import types

    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nltk is not installed")
    package = types.ModuleType("nltk")
    package.__path__ = list(spec.submodule_search_locations)
    # nltk.stem's own __init__ imports every stemmer, and the RSLP one imports nltk.data
    # (urllib, grammar, logic: ~70 ms); the snowball module needs only porter, api, util.
    stem_package = types.ModuleType("nltk.stem")
    stem_package.__path__ = [os.path.join(p, "stem") for p in package.__path__]
    corpus = types.ModuleType("nltk.corpus")
    corpus.stopwords = None  # type: ignore[attr-defined]
    sys.modules["nltk"] = package
    sys.modules["nltk.stem"] = stem_package
    sys.modules["nltk.corpus"] = corpus
    try:
        snowball = importlib.import_module("nltk.stem.snowball")
    finally:
        # Forget every nltk module loaded under the placeholder; the stemmer object
        # keeps what it needs, and a later ``import nltk`` starts from scratch.
        for name in [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]:
            del sys.modules[name]
    stem: Callable[[str], str] = snowball.SnowballStemmer("english", ignore_stopwords=False).stem
    return stem


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
            text = clip(text, self._max_chars)
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
