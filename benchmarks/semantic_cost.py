"""What sentence vectors cost `citebot ask` on documents it has not seen before.

    python benchmarks/semantic_cost.py                     # the largest and smallest SQuAD article
    python benchmarks/semantic_cost.py --corpus /tmp/citebot-speed/corpus-10000.txt

A fresh process's answerer (no stored vectors) answers the questions one after another,
as ``citebot ask`` reading stdin would: the first questions encode their shortlisted
sentences, later ones find more of them already encoded. Reports per-question wall
times and how many sentences were encoded. ``--shortlist 0``: every candidate encoded
(the ranking before the shortlist).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import SQUAD, load_squad  # noqa: E402
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.answer import SEMANTIC_SHORTLIST, Answerer  # noqa: E402
from retrieval.corpus import Corpus, load_corpus  # noqa: E402
from retrieval.documents import document_from_paragraphs, find_document_files  # noqa: E402
from retrieval.index import BM25Index  # noqa: E402
from retrieval.semantic import EncoderLoader, semantic_scorer  # noqa: E402

QUERIES = REPO.parent / "shared" / "bench" / "queries.txt"


def measure(name: str, corpus: Corpus, questions: list[str], loader: EncoderLoader,
            shortlist: int | None) -> dict[str, object]:
    index = BM25Index(corpus=corpus, analyzer=Analyzer())
    scorer = semantic_scorer(corpus, loader)
    if scorer is None:
        raise SystemExit(f"{name}: too many passages for sentence vectors")
    answerer = Answerer(index=index, semantic=scorer, shortlist=shortlist)
    times = []
    for question in questions:
        started = time.perf_counter()
        answerer.answer(question)
        times.append(time.perf_counter() - started)
    ordered = sorted(times)
    return {"documents": name, "passages": len(corpus), "questions": len(questions),
            "first_s": round(times[0], 3), "median_s": round(statistics.median(times), 3),
            "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
            "max_s": round(ordered[-1], 3), "total_s": round(sum(times), 2),
            "encoded": scorer.encoded}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=None, help="documents instead of SQuAD")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--shortlist", type=int, default=SEMANTIC_SHORTLIST)
    args = parser.parse_args()
    loader = EncoderLoader()
    loader.get().encode(["warm up the encoder"])
    shortlist = args.shortlist or None
    if args.corpus is not None:
        corpus = load_corpus(find_document_files([args.corpus]))
        questions = QUERIES.read_text("utf-8").splitlines()[: args.questions]
        print(json.dumps(measure(args.corpus.name, corpus, questions, loader, shortlist)))
        return 0
    articles = sorted(load_squad(SQUAD), key=lambda a: sum(len(p) for p in a.paragraphs))
    for article in (articles[-1], articles[0]):
        corpus = Corpus([document_from_paragraphs(article.paragraphs, title=article.title)])
        questions = [q for q, _ in article.questions[: args.questions]]
        print(json.dumps(measure(article.title, corpus, questions, loader, shortlist)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
