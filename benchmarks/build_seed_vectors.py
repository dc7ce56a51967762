"""Build retrieval/data/seed-vectors.npz: the sentence vectors of the bundled documents
and their word pieces' vectors.

    python benchmarks/build_seed_vectors.py

Every passage of the bundled documents is encoded as the semantic scorer would encode it
(its quote text), and stored under the digest of that text, so that the first
``citebot ask`` about the bundled article encodes only the question. Run it again after
changing the seeds, the cleaner or the encoder; tests/test_vector_store.py fails until
the file covers every passage again. Takes a few seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.encoder import DIMENSIONS, SentenceEncoder  # noqa: E402
from retrieval.engine import build_engine  # noqa: E402
from retrieval.quotes import quote_text  # noqa: E402
from retrieval.vector_store import (  # noqa: E402
    SEED_VECTORS_FILE,
    StoredVectors,
    text_digest,
    write_stored,
)


def main() -> int:
    corpus = build_engine().corpus
    texts = list(dict.fromkeys(quote_text(corpus, i) for i in range(len(corpus))))
    vectors, pieces = SentenceEncoder.load().encode_with_tokens(texts)
    digests = [text_digest(t) for t in texts]
    out = REPO / "retrieval" / SEED_VECTORS_FILE
    stored = StoredVectors(dict(zip(digests, vectors, strict=True)),
                           {d: p.astype(np.float16) for d, p in zip(digests, pieces, strict=True)})
    write_stored(out, stored, DIMENSIONS)
    print(f"wrote {out} ({len(texts)} passages, {out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
