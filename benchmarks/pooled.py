"""A folder of many documents: the SQuAD tuning articles pooled into one index.

Each of the 24 articles is written as a Markdown file (``# Title``, then its paragraphs)
into one folder, loaded the way ``citebot ask --docs FOLDER`` loads it, and every
question is asked of the pooled index. Beside each pooled figure, the same questions
asked of their own article alone (``quality.py``'s SQuAD setting, one index per article,
no headings), so the cost of sharing an index with 23 other documents shows.

    python benchmarks/pooled.py                 # word-only ranking (the chat bots)
    python benchmarks/pooled.py --semantic      # citebot ask's ranking
    python benchmarks/pooled.py --every 3       # every third question (quicker)
    python benchmarks/pooled.py --grid --every 2 --offset 1   # also other routing settings
    python benchmarks/pooled.py --off-topic     # questions of an article not in the folder
    python benchmarks/pooled.py --split 2       # each article cut in 2 files: related ones

Two pooled rankings: "by document", what citebot does with a folder (retrieval/routing.py:
the question is ranked within each of the D documents that score best by BM25 over
documents, each with its own statistics, merged by the model's score plus w times the
document's standardised score), and "one ranking", the whole folder ranked as one
collection (``Answerer.router`` off, as before routing).

In-sample: the shipped models were trained on these articles (one at a time), so both
columns are above unseen-article figures; the difference between them is the point.
``right document``: the top quote comes from the question's own article.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.quality import (  # noqa: E402
    SquadArticle,
    _contains,
    answerer_for,
    load_squad,
    squad_engine,
)
from retrieval.analysis import Analyzer  # noqa: E402
from retrieval.answer import Answerer  # noqa: E402
from retrieval.corpus import load_corpus  # noqa: E402
from retrieval.documents import find_document_files  # noqa: E402
from retrieval.index import BM25Index  # noqa: E402
from retrieval.rerank import TreeModel, load_model  # noqa: E402
from retrieval.routing import distinctness  # noqa: E402
from retrieval.semantic import EncoderLoader  # noqa: E402


def write_folder(folder: Path, articles: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """One ``NN-title.md`` per article; returns the titles as the loader reads them."""
    titles = []
    for n, (title, paragraphs) in enumerate(articles):
        name = title.replace("_", " ")
        text = f"---\ntitle: {name}\n---\n\n# {name}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"{n:02d}-{title[:40]}.md").write_text(text, "utf-8")
        titles.append(name)
    return titles


def _stems(analyzer: Analyzer, text: str) -> list[str]:
    stop = analyzer.stopwords
    return [analyzer.stem(w) for w in analyzer.words(text) if w not in stop]


class Tally:
    def __init__(self) -> None:
        self.n = self.hit1 = self.hit3 = self.declined = self.own = 0
        self.seconds: list[float] = []

    def add(self, answerer: Answerer, question: str, golds: Sequence[str],
            title: str | None = None) -> None:
        start = time.perf_counter()
        answer = answerer.answer(question, k=3)
        self.seconds.append(time.perf_counter() - start)
        self.n += 1
        self.declined += not answer.answered
        quotes = [c.quote for c in answer.citations]
        self.hit1 += bool(quotes) and _contains(quotes[0], golds)
        self.hit3 += any(_contains(q, golds) for q in quotes[:3])
        if title is not None and answer.citations:
            self.own += answer.citations[0].source == title

    def figures(self) -> dict[str, float]:
        n = max(1, self.n)
        times = sorted(self.seconds) or [0.0]
        return {"questions": self.n, "hit@1": round(self.hit1 / n, 4),
                "hit@3": round(self.hit3 / n, 4), "declined": round(self.declined / n, 4),
                "right_document": round(self.own / n, 4),
                "answer_ms_median": round(1000 * times[len(times) // 2], 2),
                "answer_ms_p99": round(1000 * times[int(0.99 * (len(times) - 1))], 2)}


GRID = [(docs, weight) for docs in (2, 3, 4, 5, 6) for weight in (0.5, 1.0, 1.5, 2.0)]


def pooled_answerer(folder: Path, analyzer: Analyzer, model: TreeModel, loader: EncoderLoader,
                    *, route: bool | None) -> Answerer:
    """``route``: None as citebot decides, True or False whatever the folder."""
    corpus = load_corpus(find_document_files([folder]))
    index = BM25Index(corpus=corpus, analyzer=analyzer)
    return answerer_for(index, model, loader, route=route)


def off_topic(articles: Sequence[SquadArticle], analyzer: Analyzer, model: TreeModel,
              loader: EncoderLoader, every: int) -> dict[str, float]:
    """Each article's questions asked of a folder of the other 23: the share declined,
    by document and as one collection."""
    declined = {"by document": 0, "one ranking": 0}
    asked = 0
    for n, article in enumerate(articles):
        others = [(a.title, a.paragraphs) for i, a in enumerate(articles) if i != n]
        with tempfile.TemporaryDirectory(prefix="citebot-pooled-") as tmp:
            write_folder(Path(tmp), others)
            answerers = {
                "by document": pooled_answerer(Path(tmp), analyzer, model, loader, route=None),
                "one ranking": pooled_answerer(Path(tmp), analyzer, model, loader, route=False),
            }
            for question, _ in article.questions[::every]:
                asked += 1
                for name, answerer in answerers.items():
                    declined[name] += not answerer.answer(question, k=3).answered
    return {f"off_topic_declined ({name})": round(count / max(1, asked), 4)
            for name, count in declined.items()} | {"off_topic_questions": asked}


def split_articles(articles: Sequence[SquadArticle], analyzer: Analyzer, model: TreeModel,
                   loader: EncoderLoader, parts: int, every: int) -> dict[str, object]:
    """Folders of related documents: each article cut into ``parts`` files of
    consecutive paragraphs, its questions asked of that folder: as one collection, as
    citebot ranks it (routed only when its documents are distinct enough), and routed
    whatever the distinctness."""
    tallies: dict[str, Tally] = {}
    measured: list[float] = []
    for article in articles:
        n = len(article.paragraphs)
        pieces = [(f"{article.title}_{k + 1}", article.paragraphs[k * n // parts:
                                                                (k + 1) * n // parts])
                  for k in range(parts)]
        with tempfile.TemporaryDirectory(prefix="citebot-pooled-") as tmp:
            write_folder(Path(tmp), pieces)
            shipped = pooled_answerer(Path(tmp), analyzer, model, loader, route=None)
            measured.append(distinctness(shipped.index))
            rankings = {
                "one ranking": pooled_answerer(Path(tmp), analyzer, model, loader, route=False),
                "as shipped": shipped,
                "routed": pooled_answerer(Path(tmp), analyzer, model, loader, route=True),
            }
            for question, golds in article.questions[::every]:
                for name, answerer in rankings.items():
                    tallies.setdefault(name, Tally()).add(answerer, question, golds)
    report: dict[str, object] = {name: t.figures() for name, t in tallies.items()}
    report["distinctness"] = {"min": round(min(measured), 4), "max": round(max(measured), 4)}
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semantic", action="store_true", help="citebot ask's ranking")
    parser.add_argument("--every", type=int, default=1, help="ask every n-th question")
    parser.add_argument("--offset", type=int, default=0,
                        help="with --every: start at this question (another sample)")
    parser.add_argument("--grid", action="store_true",
                        help="also other document counts and weights of the routing")
    parser.add_argument("--off-topic", action="store_true",
                        help="instead: each article's questions asked of the other 23")
    parser.add_argument("--split", type=int, default=0, metavar="N",
                        help="instead: each article cut into N files (related documents)")
    args = parser.parse_args(argv)
    articles = load_squad()
    model = load_model(semantic=args.semantic)
    analyzer, loader = Analyzer(), EncoderLoader()
    if args.split:
        print(json.dumps(split_articles(articles, analyzer, model, loader, args.split,
                                        args.every), indent=2))
        return 0
    if args.off_topic:
        print(json.dumps(off_topic(articles, analyzer, model, loader, args.every), indent=2))
        return 0
    tallies: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory(prefix="citebot-pooled-") as tmp:
        folder = Path(tmp)
        titles = write_folder(folder, [(a.title, a.paragraphs) for a in articles])
        by_document = pooled_answerer(folder, analyzer, model, loader, route=None)
        router = by_document.router
        assert router is not None
        settings = [(router.documents, router.weight)] + (GRID if args.grid else [])
        ranked: dict[str, Answerer] = {
            "one ranking": pooled_answerer(folder, analyzer, model, loader, route=False),
        }
        print(f"{len(by_document.index.corpus.documents)} documents, "
              f"{len(by_document.index)} sentences", flush=True)
        for article, title in zip(articles, titles, strict=True):
            alone = squad_engine(article, analyzer=analyzer, model=model, loader=loader)
            for question, golds in article.questions[args.offset :: args.every]:
                for name, answerer in ranked.items():
                    tallies.setdefault(name, Tally()).add(answerer, question, golds, title)
                for docs, weight in settings:
                    router.documents, router.weight = docs, weight
                    name = f"by document (D={docs}, w={weight})"
                    tallies.setdefault(name, Tally()).add(by_document, question, golds, title)
                tallies.setdefault("alone", Tally()).add(alone.answerer, question, golds)
    print(json.dumps({name: tally.figures() for name, tally in tallies.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
