"""How well each sentence-vector signal alone ranks the article's sentences (no words).

    python benchmarks/piece_match_alone.py FILE.jsonl ...

Every sentence of the bundled article is ranked for each answerable question by the
cosine of the sentence vectors, and by the word pieces' match
(:meth:`retrieval.semantic.SemanticScorer.maxsims`); hit@1 counts a gold string in the
first. Only on the ``maxsim-proto`` branch (fifteenth session, benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.corpus import bundled_documents_path, load_corpus  # noqa: E402
from retrieval.documents import find_document_files  # noqa: E402
from retrieval.quotes import quote_text  # noqa: E402
from retrieval.semantic import EncoderLoader, SemanticScorer  # noqa: E402


def main(paths: list[str]) -> int:
    corpus = load_corpus(find_document_files([bundled_documents_path()]))
    texts = [quote_text(corpus, i) for i in range(len(corpus))]
    scorer = SemanticScorer(loader=EncoderLoader(), text_of=texts.__getitem__, size=len(texts))
    every = np.arange(len(texts))
    asked = by_cosine = by_pieces = 0
    for path in paths:
        for line in Path(path).read_text("utf-8").splitlines():
            item = json.loads(line)
            golds = item.get("gold")
            if not golds:
                continue
            asked += 1
            for scores, hit in ((scorer.cosines(item["question"], every), "cosine"),
                                (scorer.maxsims(item["question"], every), "pieces")):
                top = texts[int(np.argmax(scores))]
                if any(g in top for g in golds):
                    by_cosine += hit == "cosine"
                    by_pieces += hit == "pieces"
    print(json.dumps({"answerable": asked, "hit_cosine": by_cosine, "hit_pieces": by_pieces}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
