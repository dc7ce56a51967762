"""Questions -> answers: ranked verbatim citations, or a plain decline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from retrieval.corpus import Passage
from retrieval.index import BM25Index

_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'-]+)")
_NUMBER = re.compile(r"\d")
_PRONOUN_START = re.compile(
    r"^[\"'“‘]?(?:he|she|it|they|this|that|these|those|his|her|its|their|him|them)\b", re.I
)
_QUESTION_WORD = re.compile(r"\b(when|what year|how (?:many|much|far|long|old)|who|whom)\b", re.I)


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from a document with its locator."""

    quote: str
    source: str
    section: str | None
    paragraph: int
    score: float
    passage_id: int
    weak: bool = False


@dataclass(frozen=True)
class Answer:
    """What the documents say about a question."""

    question: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    missing_terms: tuple[str, ...] = ()
    reason: str | None = None
    extra: dict[str, float] = field(default_factory=dict, compare=False)


class Answerer:
    """Ranks sentence passages for a question and decides whether they answer it."""

    def __init__(self, *, index: BM25Index, paragraph_weight: float = 0.5) -> None:
        self.index = index
        self.paragraph_weight = paragraph_weight

    def answer(self, question: str, *, k: int = 3, context: str | None = None) -> Answer:
        """Answer ``question``; ``context`` (an earlier turn) is weaker query evidence."""
        analyzer = self.index.analyzer
        terms = analyzer.question_terms(question)
        if not terms:
            return Answer(question, False, reason="The question has no words to look up.")
        vocabulary = self.index.vocabulary
        missing = tuple(dict.fromkeys(self._surface_missing(question, terms, vocabulary)))
        scores = self.index.scores(terms)
        if context:
            context_terms = [t for t in analyzer.question_terms(context) if t not in terms]
            if context_terms:
                scores = scores + 0.3 * self.index.scores(context_terms)
        ranked = self._rank(scores, question)
        if len(ranked) == 0 or scores.max() <= 0:
            return Answer(question, False, missing_terms=missing,
                          reason="The documents do not mention these words.")
        answered = self._answers(question, terms, missing)
        citations = tuple(
            self._citation(int(i), float(ranked_score), weak=not answered)
            for i, ranked_score in ranked[:k]
        )
        return Answer(question, answered, citations, missing, None if answered else
                      "The documents do not seem to answer this.")

    def _surface_missing(self, question: str, terms: list[str], vocab: frozenset[str]) -> list[str]:
        analyzer = self.index.analyzer
        stop = analyzer.stopwords
        return [
            w for w in analyzer.words(question, limit=True)
            if w not in stop and analyzer.stem(w) not in vocab
        ]

    def _answers(self, question: str, terms: list[str], missing: tuple[str, ...]) -> bool:
        if not missing:
            return True
        index = self.index
        present = [t for t in terms if t in index.vocabulary]
        if not present:
            return False
        names = {m.group(1).casefold() for m in _CAPITALISED.finditer(question[:4000])}
        if any(m in names for m in missing):
            return False
        unseen_weight = max((index.idf(t) for t in index.vocabulary), default=1.0)
        matched = sum(index.idf(t) for t in present)
        total = matched + unseen_weight * len([t for t in terms if t not in index.vocabulary])
        return matched / total >= 0.5 if total > 0 else False

    def _rank(self, scores: np.ndarray, question: str) -> list[tuple[int, float]]:
        corpus = self.index.corpus
        if len(scores) == 0:
            return []
        para_scores = np.zeros(corpus.paragraph_count)
        np.maximum.at(para_scores, corpus.paragraph_keys, scores)
        top = float(para_scores.max()) or 1.0
        blended = scores + self.paragraph_weight * top * (para_scores[corpus.paragraph_keys] / top)
        if _QUESTION_WORD.search(question):
            wants_number = not re.search(r"\bwho|whom\b", question, re.I)
            boost = np.zeros_like(blended)
            for i in np.flatnonzero(scores > 0):
                text = corpus.text(int(i))
                if (wants_number and _NUMBER.search(text)) or (
                    not wants_number and _CAPITALISED.search(text)
                ):
                    boost[i] = 0.1 * top
            blended = blended + boost
        order = np.argsort(-blended, kind="stable")
        return [(int(i), float(blended[i])) for i in order if scores[i] > 0 or blended[i] > 0]

    def _citation(self, passage_id: int, score: float, *, weak: bool) -> Citation:
        corpus = self.index.corpus
        passage = corpus.passage(passage_id)
        start, end = passage.start, passage.end
        if _PRONOUN_START.match(passage.text):
            previous = passage_id - 1
            if previous >= 0 and corpus.paragraph_keys[previous] == corpus.paragraph_keys[passage_id]:
                start = int(corpus.starts[previous])
        return _make_citation(passage, start, end, score, weak)


def _make_citation(passage: Passage, start: int, end: int, score: float, weak: bool) -> Citation:
    return Citation(
        quote=passage.document.text[start:end],
        source=passage.source,
        section=passage.section,
        paragraph=passage.paragraph_number,
        score=round(score, 4),
        passage_id=passage.id,
        weak=weak,
    )
