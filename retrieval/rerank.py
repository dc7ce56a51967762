"""A boosted-tree reranker, shipped as JSON and evaluated with numpy (no pickle, no sklearn).

The model file (``retrieval/data/reranker.json``) is written by
``benchmarks/train_reranker.py``. Every split of every tree is tested for all candidates
in one numpy step (QuickScorer's bit masks, see :class:`TreeModel`), so scoring costs a
handful of array operations whatever the number and depth of the trees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FORMAT = "citebot-trees-1"
DEFAULT_MODEL = "data/reranker.json"
# Trained with the semantic feature (retrieval/semantic.py) after the lexical ones.
SEMANTIC_MODEL = "data/reranker-semantic.json"


class TreeModel:
    """Sum of regression trees; a node with feature ``-1`` is a leaf holding ``value``.

    Evaluation follows QuickScorer (Lucchese et al., SIGIR 2015): leaves are numbered
    left to right in each tree, and every split node holds the bit mask of the leaves
    of its left subtree. A row that goes right at a node rules those leaves out; the
    leaf it reaches is the leftmost leaf no node ruled out. So one gather and one
    comparison test every split of every tree for all rows at once, one OR-reduction
    per tree collects the ruled-out leaves, and a table lookup finds the exit leaf:
    a handful of numpy operations per call, whatever the depth or number of trees.
    Scores equal a plain tree walk (``x <= threshold`` goes left) for finite features.
    """

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
        split_feature: list[list[int]] = []
        split_threshold: list[list[float]] = []
        split_mask: list[list[int]] = []
        leaf_values: list[list[float]] = []
        for tree in trees:
            n = len(tree["feature"])
            for key in ("threshold", "left", "right", "value"):
                if len(tree[key]) != n:
                    raise ValueError(f"reranker tree field {key!r} has the wrong length")
            leaves, splits = _tree_layout(tree)
            if len(leaves) > MAX_LEAVES:
                raise ValueError(f"reranker trees may have at most {MAX_LEAVES} leaves")
            split_feature.append([f for f, _, _ in splits])
            split_threshold.append([t for _, t, _ in splits])
            split_mask.append([m for _, _, m in splits])
            leaf_values.append([float(tree["value"][i]) for i in leaves])
        if max((max(f, default=0) for f in split_feature), default=0) >= len(self.feature_names):
            raise ValueError("reranker tree uses a feature the model does not name")
        # Every tree gets the same number of split slots, a power of two (padding slots
        # never go right and rule nothing out), laid out slot-major: slot k of every tree,
        # then slot k + 1, so the OR over a tree's slots is a few halvings.
        width = 1
        while width < max(len(f) for f in split_feature):
            width *= 2
        n_trees = len(trees)
        self._slots = width
        self._small = max(len(v) for v in leaf_values) <= 16
        mask_type = np.uint16 if self._small else np.uint64
        feature = np.zeros((width, n_trees), dtype=np.intp)
        threshold = np.full((width, n_trees), math.inf)
        mask = np.zeros((width, n_trees), dtype=mask_type)
        for t in range(n_trees):
            count = len(split_feature[t])
            feature[:count, t] = split_feature[t]
            threshold[:count, t] = split_threshold[t]
            mask[:count, t] = split_mask[t]
        self._feature = feature.ravel()
        self._threshold = threshold.ravel()
        self._mask = mask.ravel()
        n_leaves = max(len(v) for v in leaf_values)
        self._values = np.asarray([v + [0.0] * (n_leaves - len(v)) for v in leaf_values]).ravel()
        self._offsets = np.arange(n_trees, dtype=np.intp) * n_leaves
        self._trailing_ones = _trailing_ones_table() if self._small else None
        self._n_trees = n_trees
        self.base_score = base_score

    @property
    def n_trees(self) -> int:
        return self._n_trees

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Scores for the rows of ``features`` (columns in :attr:`feature_names` order)."""
        rows = features.shape[0]
        if rows == 0:
            return np.zeros(0)
        if features.shape[1] != len(self.feature_names):
            raise ValueError(
                f"reranker expects {len(self.feature_names)} features, got {features.shape[1]}"
            )
        # (rows, slots x trees): each split's bit mask where a row goes right there.
        ruled = (features.take(self._feature, axis=1) > self._threshold) * self._mask
        ruled = ruled.reshape(rows, self._slots, self._n_trees)
        width = self._slots
        while width > 1:  # OR over each tree's slots
            width //= 2
            ruled = ruled[:, :width] | ruled[:, width:]
        ruled_out = ruled.reshape(rows, self._n_trees)
        if self._trailing_ones is not None:
            leaf = self._trailing_ones.take(ruled_out)
        else:
            free = ~ruled_out
            lowest = free & (~free + np.uint64(1))
            leaf = np.log2(lowest.astype(np.float64)).astype(np.intp)
        return self._values.take(leaf + self._offsets).sum(axis=1) + self.base_score


MAX_LEAVES = 64


def _trailing_ones_table() -> np.ndarray:
    """For every 16-bit value, the number of its trailing one bits."""
    values = np.arange(1 << 16)
    table = np.zeros(1 << 16, dtype=np.intp)
    alive = np.ones(1 << 16, dtype=bool)
    for bit in range(16):
        alive &= ((values >> bit) & 1) == 1
        table += alive
    return table


def _tree_layout(
    tree: dict[str, Sequence[float]],
) -> tuple[list[int], list[tuple[int, float, int]]]:
    """Leaves left to right, and per split (feature, threshold, left-subtree leaf mask)."""
    feature, left, right = tree["feature"], tree["left"], tree["right"]
    n = len(feature)
    leaves: list[int] = []
    first_leaf: dict[int, int] = {}  # node -> rank of the first leaf under it
    last_leaf: dict[int, int] = {}
    splits: list[tuple[int, float, int]] = []
    stack: list[tuple[int, bool]] = [(0, False)]
    visits = 0
    while stack:  # post-order walk: children before their parent
        node, done = stack.pop()
        visits += 1
        if visits > 2 * n:
            raise ValueError("reranker tree is not a tree")
        if int(feature[node]) < 0:
            first_leaf[node] = last_leaf[node] = len(leaves)
            leaves.append(node)
            continue
        lo, hi = int(left[node]), int(right[node])
        if done:
            first_leaf[node], last_leaf[node] = first_leaf[lo], last_leaf[hi]
            a, z = first_leaf[lo], last_leaf[lo]
            mask = ((1 << (z + 1)) - 1) ^ ((1 << a) - 1)
            splits.append((int(feature[node]), float(tree["threshold"][node]), mask))
            continue
        if not (0 <= lo < n and 0 <= hi < n):
            raise ValueError("reranker tree has a child out of range")
        stack.extend([(node, True), (hi, False), (lo, False)])
    return leaves, splits


def model_from_json(data: dict[str, Any]) -> TreeModel:
    if data.get("format") != MODEL_FORMAT:
        raise ValueError(f"not a {MODEL_FORMAT} reranker model")
    return TreeModel(
        feature_names=data["features"],
        trees=data["trees"],
        base_score=float(data.get("base_score", 0.0)),
    )


def load_model(path: str | Path | None = None, *, semantic: bool = False) -> TreeModel:
    """The shipped model (the one with the semantic feature if ``semantic``), or the one
    at ``path``."""
    if path is None:
        packaged = SEMANTIC_MODEL if semantic else DEFAULT_MODEL
        text = resources.files("retrieval").joinpath(packaged).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return model_from_json(json.loads(text))
