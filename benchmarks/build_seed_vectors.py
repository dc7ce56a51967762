"""Build retrieval/data/seed-vectors.npz: the sentence vectors of the bundled documents.

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

from retrieval.encoder import SentenceEncoder  # noqa: E402
from retrieval.engine import build_engine  # noqa: E402
from retrieval.quotes import quote_text  # noqa: E402
from retrieval.vector_store import SEED_VECTORS_FILE, text_digest, write_vectors  # noqa: E402


def main() -> int:
    corpus = build_engine().corpus
    texts = list(dict.fromkeys(quote_text(corpus, i) for i in range(len(corpus))))
    vectors = SentenceEncoder.load().encode(texts)
    digests = np.array([text_digest(t) for t in texts], dtype=np.uint64)
    out = REPO / "retrieval" / SEED_VECTORS_FILE
    write_vectors(out, digests, vectors)
    print(f"wrote {out} ({len(texts)} passages, {out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
