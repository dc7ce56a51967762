"""Questions -> answers: ranked verbatim citations, or a plain decline.

Pipeline per question: analyse it (capped), take the best BM25 sentences plus the
neighbours of the best ten, compute reranking features on that candidate set only,
score them with the shipped boosted-tree model, then decide whether the documents
answer (:mod:`retrieval.abstain`) and build located quotes (:mod:`retrieval.quotes`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from retrieval.abstain import (
    NOT_ANSWERED,
    RELATED_MIN_COSINE,
    Abstainer,
    Verdict,
    general_stems,
)
from retrieval.features import (
    ParagraphBounds,
    PassageCache,
    PassageInfo,
    QuestionProfile,
    context_window,
    expand_candidates,
    question_profile,
)
from retrieval.features_compute import FEATURE_NAMES, feature_matrix
from retrieval.index import BM25Index
from retrieval.quotes import quote_span
from retrieval.related import RELATED_FEATURES, Expansion, RelatedWords, expand
from retrieval.rerank import TreeModel, load_model
from retrieval.routing import DocumentRouter, routes
from retrieval.sections import Coverage, SectionMap
from retrieval.semantic import SEMANTIC_FEATURES, semantic_columns
from retrieval.titles import TitleAliases
from retrieval.window import WindowBuilder

if TYPE_CHECKING:
    from retrieval.semantic import SemanticScorer, ShiftedScorer

CANDIDATES = 50
# A further citation is shown to a reader only when the model finds it at least this
# likely relative to the best one (score gap of ln 4 ~ a quarter of the top's odds); the
# answer still lists the k best for programs (``ask --json``: hit@3, MRR).
FURTHER_CITATION_GAP = math.log(4.0)
# Weight of a section heading's evidence (heading_evidence, a share in [0, ~1.5]) added
# to the model score. SQuAD has no headings, so this is not learned; chosen on the
# article dev questions (benchmarks/RESULTS.md).
HEADING_WEIGHT = 4.0
# Up to this many passages, one dense BM25 pass (index.scores) is cheaper than the
# impact index's top-k search plus a lookup of the window's scores; the values are the
# same (the same additions in the same order).
DENSE_PASSAGES = 4096
# With sentence vectors, only this many candidates, the lexical model's best, are encoded
# and ranked by the semantic model; the rest follow in the lexical order. Encoding is the
# cost (~0.4 ms per word piece): this bounds a new question's work on any document set.
SEMANTIC_SHORTLIST = 15
# With sentence vectors, a document of at most this many passages also offers the
# NEAREST_CANDIDATES passages nearest the question in meaning, shared words or not, to
# the semantic model: all its passages are then encoded on its first question (kept in
# the vector store; ~7 s for 400 long sentences, benchmarks/semantic_cost.py).
NEAREST_PASSAGES = 500
NEAREST_CANDIDATES = 5


_COV, _COV_WITH_PREV = FEATURE_NAMES.index("cov"), FEATURE_NAMES.index("cov_with_prev")


# The semantic model's cosine column (the first of SEMANTIC_FEATURES, after the rest).
_COSINE = -len(SEMANTIC_FEATURES)


def feature_names(*, semantic: bool = False) -> tuple[str, ...]:
    """The reranker's input columns, in order."""
    return FEATURE_NAMES + RELATED_FEATURES + (SEMANTIC_FEATURES if semantic else ())


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
    """What the documents say about a question.

    ``citations``: the k best quotes, best first. ``shown``: how many of them (the first)
    a reader is shown, the best and those the model finds close to it; None: all. A
    reader is not shown a quote twice: of two that hold one another (a fragment's quote
    takes in the sentence before it), the better one."""

    question: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    missing_terms: tuple[str, ...] = ()
    reason: str | None = None
    extra: dict[str, float] = field(default_factory=dict, compare=False)
    shown: int | None = None

    @property
    def shown_citations(self) -> tuple[Citation, ...]:
        shown: list[Citation] = []
        for c in self.citations if self.shown is None else self.citations[: self.shown]:
            if not any(c.source == s.source and (c.quote in s.quote or s.quote in c.quote)
                       for s in shown):
                shown.append(c)
        return tuple(shown)


@dataclass(frozen=True)
class Candidates:
    """A question's candidate sentences with their features (best BM25 first)."""

    profile: QuestionProfile
    ids: np.ndarray
    bm25: np.ndarray
    features: np.ndarray
    heading: np.ndarray | None = None  # share of the question's weight in the heading
    # With sentence vectors and a shortlist: which candidates have their cosine (the others
    # hold 0 there), and the lexical model's scores that chose them.
    shortlisted: np.ndarray | None = None
    lexical: np.ndarray | None = None


@dataclass(frozen=True)
class Ranking:
    profile: QuestionProfile
    ids: np.ndarray  # best first
    scores: np.ndarray
    top_cosine: float | None = None  # the question's and the best's vectors, if known
    # A folder ranked by document: the best passage's document's answerer and ranking.
    document: tuple[Answerer, Ranking] | None = None


def heading_evidence(
    profile: QuestionProfile,
    cands: np.ndarray,
    sections: SectionMap,
    stems_at: Callable[[int], Collection[str]],
    window: np.ndarray,
    covered: np.ndarray | None = None,
    related: tuple[dict[str, float], ...] | None = None,
) -> np.ndarray:
    """Per candidate, the share of the question's weight that its section heading adds:
    question terms in the heading but not in the sentence (a term the heading meets only
    through a ``related`` stem counts by the cosine), plus the question's wh-word
    when the heading opens with the same one ("How did ...?" under "How was ...?"),
    fading with the sentence's place in its section. ``stems_at(i)``: the distinct stems
    of the window's ``i``-th passage.

    ``covered``: the sections whose heading holds a question term (the coverage's), so
    that the other sections, which add nothing, are skipped without looking at them."""
    if not len(sections):
        return np.zeros(len(cands))
    weights = profile.weights
    total = float(weights.sum()) or 1.0
    wh_weight = float(weights.mean()) if len(weights) else 0.0
    at = np.searchsorted(window, cands).tolist()
    pairs = list(zip(profile.terms, weights.tolist(), strict=True))
    section_of = sections.section_of[cands]
    if covered is not None and len(covered):
        # ``covered`` is sorted: a binary search per candidate.
        near = np.minimum(np.searchsorted(covered, section_of), len(covered) - 1)
        keep = (covered[near] == section_of) | ~sections.plain[section_of]
        section_of = np.where(keep, section_of, -1)
    sids = section_of.tolist()
    place = (cands - sections.starts[np.maximum(section_of, 0)]).tolist()
    gains = [0.0] * len(sids)
    # Per section: (term, weight it adds) and the wh-word bonus.
    offers: dict[int, tuple[list[tuple[str, float]], float]] = {}
    for n, (sid, pos) in enumerate(zip(sids, at, strict=True)):
        if sid < 0:
            continue
        found = offers.get(sid)
        if found is None:
            head = sections.terms(sid)  # (first word, *stems)
            bonus = wh_weight if profile.wh and head[0] == profile.wh else 0.0
            found = offers[sid] = (_heading_offer(pairs, head[1:], related), bonus)
        offer, bonus = found
        if not offer:
            continue
        own = stems_at(pos)
        gain = sum(w for t, w in offer if t not in own)
        if gain > 0:
            gain += bonus
        # A section answers its heading first: the evidence fades down the section.
        gains[n] = gain / total / (1.0 + 0.25 * place[n])
    return np.array(gains)


def _heading_offer(
    pairs: list[tuple[str, float]],
    heading: Collection[str],
    related: tuple[dict[str, float], ...] | None,
) -> list[tuple[str, float]]:
    """The question terms a heading holds, with their weights, and those it meets through
    a related stem, with their weights times the best such stem's cosine."""
    offer = [(t, w) for t, w in pairs if t in heading]
    if related:
        for (t, w), near in zip(pairs, related, strict=True):
            if near and t not in heading:
                cosine = max((c for s, c in near.items() if s in heading), default=0.0)
                if cosine > 0.0:
                    offer.append((t, w * cosine))
    return offer


def _stem_counts(infos: list[PassageInfo]) -> Callable[[int], Collection[str]]:
    """``stems_at`` for :func:`heading_evidence` from per-passage analyses."""
    return lambda i: infos[i].stem_counts


def _add(ids: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``ids`` followed by those of ``more`` that it lacks."""
    have = set(ids.tolist())
    extra = [i for i in more.tolist() if i not in have]
    return np.concatenate([ids, np.array(extra, dtype=np.int64)]) if extra else ids


def _top_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` best scores, best first, lower id first on ties."""
    return np.argsort(-scores, kind="stable")[:k].astype(np.int64)


def _best_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the ``k`` best positive scores, best first, lower id first on ties
    (the order of :meth:`BM25Index.top`)."""
    positive = np.flatnonzero(scores > 0)
    order = np.argsort(-scores[positive], kind="stable")[:k]
    return positive[order].astype(np.int64)


class Answerer:
    """Ranks sentence passages for a question and decides whether they answer it."""

    def __init__(
        self,
        *,
        index: BM25Index,
        reranker: TreeModel | None = None,
        candidates: int = CANDIDATES,
        use_headings: bool = True,
        token_windows: bool | None = None,
        semantic: SemanticScorer | ShiftedScorer | None = None,
        related: RelatedWords | None = None,
        prefilter: TreeModel | None = None,
        shortlist: int | None = SEMANTIC_SHORTLIST,
        nearest: int = NEAREST_CANDIDATES,
        route: bool | None = None,
    ) -> None:
        """``token_windows``: analyse windows as token ids with numpy features
        (:mod:`retrieval.window`; the same values), by default for corpora of more than
        :data:`DENSE_PASSAGES` passages: cheaper for long windows, while per-passage
        analyses (kept and reused) are cheaper for a small corpus's short ones.

        ``semantic``: adds the sentence-vector features (the cosine, the word pieces'
        match); the reranker must then be one trained with them (the shipped semantic
        model by default). Only the ``shortlist`` best candidates by ``prefilter``, a
        model without them (the shipped lexical one by default), are encoded and
        reranked; ``None``: all. In a document of at most :data:`NEAREST_PASSAGES`
        passages the ``nearest`` in meaning to the question are candidates too, and in the
        shortlist, whether or not they share its words (0: none).

        ``related``: the related-words table (the shipped one, read on first use, by
        default; pass one to share it between answerers).

        ``route``: rank a folder of several documents document by document
        (:mod:`retrieval.routing`); by default when its documents are on distinct topics
        and it has at most :data:`~retrieval.routing.MAX_ROUTED_PASSAGES` passages."""
        self.index = index
        self.semantic = semantic
        self.related = related if related is not None else RelatedWords()
        self.titles = TitleAliases(index, general_stems)
        self.feature_names = feature_names(semantic=semantic is not None)
        if reranker is None:
            reranker = load_model(semantic=semantic is not None)
        self.reranker = reranker
        if self.reranker.feature_names != self.feature_names:
            raise ValueError("the reranker model was trained on different features")
        self.prefilter: TreeModel | None = None
        self.shortlist = shortlist
        if nearest < 0:
            raise ValueError("nearest must be 0 or more")
        self.nearest = nearest
        if semantic is not None and shortlist is not None:
            if shortlist < 1:
                raise ValueError("shortlist must be at least 1 (or None: no shortlist)")
            self.prefilter = prefilter if prefilter is not None else load_model()
            if self.prefilter.feature_names != feature_names():
                raise ValueError("the prefilter model must be one without sentence vectors")
        self.n_candidates = candidates
        self._cache = PassageCache(
            analyzer=index.analyzer, text_of=index.corpus.text, terms_of=index.matrix.terms,
            texts_of=index.corpus.texts_of,
        )
        if token_windows is None:
            token_windows = len(index) > DENSE_PASSAGES
        self._windows = None if not token_windows else WindowBuilder(
            analyzer=index.analyzer, texts_of=index.corpus.texts_of,
            terms_of=index.matrix.terms, matrix=index.matrix,
        )
        self.use_headings = use_headings
        self.abstainer = Abstainer(
            index=index,
            cache=self._cache,
            heading_of=self.heading_of if use_headings else None,
            in_headings=self.in_headings if use_headings else None,
            stems_of=self._windows.stems if self._windows is not None else None,
            related=self.related.related,
            aliases=self.titles.aliases,
        )
        self._sections: SectionMap | None = None
        self._bounds: ParagraphBounds | None = None  # small corpora only
        self.router: DocumentRouter | None = None
        if route or (route is None and routes(index)):
            self.router = DocumentRouter(index=index, answerer_for=self._document_answerer)

    def _document_answerer(self, index: BM25Index, start: int) -> Answerer:
        """An answerer like this one for one document's own ``index`` (its passages are
        this one's from ``start`` on)."""
        return Answerer(
            index=index, reranker=self.reranker, candidates=self.n_candidates,
            use_headings=self.use_headings,
            semantic=self.semantic.shifted(start) if self.semantic is not None else None,
            related=self.related, prefilter=self.prefilter, shortlist=self.shortlist,
            nearest=self.nearest, route=False,
        )

    @property
    def sections(self) -> SectionMap:
        """The corpus's sections, mapped on first use."""
        if self._sections is None:
            self._sections = SectionMap(
                corpus=self.index.corpus,
                analyzer=self.index.analyzer,
                analyse=self._cache.analyse,
                heading_terms=self._cache.heading,
            )
        return self._sections

    def _paragraph_bounds(self) -> ParagraphBounds:
        if self._bounds is None:
            self._bounds = ParagraphBounds(self.index.corpus.paragraph_keys)
        return self._bounds

    def in_headings(self, stem: str) -> bool:
        return self.sections.has_term(stem)

    def heading_of(self, passage_id: int) -> tuple[str, ...] | None:
        """The stems of the heading above ``passage_id`` (None under no heading)."""
        sections = self.sections
        sid = int(sections.section_of[passage_id]) if len(sections) else -1
        return sections.terms(sid)[1:] if sid >= 0 else None

    def candidates(self, question: str, *, context: str | None = None) -> Candidates:
        index = self.index
        profile = question_profile(question, index.analyzer, index.idf, context=context)
        terms = list(profile.terms)
        expansion = expand(profile, self.related, index.analyzer.stem, index.vocabulary,
                           self.sections.vocabulary if self.use_headings else (),
                           self.titles.aliases)
        dense: np.ndarray | None = None
        if len(index) <= DENSE_PASSAGES:
            # A small corpus: one dense pass gives the top and every window score.
            dense = index.scores(terms)
            ids = _best_ids(dense, self.n_candidates)
        else:
            ids, _ = index.top(terms, self.n_candidates)
        nearest: np.ndarray | None = None
        if self.semantic is not None and self.nearest and 0 < len(index) <= NEAREST_PASSAGES:
            # Only picks them: the candidates' cosines are computed below on their own (a
            # few dot products), as the shipped model learned them; a product over all
            # passages can differ in the last bits.
            everyone = np.arange(len(index), dtype=np.int64)
            nearest = _top_ids(self.semantic.cosines(question, everyone), self.nearest)
            ids = _add(ids, nearest)
        sections = self.sections if self.use_headings else None
        coverage: Coverage | None = None
        if sections is not None and len(sections):
            coverage = sections.coverage(terms, profile.weights, expansion.in_headings)
            named = sections.candidates(coverage)
            if len(named):
                ids = _add(ids, named)
        if len(ids) == 0:
            # No word of the question is in the documents: look up the stems of close
            # meaning that the abstainer would take for them ("talk": "conversation").
            close = list(dict.fromkeys(s for near in expansion.related for s, c in near.items()
                                       if c >= RELATED_MIN_COSINE))
            if close:
                ids, _ = index.top(close, self.n_candidates)
        if len(ids) == 0:
            empty = np.zeros(0, dtype=np.int64)
            features = np.zeros((0, len(self.feature_names)))
            return Candidates(profile, empty, np.zeros(0), features)
        keys = index.corpus.paragraph_keys
        if dense is not None:
            bounds = self._paragraph_bounds()
            cands = bounds.expand(ids)
            window = bounds.window(cands)
        else:
            cands = expand_candidates(ids, keys)
            window = context_window(cands, keys)
        window_scores = dense[window] if dense is not None else index.scores_for(terms, window)
        stems_at: Callable[[int], Collection[str]]
        if self._windows is not None:
            win = self._windows.window(window.tolist())
            features = feature_matrix(profile, cands, window, window_scores, win, keys, index.idf)
            stems_at = win.stem_set
        else:
            infos = self._cache.get_many(window.tolist())
            features = feature_matrix(profile, cands, window, window_scores, infos, keys,
                                      index.idf)
            stems_at = _stem_counts(infos)
        related_at = stems_at
        if self._windows is not None:
            # Only the question's terms and their related stems are looked for.
            related_at = win.holding([*profile.terms, *expansion.stems()]).__getitem__
        related = self._related_features(profile, expansion, cands, window, related_at,
                                         features)
        features = np.concatenate([features, related], axis=1)
        heading = None
        if coverage is not None and len(coverage) and sections is not None:
            heading = heading_evidence(profile, cands, sections, stems_at, window,
                                       coverage.sections, expansion.in_headings)
        if self.semantic is None:
            return Candidates(profile, cands, features[:, 0], features, heading)
        shortlisted = lexical = None
        if self.prefilter is None:
            cosines = self.semantic.cosines(question, cands)
            piece_match = self.semantic.piece_match(question, cands)
        else:
            lexical = self._with_heading(self.prefilter.predict(features), heading)
            shortlisted = np.zeros(len(cands), dtype=bool)
            shortlisted[np.argsort(-lexical, kind="stable")[: self.shortlist]] = True
            if nearest is not None:
                shortlisted[np.isin(cands, nearest)] = True
            cosines = np.zeros(len(cands))
            cosines[shortlisted] = self.semantic.cosines(question, cands[shortlisted])
            piece_match = np.zeros(len(cands))
            piece_match[shortlisted] = self.semantic.piece_match(question, cands[shortlisted])
        columns = semantic_columns(cosines, piece_match, shortlisted)
        features = np.concatenate([features, columns], axis=1)
        return Candidates(profile, cands, features[:, 0], features, heading, shortlisted,
                          lexical)

    @staticmethod
    def _with_heading(scores: np.ndarray, heading: np.ndarray | None) -> np.ndarray:
        return scores if heading is None else scores + HEADING_WEIGHT * heading

    def _related_features(
        self,
        profile: QuestionProfile,
        expansion: Expansion,
        cands: np.ndarray,
        window: np.ndarray,
        stems_at: Callable[[int], Collection[str]],
        features: np.ndarray,
    ) -> np.ndarray:
        """The :data:`RELATED_FEATURES` columns of the candidates (the window holds each
        one's previous sentence when its paragraph has one), from their soft coverage
        and their ``features``' own coverage."""
        window_list = window.tolist()
        keys = self.index.corpus.paragraph_keys[window].tolist()
        stems: list[Collection[str]] = []
        previous: list[Collection[str] | None] = []
        for c, at in zip(cands.tolist(), np.searchsorted(window, cands).tolist(), strict=True):
            stems.append(stems_at(at))
            same = at > 0 and window_list[at - 1] == c - 1 and keys[at - 1] == keys[at]
            previous.append(stems_at(at - 1) if same else None)
        soft = expansion.soft_coverage(profile, stems, previous)
        own = features[:, [_COV, _COV_WITH_PREV]]
        return np.column_stack([soft[:, 0], own[:, 0] + soft[:, 0], own[:, 1] + soft[:, 1]])

    def rank(self, question: str, *, context: str | None = None) -> Ranking:
        if self.router is not None:
            index = self.index
            profile = question_profile(question, index.analyzer, index.idf, context=context)
            # Words of an earlier turn weigh less in choosing documents too.
            idf = np.array([index.idf(t) for t in profile.terms])
            factors = (profile.weights / np.maximum(idf, 0.05)).tolist()
            routed = self.router.rank(question, profile.terms, factors=factors,
                                      context=context)
            if routed is not None:
                return Ranking(profile, routed.ids, routed.scores, routed.ranking.top_cosine,
                               (routed.answerer, routed.ranking))
        found = self.candidates(question, context=context)
        if len(found.ids) == 0:
            return Ranking(found.profile, found.ids, np.zeros(0))
        if found.shortlisted is None or found.lexical is None:
            scores = self._with_heading(self.reranker.predict(found.features), found.heading)
        else:
            scores = self._shortlist_scores(found, found.shortlisted, found.lexical)
        order = np.argsort(-scores, kind="stable")
        top_cosine = None
        if self.semantic is not None and (found.shortlisted is None
                                          or found.shortlisted[order[0]]):
            top_cosine = float(found.features[order[0], _COSINE])
        return Ranking(found.profile, found.ids[order], scores[order], top_cosine)

    def _shortlist_scores(
        self, found: Candidates, shortlisted: np.ndarray, lexical: np.ndarray
    ) -> np.ndarray:
        """The semantic model's scores for the shortlist; below its lowest, the others
        keep their lexical order and gaps."""
        heading = found.heading[shortlisted] if found.heading is not None else None
        short = self._with_heading(self.reranker.predict(found.features[shortlisted]), heading)
        scores = np.empty(len(lexical))
        scores[shortlisted] = short
        rest = ~shortlisted
        if rest.any():
            scores[rest] = short.min() - (lexical[shortlisted].min() - lexical[rest])
        return scores

    def answer(self, question: str, *, k: int = 3, context: str | None = None) -> Answer:
        """Answer ``question``; ``context`` (an earlier turn) is weaker query evidence."""
        ranking = self.rank(question, context=context)
        verdict = self.abstainer.judge(question, ranking.profile, ranking.ids[:1].tolist(),
                                       ranking.top_cosine)
        if verdict.answered and ranking.document is not None:
            # In a folder, the answering document must answer on its own too: a folder
            # of many documents holds most words somewhere.
            own, mine = ranking.document
            alone = own.abstainer.judge(question, mine.profile, mine.ids[:1].tolist(),
                                        mine.top_cosine, whole=False)
            if not alone.answered:
                verdict = Verdict(False, verdict.missing, NOT_ANSWERED, alone.support)
        if len(ranking.ids) == 0:
            reason = verdict.reason or "The documents do not mention these words."
            return Answer(question, False, missing_terms=verdict.missing, reason=reason)
        scores = ranking.scores[:k].tolist()
        shown = sum(1 for s in scores if s >= scores[0] - FURTHER_CITATION_GAP)
        citations = tuple(
            self.citation(i, s, weak=not verdict.answered)
            for i, s in zip(ranking.ids[:k].tolist(), scores, strict=True)
        )
        return Answer(question, verdict.answered, citations, verdict.missing, verdict.reason,
                      extra={"support": verdict.support}, shown=shown)

    def citation(self, passage_id: int, score: float, *, weak: bool) -> Citation:
        corpus = self.index.corpus
        passage = corpus.passage(passage_id)
        start, end = quote_span(corpus, passage_id)
        return Citation(
            quote=passage.document.text[start:end],
            source=passage.source,
            section=passage.section,
            paragraph=passage.paragraph_number,
            score=round(score, 4),
            passage_id=passage.id,
            weak=weak,
        )
