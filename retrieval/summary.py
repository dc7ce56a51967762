"""Extractive summaries: verbatim sentences with their locators, in document order.

Without a topic, a document is summarised by its lede and the most central sentence of
each section (TextRank over BM25 sentence similarity); past the length cap the most
central sections win. With a topic, the sentences most relevant to it (BM25, helped by
section headings that name it) and most central among themselves. A topic the documents
do not cover gets a plain "not covered" and no citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from retrieval.analysis import NAME_PATTERN
from retrieval.answer import Citation
from retrieval.centrality import SentenceGraph
from retrieval.corpus import Corpus
from retrieval.documents import Document
from retrieval.index import BM25Index

MAX_DOCUMENTS = 10  # summaries of more documents than this list the rest by title
# Sentences that lean on the one before read badly on their own.
_LEANING = re.compile(
    r"^[\"'“‘]?(?:he|she|it|they|this|that|these|those|his|her|its|their|but|and|so|also|"
    r"however|yet|still|then|here|there)\b",
    re.IGNORECASE,
)
_MIN_WORDS = 6
# Characters of code and commands, rare in prose: a sentence with more than
# _CODE_CHARS_PER_WORD of them per word is code, which sums nothing up.
_CODE_CHARS = frozenset("$=<>{}[]|\\;/_*#~^`")
_CODE_CHARS_PER_WORD = 0.25
# General words that name an aspect of a topic rather than the topic itself ("Russia's
# reaction", "the background"): a document need not contain them to cover the topic.
_FACETS = (
    "reaction reactions response responses react reacted view views position positions stance "
    "role roles impact impacts effect effects consequence consequences implication implications "
    "background context overview summary details detail aftermath outcome outcomes story "
    "side part involvement opinion opinions take thoughts comments"
)
FACET_WORDS = frozenset(_FACETS.split())


@dataclass(frozen=True)
class Summary:
    """A summary: a lead line and verbatim citations in document order."""

    topic: str | None
    text: str
    citations: tuple[Citation, ...]
    covered: bool = True


class Summarizer:
    """Summaries of an indexed corpus; whole-document summaries are computed once."""

    def __init__(self, *, index: BM25Index, max_sentences: int = 7) -> None:
        if max_sentences < 1:
            raise ValueError("max_sentences must be at least 1")
        self.index = index
        self.corpus: Corpus = index.corpus
        self.max_sentences = max_sentences
        self._graphs: dict[int, SentenceGraph] = {}
        self._overviews: dict[int, tuple[int, ...]] = {}

    # -- public ---------------------------------------------------------------------------

    def summarize(self, topic: str | None = None) -> Summary:
        """Summarise every document (one summary each), the one ``topic`` names, or a topic."""
        topic = (topic or "").strip() or None
        documents = self.corpus.documents
        if topic is not None:
            named = self._named_document(topic)
            if named is None:
                return self._topic_summary(topic)
            chosen = [named]
        else:
            chosen = list(range(min(len(documents), MAX_DOCUMENTS)))
        ids: list[int] = []
        for d in chosen:
            ids.extend(self._overview(d))
        titles = [documents[d].title for d in chosen]
        if len(titles) == 1:
            text = f"Summary of {titles[0]}:"
        else:
            text = f"Summaries of {len(titles)} documents:"
            if len(documents) > len(chosen):
                text = (
                    f"Summaries of the first {len(titles)} of {len(documents)} documents "
                    "(name one to summarise it):"
                )
        return Summary(topic, text, self._citations(ids, self._centrality_scores(ids)))

    # -- whole documents ---------------------------------------------------------------------

    def _document_ids(self, d: int) -> range:
        doc_ids = self.corpus.doc_ids
        lo = int(np.searchsorted(doc_ids, d, side="left"))
        hi = int(np.searchsorted(doc_ids, d, side="right"))
        return range(lo, hi)

    def _graph(self, d: int) -> SentenceGraph:
        graph = self._graphs.get(d)
        if graph is None:
            graph = SentenceGraph(index=self.index, ids=self._document_ids(d))
            self._graphs[d] = graph
        return graph

    def _overview(self, d: int) -> tuple[int, ...]:
        cached = self._overviews.get(d)
        if cached is None:
            cached = self._compute_overview(d)
            self._overviews[d] = cached
        return cached

    def _compute_overview(self, d: int) -> tuple[int, ...]:
        graph = self._graph(d)
        ids = graph.ids
        if len(ids) == 0:
            return ()
        document = self.corpus.documents[d]
        sections = self._sections(d, ids)
        lede = ids[0]
        picks: list[tuple[float, int]] = []  # (doc-wide centrality, passage id)
        for section, members in sections.items():
            if section is None and lede in members:
                continue  # the lede speaks for the text before the first heading
            # Under a heading, the lede is already chosen: the section's next best joins it.
            best = self._most_central(graph, [i for i in members if i != lede], document)
            if best is not None:
                # Past the cap, sections whose best reads as prose win over lists of
                # names, addresses or commands.
                picks.append((graph.rank_of(best) * self._readability(best), best))
        if not sections or (len(sections) == 1 and None in sections):
            # No headings: the most central sentences, spread over paragraphs.
            picks = [(graph.rank_of(i), i) for i in self._spread(graph, ids, lede, document)]
        room = self.max_sentences - 1
        picks.sort(key=lambda p: -p[0])
        chosen = sorted({lede, *(i for _, i in picks[:room])})
        return tuple(chosen)

    def _sections(self, d: int, ids: np.ndarray) -> dict[str | None, list[int]]:
        sections: dict[str | None, list[int]] = {}
        for i in ids.tolist():
            sections.setdefault(self.corpus.passage(i).section, []).append(i)
        return sections

    def _most_central(
        self, graph: SentenceGraph, members: list[int], document: Document
    ) -> int | None:
        local = graph.local_ranks(members)
        best, best_score = None, -1.0
        for position, (i, score) in enumerate(zip(members, local, strict=True)):
            # Sections tend to open with their point: a mild preference for early sentences.
            prior = 1.0 / (1.0 + 0.1 * position)
            adjusted = (score + 0.5 * graph.rank_of(i)) * self._readability(i) * prior
            if adjusted > best_score:
                best, best_score = i, adjusted
        return best

    def _spread(
        self, graph: SentenceGraph, ids: np.ndarray, lede: int, document: Document
    ) -> list[int]:
        keys = self.corpus.paragraph_keys
        order = sorted(ids.tolist(), key=lambda i: -graph.rank_of(i) * self._readability(i))
        used = {int(keys[lede])}
        out: list[int] = []
        for i in order:
            if i == lede or int(keys[i]) in used:
                continue
            used.add(int(keys[i]))
            out.append(i)
            if len(out) >= self.max_sentences - 1:
                break
        return out

    def _readability(self, passage_id: int) -> float:
        """Down-weight fragments, sentences that lean on the one before, and code."""
        text = self.corpus.text(passage_id)
        factor = 1.0
        if _LEANING.match(text):
            factor *= 0.6
        if len(text.split()) < _MIN_WORDS:
            factor *= 0.5
        if text.rstrip().endswith(("?", ":")):
            factor *= 0.5
        words = len(text.split()) or 1
        if sum(ch in _CODE_CHARS for ch in text) > _CODE_CHARS_PER_WORD * words:
            factor *= 0.2
        return factor

    # -- topics ------------------------------------------------------------------------------

    def _named_document(self, topic: str) -> int | None:
        wanted = _key(topic)
        for d, document in enumerate(self.corpus.documents):
            names = {_key(document.title), _key(document.path.rsplit("/", 1)[-1].rsplit(".", 1)[0])}
            if wanted in names:
                return d
        return None

    def _topic_summary(self, topic: str) -> Summary:
        analyzer = self.index.analyzer
        facets = {analyzer.stem(w) for w in FACET_WORDS}
        all_terms = list(dict.fromkeys(analyzer.question_terms(topic)))
        terms = [t for t in all_terms if t not in facets or t in self.index.vocabulary]
        if not terms:
            terms = all_terms
        known = [t for t in terms if t in self.index.vocabulary]
        if not known or not self._covers(topic, terms, known):
            return Summary(topic, f'The documents don\'t cover "{topic}".', (), covered=False)
        relevance = self._relevance(known)
        if relevance.max() <= 0:
            return Summary(topic, f'The documents don\'t cover "{topic}".', (), covered=False)
        ids = self._topic_sentences(relevance)
        return Summary(
            topic, f'On "{topic}":', self._citations(ids, relevance[ids].tolist())
        )

    def _covers(self, topic: str, terms: list[str], known: list[str]) -> bool:
        analyzer = self.index.analyzer
        names = {m.group(1).casefold() for m in NAME_PATTERN.finditer(topic)}
        stop, vocabulary = analyzer.stopwords, self.index.vocabulary
        for word in analyzer.words(topic, limit=True):
            if word in names and word not in stop and analyzer.stem(word) not in vocabulary:
                return False  # a name the documents never mention
        unseen = max((self.index.idf(t) for t in vocabulary), default=1.0)
        matched = sum(self.index.idf(t) for t in known)
        total = matched + unseen * sum(1 for t in terms if t not in vocabulary)
        return total > 0 and matched / total >= 0.5

    def _relevance(self, terms: list[str]) -> np.ndarray:
        """BM25 per sentence, plus its paragraph's best and its section heading's match."""
        corpus = self.corpus
        scores = self.index.scores(terms)
        paragraph_best = np.zeros(corpus.paragraph_count)
        np.maximum.at(paragraph_best, corpus.paragraph_keys, scores)
        top = float(scores.max()) or 1.0
        heading = 2.0 * self._heading_scores(terms) * top
        return scores + 0.3 * paragraph_best[corpus.paragraph_keys] + heading

    def _heading_scores(self, terms: list[str]) -> np.ndarray:
        """Per passage: the idf share of topic terms that its section heading contains."""
        analyzer = self.index.analyzer
        weights = {t: max(self.index.idf(t), 1e-6) for t in terms}
        total = sum(weights.values())
        out = np.zeros(len(self.corpus))
        for d in range(len(self.corpus.documents)):
            for i in self._document_ids(d):
                section = self.corpus.passage(i).section
                if section:
                    heading_terms = set(analyzer.terms(section))
                    out[i] = sum(w for t, w in weights.items() if t in heading_terms) / total
        return out

    def _topic_sentences(self, relevance: np.ndarray) -> list[int]:
        best = float(relevance.max())
        candidates = [int(i) for i in np.flatnonzero(relevance >= 0.5 * best)]
        candidates.sort(key=lambda i: -relevance[i] * self._readability(i))
        return sorted(candidates[: self.max_sentences])

    # -- output ------------------------------------------------------------------------------

    def _centrality_scores(self, ids: list[int]) -> list[float]:
        out = []
        for i in ids:
            graph = self._graph(int(self.corpus.doc_ids[i]))
            out.append(graph.rank_of(i))
        return out

    def _citations(self, ids: list[int], scores: list[float]) -> tuple[Citation, ...]:
        out = []
        for i, score in zip(ids, scores, strict=True):
            passage = self.corpus.passage(i)
            out.append(
                Citation(
                    quote=passage.text,
                    source=passage.source,
                    section=passage.section,
                    paragraph=passage.paragraph_number,
                    score=round(float(score), 4),
                    passage_id=passage.id,
                )
            )
        return tuple(out)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()
