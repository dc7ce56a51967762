"""Build retrieval/data/related-words.txt: for general English words, the stems of words
of close meaning ("sacked" -> dismiss, fire; "talk" -> convers, speak), from a sentence
encoder's vectors of single words.

    python benchmarks/build_related_words.py       # shipped: all-MiniLM-L6-v2, ~2 minutes
    python benchmarks/build_related_words.py --mpnet PATH/model.safetensors \
        --out /tmp/related-mpnet.txt              # all-mpnet-base-v2, ~10 minutes

The shipped table comes from the encoder citebot ships (all-MiniLM-L6-v2, Apache-2.0).
``--mpnet`` builds one from the larger all-mpnet-base-v2 (Apache-2.0; run in numpy by
benchmarks/larger_encoder.py, whose docstring says where its weights are found), measured
in the eighteenth session and not shipped (benchmarks/RESULTS.md).

Each whole word of the tokenizer's vocabulary (lower-case letters, 3 or more, not a
stopword) is encoded on its own; a word's related stems are those of its nearest words by
cosine, at least ``--min-cosine``, at most ``--per-word`` of them, other than its own stem.
The file is what lets a question word match a passage word of close meaning when the
documents lack the word itself (reranking features; no generative model).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.encoder import VOCAB_FILE, SentenceEncoder  # noqa: E402
from retrieval.related import RELATED_FILE  # noqa: E402

OUT = REPO / "retrieval" / RELATED_FILE
_WORD = re.compile(r"[a-z]{3,}")


def vocabulary_words(analyzer: Analyzer) -> list[str]:
    vocab = (REPO / "retrieval" / VOCAB_FILE).read_text("utf-8").splitlines()
    return [w for w in vocab if _WORD.fullmatch(w) and w not in analyzer.stopwords]


def related_stems(
    vectors: np.ndarray, stems: list[str], *, min_cosine: float, per_word: int, block: int = 2048
) -> list[list[tuple[str, float]]]:
    """Per row of ``vectors`` (unit rows), the stems of its nearest rows, best first."""
    out: list[list[tuple[str, float]]] = []
    pool = min(len(stems) - 1, per_word * 4)
    for start in range(0, len(stems), block):
        sims = vectors[start:start + block] @ vectors.T
        for r, row in enumerate(sims):
            own = stems[start + r]
            near = np.argpartition(-row, pool)[:pool + 1]
            near = near[np.argsort(-row[near], kind="stable")]
            found: dict[str, float] = {}
            for j in near.tolist():
                if row[j] < min_cosine or len(found) >= per_word:
                    break
                if stems[j] != own and stems[j] not in found:
                    found[stems[j]] = float(row[j])
            out.append(list(found.items()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-cosine", type=float, default=0.45)
    parser.add_argument("--per-word", type=int, default=12)
    parser.add_argument("--mpnet", type=Path, default=None, metavar="SAFETENSORS",
                        help="word vectors from all-mpnet-base-v2 (benchmarks/larger_encoder.py)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    analyzer = Analyzer()
    words = vocabulary_words(analyzer)
    if args.mpnet is not None:
        from benchmarks.larger_encoder import MPNetEncoder

        encoder: SentenceEncoder = MPNetEncoder.load_mpnet(args.mpnet)
        source = "all-mpnet-base-v2"
    else:
        encoder = SentenceEncoder.load()
        source = "all-MiniLM-L6-v2"
    vectors = np.vstack([encoder.encode(words[i:i + 512]) for i in range(0, len(words), 512)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    stems = [analyzer.stem(w) for w in words]
    related = related_stems(vectors, stems, min_cosine=args.min_cosine, per_word=args.per_word)
    lines = [
        f"# Related stems per word (word<TAB>stem:cosine ...), from {source} "
        "(Apache-2.0) word vectors,",
        f"# min cosine {args.min_cosine}, at most {args.per_word} per word; written by "
        "benchmarks/build_related_words.py.",
    ]
    lines += [
        f"{word}\t" + " ".join(f"{stem}:{cos:.2f}" for stem, cos in near)
        for word, near in zip(words, related, strict=True) if near
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 2} words with related stems -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
