"""A boosted-tree reranker, shipped as JSON and evaluated with numpy (no pickle, no sklearn).

The model file (``retrieval/data/reranker.json``) is written by
``benchmarks/train_reranker.py``. All trees are flattened into one node table and walked
together, one level per numpy step, so scoring 100 candidates costs a few dozen array
operations whatever the number of trees.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FORMAT = "citebot-trees-1"
DEFAULT_MODEL = "data/reranker.json"


class TreeModel:
    """Sum of regression trees; a node with feature ``-1`` is a leaf holding ``value``."""

    def __init__(
        self,
        *,
        feature_names: Sequence[str],
        trees: Sequence[dict[str, Sequence[float]]],
        base_score: float = 0.0,
    ) -> None:
        if not trees:
            raise ValueError("reranker model holds no trees")
        self.feature_names = tuple(feature_names)
        feats: list[int] = []
        thresholds: list[float] = []
        lefts: list[int] = []
        rights: list[int] = []
        values: list[float] = []
        roots: list[int] = []
        depth = 0
        for tree in trees:
            offset = len(feats)
            roots.append(offset)
            n = len(tree["feature"])
            for key in ("threshold", "left", "right", "value"):
                if len(tree[key]) != n:
                    raise ValueError(f"reranker tree field {key!r} has the wrong length")
            feats.extend(int(f) for f in tree["feature"])
            thresholds.extend(float(t) for t in tree["threshold"])
            lefts.extend(int(x) + offset if int(f) >= 0 else -1
                         for x, f in zip(tree["left"], tree["feature"], strict=True))
            rights.extend(int(x) + offset if int(f) >= 0 else -1
                          for x, f in zip(tree["right"], tree["feature"], strict=True))
            values.extend(float(v) for v in tree["value"])
            depth = max(depth, _depth(tree))
        self._feature = np.asarray(feats, dtype=np.int64)
        if self._feature.max() >= len(self.feature_names):
            raise ValueError("reranker tree uses a feature the model does not name")
        self._threshold = np.asarray(thresholds)
        leaf = self._feature < 0
        node_ids = np.arange(len(feats))
        # Leaves point to themselves so extra steps are harmless.
        self._left = np.where(leaf, node_ids, np.asarray(lefts))
        self._right = np.where(leaf, node_ids, np.asarray(rights))
        self._safe_feature = np.where(leaf, 0, self._feature)
        self._value = np.asarray(values)
        self._roots = np.asarray(roots, dtype=np.int64)
        self._depth = depth
        self.base_score = base_score

    @property
    def n_trees(self) -> int:
        return len(self._roots)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Scores for the rows of ``features`` (columns in :attr:`feature_names` order)."""
        rows = features.shape[0]
        if rows == 0:
            return np.zeros(0)
        if features.shape[1] != len(self.feature_names):
            raise ValueError(
                f"reranker expects {len(self.feature_names)} features, got {features.shape[1]}"
            )
        node = np.broadcast_to(self._roots, (rows, len(self._roots)))
        row_index = np.arange(rows)[:, None]
        for _ in range(self._depth):
            x = features[row_index, self._safe_feature[node]]
            node = np.where(x <= self._threshold[node], self._left[node], self._right[node])
        return self._value[node].sum(axis=1) + self.base_score


def _depth(tree: dict[str, Sequence[float]]) -> int:
    feature, left, right = tree["feature"], tree["left"], tree["right"]
    best, stack = 0, [(0, 0)]
    while stack:
        node, d = stack.pop()
        if int(feature[node]) < 0:
            best = max(best, d)
            continue
        stack.append((int(left[node]), d + 1))
        stack.append((int(right[node]), d + 1))
    return best


def model_from_json(data: dict[str, Any]) -> TreeModel:
    if data.get("format") != MODEL_FORMAT:
        raise ValueError(f"not a {MODEL_FORMAT} reranker model")
    return TreeModel(
        feature_names=data["features"],
        trees=data["trees"],
        base_score=float(data.get("base_score", 0.0)),
    )


def load_model(path: str | Path | None = None) -> TreeModel:
    """The shipped model, or the one at ``path``."""
    if path is None:
        text = resources.files("retrieval").joinpath(DEFAULT_MODEL).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return model_from_json(json.loads(text))
