"""Sentence vectors from all-MiniLM-L6-v2, computed with numpy.

The reranker's one semantic feature is the cosine between a question's vector and a
candidate sentence's (:mod:`retrieval.semantic`): it links paraphrases that share no
word stem ("leaked" / "posted", "date" / "Feb. 19"). The model is the sentence-transformers
MiniLM encoder (6 layers, 384 dimensions, mean pooling, unit length), shipped as
``retrieval/data/minilm-l6-int8.npz``: its matrices quantised to int8 with one scale per
row (cosines within 0.001 of the float32 model's), exported by
``benchmarks/export_encoder.py``. The file is read with ``allow_pickle=False``, and no
deep-learning framework or download is needed. Nothing here generates text: the
vectors only rank sentences that are then quoted verbatim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from retrieval.wordpiece import WordPieceTokenizer

WEIGHTS_FILE = "data/minilm-l6-int8.npz"
# Names the shipped weights wherever vectors outlive the process (retrieval/vector_store.py);
# tests/test_semantic.py pins the weights file's SHA-256, so a re-export that forgets to
# change this fails there.
MODEL_ID = "minilm-l6-int8-v1"
WEIGHTS_SHA256 = "174db73ccd3b1be46a1b5a668d929494c8f87966680635893d01fab35f55f7df"
VOCAB_FILE = "data/minilm-vocab.txt"
STOPWORDS_FILE = "data/stopwords-en.txt"
DIMENSIONS = 384
LAYERS = 6
HEADS = 12
MAX_TOKENS = 256  # what sentence-transformers uses for this model
# A text is cut to this many characters before tokenising: 256 word pieces never need
# more, and an enormous question costs nothing extra.
MAX_CHARS = 4_000
BATCH = 32
# Word pieces per batch (rows times the longest row): the attention scores grow with the
# batch times its width squared, and 32 rows of 256 pieces (100 MB per score array) ran
# 2.5 times slower per piece than 8 rows.
BATCH_PIECES = 2_048
_LAYER_NORM_EPS = 1e-12


class SentenceEncoder:
    """``encode(texts)`` -> unit vectors, one row per text (float32, 384 columns);
    :meth:`encode_with_tokens` also gives each text's word pieces' vectors."""

    # What a subclass for another model of the same vocabulary changes, with _hidden
    # (benchmarks/larger_encoder.py).
    dimensions = DIMENSIONS
    max_tokens = MAX_TOKENS
    pad_id = 0

    def __init__(self, weights: Mapping[str, np.ndarray], tokenizer: WordPieceTokenizer) -> None:
        missing = [name for name in _required_names() if name not in weights]
        if missing:
            raise ValueError(f"encoder weights lack {missing[0]!r}")
        if weights["embeddings.word_embeddings.weight"].shape[0] != tokenizer.vocab_size:
            raise ValueError("encoder weights and vocabulary differ in size")
        self._use(weights, tokenizer)
        self._word_rows = self._w.pop("embeddings.word_embeddings.weight")
        self._word_scale = self._w.pop("embeddings.word_embeddings.weight.scale", None)

    def _use(self, weights: Mapping[str, np.ndarray], tokenizer: WordPieceTokenizer) -> None:
        """The state every encoder of this vocabulary keeps, whatever its model."""
        self._w = dict(weights)
        self.tokenizer = tokenizer
        # Per piece id seen in a question: is it content (see _content_mask)?
        self._content: dict[int, bool] = {}
        self._stopwords: frozenset[str] | None = None
        self._pieces: list[str] | None = None

    @classmethod
    def load(cls, weights: Path | None = None, vocab: Path | None = None) -> SentenceEncoder:
        """The shipped model (or the files given)."""
        package = resources.files("retrieval")
        with (
            (package.joinpath(WEIGHTS_FILE) if weights is None else weights).open("rb") as wf,
            np.load(wf, allow_pickle=False) as stored,
        ):
            arrays = {name: stored[name] for name in stored.files}
        if vocab is None:
            words = package.joinpath(VOCAB_FILE).read_text("utf-8").splitlines()
        else:
            words = vocab.read_text("utf-8").splitlines()
        # The word table stays int8 (rows are scaled when looked up): dequantising its
        # 30,522 rows would cost more than a whole question.
        word = "embeddings.word_embeddings.weight"
        table = {word: arrays.pop(word), word + ".scale": arrays.pop(word + ".scale")}
        return cls({**dequantize(arrays), **table}, WordPieceTokenizer(words))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_with_tokens(texts, tokens=False)[0]

    def encode_with_tokens(
        self, texts: Sequence[str], *, content: bool = False, tokens: bool = True
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The texts' unit vectors and, from the same pass (``tokens``), the unit vectors
        of each text's word pieces in context ([CLS] and [SEP] left out). ``content``:
        only pieces that hold a letter or a digit and are no stopword (all pieces when
        none is), as a question is matched piece by piece
        (:meth:`retrieval.semantic.SemanticScorer.piece_match`)."""
        ids = [self.tokenizer.encode(text[:MAX_CHARS], self.max_tokens) for text in texts]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        none = np.zeros((0, self.dimensions), dtype=np.float32)
        pieces: list[np.ndarray] = [none] * len(texts) if tokens else []
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for rows in _batches(order, [len(ids[i]) for i in order]):
            width = len(ids[rows[-1]])
            batch = np.full((len(rows), width), self.pad_id, dtype=np.intp)
            mask = np.zeros((len(rows), width), dtype=np.float32)
            for r, i in enumerate(rows):
                batch[r, :len(ids[i])] = self._model_ids(ids[i])
                mask[r, :len(ids[i])] = 1.0
            hidden = self._hidden(batch, mask)
            out[rows] = _unit((hidden * mask[:, :, None]).sum(axis=1)
                              / mask.sum(axis=1, keepdims=True))
            if tokens:
                for r, i in enumerate(rows):
                    states = hidden[r, 1 : len(ids[i]) - 1]
                    if content:
                        states = states[self._content_mask(ids[i][1:-1])]
                    pieces[i] = _unit(states)
        return out, pieces

    def piece_ids(self, text: str, *, content: bool = False) -> np.ndarray:
        """The vocabulary ids of the pieces :meth:`encode_with_tokens` gives ``text``."""
        ids = self.tokenizer.encode(text[:MAX_CHARS], self.max_tokens)[1:-1]
        found = np.asarray(ids, dtype=np.intp)
        return found[self._content_mask(ids)] if content else found

    def _content_mask(self, ids: Sequence[int]) -> np.ndarray:
        """Which of the pieces ``ids`` hold a letter or a digit and are no stopword (all
        of them when none is); each piece is judged once, when first seen."""
        if self._pieces is None or self._stopwords is None:
            text = resources.files("retrieval").joinpath(STOPWORDS_FILE).read_text("utf-8")
            self._stopwords = frozenset(
                line.strip() for line in text.splitlines() if not line.startswith("#"))
            self._pieces = self.tokenizer.pieces()
        known, pieces, stop = self._content, self._pieces, self._stopwords
        for i in ids:
            if i not in known:
                piece = pieces[i]
                known[i] = (any(ch.isalnum() for ch in piece)
                            and piece.removeprefix("##") not in stop
                            and not (piece.startswith("[") and piece.endswith("]")))
        mask = np.array([known[i] for i in ids], dtype=bool)
        return mask if mask.any() else np.ones(len(ids), dtype=bool)

    def _model_ids(self, ids: list[int]) -> list[int]:
        """The model's ids of the tokenizer's ``ids`` (the same for MiniLM)."""
        return ids

    def _hidden(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        width = tokens.shape[1]
        words = self._word_rows[tokens].astype(np.float32)
        if self._word_scale is not None:
            words *= self._word_scale[tokens][..., None]
        x = (words + w["embeddings.position_embeddings.weight"][:width]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(LAYERS):
            x = transformer_layer(x, w, f"encoder.layer.{layer}.", blocked, heads=HEADS)
        return x


class LayerNames(NamedTuple):
    """What a layer's attention weights are called (after ``encoder.layer.N.``)."""

    query: str
    key: str
    value: str
    output: str
    norm: str


BERT_LAYER = LayerNames("attention.self.query", "attention.self.key", "attention.self.value",
                        "attention.output.dense", "attention.output.LayerNorm")


def transformer_layer(
    x: np.ndarray, w: Mapping[str, np.ndarray], prefix: str, bias: np.ndarray, *,
    heads: int, names: LayerNames = BERT_LAYER, eps: float = _LAYER_NORM_EPS,
) -> np.ndarray:
    """One post-norm encoder layer (self-attention, then the feed-forward block) over
    ``x`` (batch x width x dimensions), its weights ``w[prefix + name]``; ``bias`` is
    added to the attention scores (the padding mask, and any position bias)."""
    batch, width, dimensions = x.shape
    size = dimensions // heads

    def linear(h: np.ndarray, name: str) -> np.ndarray:
        return h @ w[prefix + name + ".weight"].T + w[prefix + name + ".bias"]

    def split(h: np.ndarray) -> np.ndarray:
        return h.reshape(batch, width, heads, size).transpose(0, 2, 1, 3)

    q = split(linear(x, names.query))
    k = split(linear(x, names.key))
    v = split(linear(x, names.value))
    attention = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
    attention = np.exp(attention - attention.max(axis=-1, keepdims=True))
    attention /= attention.sum(axis=-1, keepdims=True)
    context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, width, dimensions)
    x = _layer_norm(linear(context, names.output) + x,
                    w[prefix + names.norm + ".weight"], w[prefix + names.norm + ".bias"], eps)
    hidden = _gelu(linear(x, "intermediate.dense"))
    return _layer_norm(linear(hidden, "output.dense") + x,
                       w[prefix + "output.LayerNorm.weight"], w[prefix + "output.LayerNorm.bias"],
                       eps)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


def _batches(order: list[int], lengths: list[int]) -> list[list[int]]:
    """Consecutive runs of ``order`` (sorted by length, given in ``lengths``) of at most
    :data:`BATCH` rows and :data:`BATCH_PIECES` padded pieces."""
    batches: list[list[int]] = []
    current: list[int] = []
    for row, length in zip(order, lengths, strict=True):
        if current and (len(current) >= BATCH or (len(current) + 1) * length > BATCH_PIECES):
            batches.append(current)
            current = []
        current.append(row)
    if current:
        batches.append(current)
    return batches


def dequantize(stored: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """int8 matrices times their per-row ``NAME.scale``; other arrays as float32."""
    out: dict[str, np.ndarray] = {}
    for name, array in stored.items():
        if name.endswith(".scale"):
            continue
        if array.dtype == np.int8:
            scale = stored.get(name + ".scale")
            if scale is None or scale.shape != (array.shape[0],):
                raise ValueError(f"encoder weights: {name!r} has no per-row scale")
            matrix = array.astype(np.float32)
            matrix *= scale.astype(np.float32)[:, None]
            out[name] = matrix
        else:
            out[name] = np.asarray(array, dtype=np.float32)
    return out


def quantize(weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every matrix but the 2-row token-type table as int8 with a per-row scale."""
    out: dict[str, np.ndarray] = {}
    for name, array in weights.items():
        matrix = np.asarray(array, dtype=np.float32)
        if matrix.ndim == 2 and matrix.shape[0] > 2:
            scale = np.abs(matrix).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name] = np.round(matrix / scale[:, None]).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float32)
        else:
            out[name] = matrix
    return out


def _required_names() -> list[str]:
    names = [f"embeddings.{n}" for n in ("word_embeddings.weight", "position_embeddings.weight",
                                          "token_type_embeddings.weight", "LayerNorm.weight",
                                          "LayerNorm.bias")]
    for layer in range(LAYERS):
        for part in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense", "intermediate.dense", "output.dense"):
            names += [f"encoder.layer.{layer}.{part}.weight", f"encoder.layer.{layer}.{part}.bias"]
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            names += [f"encoder.layer.{layer}.{norm}.weight", f"encoder.layer.{layer}.{norm}.bias"]
    return names


def _layer_norm(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = _LAYER_NORM_EPS
) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz & Stegun 7.1.26 (error
    below 1.5e-7; numpy has no erf and scipy is not worth importing for it)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)
