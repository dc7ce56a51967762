"""Train the sentence reranker on the SQuAD tuning set and ship it as JSON.

    pip install lightgbm          # training only; citebot itself never imports it
    python benchmarks/train_reranker.py --cv 6      # out-of-fold figures, folds by article
    python benchmarks/train_reranker.py --write     # train on all 24 articles, write model
    python benchmarks/train_reranker.py --cv 6 --seed 1 --params '{"num_leaves": 7}'
    python benchmarks/train_reranker.py --semantic --cv 6 --write   # reranker-semantic.json

Candidates and features come from ``Answerer.candidates`` (the code that answers at run
time). A candidate is positive when its quote contains a gold answer. LightGBM's
lambdarank learns the trees; they are exported to ``retrieval/data/reranker.json``
(``--semantic``: with the sentence-vector feature, to ``reranker-semantic.json``;
format ``citebot-trees-1``) and evaluated with :class:`retrieval.rerank.TreeModel`.
Out-of-fold figures are measured through ``benchmarks/quality.py``'s SQuAD evaluation,
so they are exactly what ``citebot ask`` would do on an unseen article.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import SQUAD, SquadArticle, evaluate_squad, load_squad  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.answer import SEMANTIC_SHORTLIST, feature_names  # noqa: E402
from retrieval.answer_type import type_words  # noqa: E402
from retrieval.encoder import SentenceEncoder  # noqa: E402
from retrieval.quotes import quote_text  # noqa: E402
from retrieval.rerank import MODEL_FORMAT, TreeModel, model_from_json  # noqa: E402
from retrieval.semantic import SEMANTIC_FEATURES, Encoder, EncoderLoader  # noqa: E402

MODEL_PATH = REPO / "retrieval" / "data" / "reranker.json"
SEMANTIC_MODEL_PATH = REPO / "retrieval" / "data" / "reranker-semantic.json"
_WORD_ONLY = -len(SEMANTIC_FEATURES)  # a semantic row's columns without the vectors' ones


class MemoEncoder:
    """The sentence encoder with every text's vector kept: cross-validation asks for the
    same sentences again in every fold."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._known: dict[str, np.ndarray] = {}
        self._pieces: dict[str, np.ndarray] = {}  # all word pieces (passages)
        self._content: dict[str, np.ndarray] = {}  # content word pieces (questions)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_with_tokens(texts, tokens=False)[0]

    def piece_ids(self, text: str, *, content: bool = False) -> np.ndarray:
        return self._encoder.piece_ids(text, content=content)

    def encode_with_tokens(
        self, texts: Sequence[str], *, content: bool = False, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        pieces = self._content if content else self._pieces
        new = [t for t in dict.fromkeys(texts) if t not in self._known or t not in pieces]
        if new:
            vectors, found = self._encoder.encode_with_tokens(new, content=content)
            self._known.update(zip(new, vectors, strict=True))
            pieces.update(zip(new, found, strict=True))
        vectors = np.array([self._known[t] for t in texts], dtype=np.float32)
        return vectors.reshape(len(texts), -1), [pieces[t] for t in texts] if tokens else []



PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "num_leaves": 15,
    "max_depth": 6,
    "learning_rate": 0.05,
    "min_data_in_leaf": 20,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.8,
    "lambdarank_truncation_level": 10,
    "eval_at": [1],
    "verbose": -1,
}
ROUNDS = 250
# The semantic model gains from more trees (out-of-fold, tenth session: hit@1 +0.1-0.3
# points on two seeds); the word-only one does not, and the chat bots evaluate it per
# question under issue 3's budget.
SEMANTIC_ROUNDS = 400
# Each training question is also asked twice with most of its words left out: the trees
# then learn what ranks when a short question's words are in many sentences (thirteenth
# session: the article +4 of 152 questions with sentence vectors, +5 without).
AUGMENT = 2


def constraints(
    names: Sequence[str], drop: Sequence[str], monotone: Sequence[str]
) -> dict[str, Any]:
    """LightGBM parameters that keep the trees off the ``drop`` features and make the
    ``monotone`` ones (``name=+1`` or ``name=-1``) act in one direction only."""
    unknown = [n for n in [*drop, *(m.split("=")[0] for m in monotone)] if n not in names]
    if unknown:
        raise SystemExit(f"unknown features: {', '.join(unknown)}")
    params: dict[str, Any] = {}
    if drop:
        # LightGBM scales each feature's split gain by this: zero gain, never split on.
        params["feature_contri"] = [0.0 if n in drop else 1.0 for n in names]
    if monotone:
        sign = {k: int(v) for k, v in (m.split("=") for m in monotone)}
        params["monotone_constraints"] = [sign.get(n, 0) for n in names]
    return params


def bootstrap_model(semantic: bool = False) -> TreeModel:
    """A one-split model (BM25 > 0) so that candidates can be produced before training."""
    return TreeModel(
        feature_names=feature_names(semantic=semantic),
        trees=[{"feature": [0, -1, -1], "threshold": [0.0, 0.0, 0.0], "left": [1, 0, 0],
                "right": [2, 0, 0], "value": [0.0, 0.0, 1.0]}],
    )


def shortened(question: str, analyzer: Analyzer, rng: random.Random) -> str | None:
    """``question`` with all but one to three of its content words left out, as people ask
    in chat (the article's questions have 3.0 terms on average, SQuAD's 5.3); the first
    word, stopwords and words naming the answer's type stay. None when the question is
    that short already."""
    tokens = question.split()
    words = [analyzer.words(t) for t in tokens]
    typed = type_words([w for ws in words for w in ws])
    stop = analyzer.stopwords
    content = [i for i, ws in enumerate(words)
               if i > 0 and any(w not in stop and w not in typed for w in ws)]
    keep = rng.choice((1, 2, 3))
    if len(content) <= keep:
        return None
    dropped = set(content) - set(rng.sample(content, keep))
    return " ".join(t for i, t in enumerate(tokens) if i not in dropped)


def article_rows(
    article: SquadArticle, analyzer: Analyzer, loader: EncoderLoader | None = None,
    augment: int = 0, seed: int = 0,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``loader``: candidates get the semantic feature too. ``augment``: each question is
    also asked that many times :func:`shortened` (training rows only)."""
    from benchmarks.quality import squad_engine

    model = bootstrap_model(semantic=loader is not None)
    # Every candidate gets its cosine: the semantic model learns from all of them.
    engine = squad_engine(article, analyzer=analyzer, model=model, loader=loader,
                          shortlist=None)
    corpus = engine.corpus
    rng = random.Random(f"{seed}:{article.title}")
    asked = list(article.questions)
    for question, golds in article.questions:
        variants = {v for _ in range(augment)
                    if (v := shortened(question, analyzer, rng)) is not None}
        asked.extend((v, golds) for v in sorted(variants))
    rows = []
    for question, golds in asked:
        found = engine.answerer.candidates(question)
        labels = []
        for pid in found.ids:
            text = quote_text(corpus, int(pid))
            labels.append(1.0 if any(g and g in text for g in golds) else 0.0)
        rows.append((found.features, np.asarray(labels)))
    return rows


def train(
    rows: list[tuple[np.ndarray, np.ndarray]],
    seed: int = 0,
    params: dict[str, Any] | None = None,
    semantic: bool = False,
) -> dict[str, Any]:
    """``params`` override :data:`PARAMS` (``rounds`` overrides :data:`ROUNDS`, or
    :data:`SEMANTIC_ROUNDS` for the ``semantic`` model)."""
    import lightgbm

    chosen = {**PARAMS, **(params or {}), "seed": seed}
    rounds = int(chosen.pop("rounds", SEMANTIC_ROUNDS if semantic else ROUNDS))
    usable = [(x, y) for x, y in rows if len(y) > 1 and y.sum() > 0]
    features = np.vstack([x for x, _ in usable])
    labels = np.concatenate([y for _, y in usable])
    groups = [len(y) for _, y in usable]
    data = lightgbm.Dataset(features, labels, group=groups)
    booster = lightgbm.train(chosen, data, num_boost_round=rounds)
    return export(booster.dump_model(), chosen, rounds, feature_names(semantic=semantic))


def word_only_model(
    rows: list[tuple[np.ndarray, np.ndarray]], seed: int, params: dict[str, Any]
) -> TreeModel:
    """A model without the semantic features (the last columns of ``rows``): the one that
    picks the shortlist."""
    return model_from_json(train([(x[:, :_WORD_ONLY], y) for x, y in rows], seed, params))


def shortlist_rows(
    rows: list[tuple[np.ndarray, np.ndarray]], lexical: TreeModel, size: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each question's ``size`` best candidates by the word-only model (the semantic
    features are the last columns), as the answerer shortlists them."""
    out = []
    for x, y in rows:
        best = np.argsort(-lexical.predict(x[:, :_WORD_ONLY]), kind="stable")[:size]
        best.sort()
        out.append((x[best], y[best]))
    return out


def flatten_tree(root: dict[str, Any]) -> dict[str, list[Any]]:
    """One LightGBM tree (nested dicts) as parallel node lists; leaves have feature -1."""
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    stack: list[tuple[dict[str, Any], int, str]] = [(root, -1, "")]
    while stack:
        node, parent, side = stack.pop()
        at = len(feature)
        if parent >= 0:
            (left if side == "left" else right)[parent] = at
        is_leaf = "split_feature" not in node
        if not is_leaf and node.get("decision_type", "<=") != "<=":
            raise ValueError("only numerical '<=' splits are supported")
        feature.append(-1 if is_leaf else int(node["split_feature"]))
        threshold.append(0.0 if is_leaf else float(node["threshold"]))
        value.append(round(float(node.get("leaf_value", 0.0)), 7))
        left.append(0)
        right.append(0)
        if not is_leaf:
            stack.append((node["right_child"], at, "right"))
            stack.append((node["left_child"], at, "left"))
    return {"feature": feature, "threshold": threshold, "left": left, "right": right,
            "value": value}


def export(
    dump: dict[str, Any], params: dict[str, Any], rounds: int, names: Sequence[str]
) -> dict[str, Any]:
    trees = [flatten_tree(info["tree_structure"]) for info in dump["tree_info"]]
    return {"format": MODEL_FORMAT, "features": list(names), "trees": trees,
            "trained_on": "SQuAD v1.1 dev tuning half (24 articles), lambdarank",
            "params": {**{k: v for k, v in params.items() if k not in ("verbose", "seed")},
                       "rounds": rounds}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--cv", type=int, default=0, help="folds by article (0: no CV)")
    parser.add_argument("--write", action="store_true", help="write the shipped model")
    parser.add_argument("--out", type=Path, default=None,
                        help="model path (default: the shipped one it replaces)")
    parser.add_argument("--semantic", action="store_true",
                        help="with the sentence-vector feature (reranker-semantic.json)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shortlist", type=int, default=SEMANTIC_SHORTLIST,
                        help="--semantic: candidates the semantic model ranks (0: all)")
    parser.add_argument("--train-on-shortlist", action="store_true",
                        help="--semantic: learn only from each question's shortlist")
    parser.add_argument("--params", type=json.loads, default={},
                        help='LightGBM parameters over the defaults, as JSON ("rounds" too)')
    parser.add_argument("--drop", nargs="*", default=[], metavar="FEATURE",
                        help="features the trees may not split on (ablations)")
    parser.add_argument("--monotone", nargs="*", default=[], metavar="FEATURE=+1|-1",
                        help="features whose effect on the score may only rise (+1) or fall")
    parser.add_argument("--mpnet", type=Path, default=None, metavar="SAFETENSORS",
                        help="--semantic: all-mpnet-base-v2's vectors instead of the shipped "
                             "encoder's (benchmarks/larger_encoder.py; a measurement)")
    parser.add_argument("--augment", type=int, default=AUGMENT, metavar="N",
                        help="train also on N shortened copies of each question (0: none)")
    args = parser.parse_args()
    params = {**args.params, **constraints(feature_names(semantic=args.semantic), args.drop,
                                           args.monotone)}
    articles = load_squad(args.squad)
    analyzer = Analyzer()
    out = args.out or (SEMANTIC_MODEL_PATH if args.semantic else MODEL_PATH)
    loader = None
    if args.semantic and args.mpnet is not None:
        from benchmarks.larger_encoder import DIMENSIONS as MPNET_DIMENSIONS
        from benchmarks.larger_encoder import MPNetEncoder

        mpnet = args.mpnet
        loader = EncoderLoader(lambda: MemoEncoder(MPNetEncoder.load_mpnet(mpnet)),
                               dimensions=MPNET_DIMENSIONS)
    elif args.semantic:
        loader = EncoderLoader(lambda: MemoEncoder(SentenceEncoder.load()))
    rows = [article_rows(a, analyzer, loader, args.augment, args.seed) for a in articles]
    recall = np.mean([y.sum() > 0 for a, r in zip(articles, rows, strict=True)
                      for _, y in r[:len(a.questions)]])
    print(f"candidate recall (a positive among candidates): {recall:.4f}", flush=True)
    if args.cv:
        totals: dict[str, float] = {}
        n_total = 0
        for fold in range(args.cv):
            test = [i for i in range(len(articles)) if i % args.cv == fold]
            train_rows = [row for i, art in enumerate(rows) if i not in test for row in art]
            prefilter = None
            if args.semantic and args.shortlist:
                # The shortlist comes from a lexical model of the same training articles.
                prefilter = word_only_model(train_rows, args.seed, args.params)
                if args.train_on_shortlist:
                    train_rows = shortlist_rows(train_rows, prefilter, args.shortlist)
            model = model_from_json(train(train_rows, args.seed, params, args.semantic))
            result = evaluate_squad([articles[i] for i in test], model=model, analyzer=analyzer,
                                    loader=loader, prefilter=prefilter,
                                    shortlist=args.shortlist or None)
            n = int(result["questions"])
            n_total += n
            for key, value in result.items():
                totals[key] = totals.get(key, 0.0) + value * n
            print(f"fold {fold}: " + json.dumps({k: round(v, 4) for k, v in result.items()}),
                  flush=True)
        print("out-of-fold: " + json.dumps(
            {k: round(v / n_total, 4) for k, v in totals.items() if k != "questions"}))
    if args.write:
        all_rows = [r for article in rows for r in article]
        if args.semantic and args.shortlist and args.train_on_shortlist:
            lexical = word_only_model(all_rows, args.seed, args.params)
            all_rows = shortlist_rows(all_rows, lexical, args.shortlist)
        trained = train(all_rows, args.seed, params, args.semantic)
        partial = out.with_suffix(".json.tmp")
        partial.write_text(json.dumps(trained, separators=(",", ":")), "utf-8")
        partial.replace(out)
        print(f"wrote {out} ({out.stat().st_size} bytes, {len(trained['trees'])} trees)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
