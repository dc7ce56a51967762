"""Speed at scale (issue 7): build, start from cache, query latency, peak RSS, vs rank-bm25.

    python benchmarks/speed.py [--sizes 1000,10000,100000,1000000] [--workdir DIR]

For each size N the first N passages of ../shared/bench/corpus-1m.txt.xz are written as
one .txt document with a blank line between passages (so each passage is a paragraph
the cleaner sees; headings and merged lines follow the cleaner's rules). Each step runs
in a fresh child process so its peak RSS is its own:

* cold build: clean + analyse + index (no cache), then the cache save, timed apart;
* warm start: ``build_engine`` from the cache; then every query of queries.txt, one at a
  time, through ``analyzer.question_terms`` + ``index.top(terms, 5)``;
* rank-bm25: ``BM25Okapi`` over the same tokens, ``get_scores`` + argpartition top-5,
  and the equality check (same top-5 ids, scores within 1e-6 relative, dense scores too);
* ``citebot ask --json --docs FILE``: one question per stdin line, round trip per answer,
  ranked by words only (``CITEBOT_SEMANTIC=off`` unless set): this measures the index.
  Sentence vectors, which ``ask`` uses by default up to 20,000 passages, cost ~0.4 s per
  new question on these long passages (``benchmarks/semantic_cost.py``).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CITEBOT_BENCH_DATA", REPO.parent / "shared" / "bench"))
sys.path.insert(0, str(REPO))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values) * 1000
    return {"p50_ms": float(np.percentile(arr, 50)), "p99_ms": float(np.percentile(arr, 99)),
            "mean_ms": float(arr.mean()), "n": int(arr.shape[0])}


def _queries(limit: int | None = None) -> list[str]:
    lines = (SHARED / "queries.txt").read_text("utf-8").splitlines()
    return [q for q in lines if q.strip()][:limit]


# --- child processes ----------------------------------------------------------------


def child_build(doc: str, cache: str) -> dict[str, Any]:
    from retrieval.cache import IndexCache, fingerprint
    from retrieval.documents import DEFAULT_MAX_DOCUMENT_BYTES, find_document_files
    from retrieval.engine import _build_index
    from retrieval.index import DEFAULT_B, DEFAULT_EPSILON, DEFAULT_K1
    from retrieval.snapshot import to_snapshot

    started = time.perf_counter()
    files = find_document_files([doc])
    index = _build_index(files, None, max_document_bytes=DEFAULT_MAX_DOCUMENT_BYTES)
    built = time.perf_counter() - started
    from retrieval.analysis import Analyzer

    settings = {"k1": DEFAULT_K1, "b": DEFAULT_B, "epsilon": DEFAULT_EPSILON,
                "stopwords": sorted(Analyzer().stopwords),
                "max_document_bytes": DEFAULT_MAX_DOCUMENT_BYTES}
    t = time.perf_counter()
    IndexCache(root=Path(cache)).save(files, fingerprint(files, settings), *to_snapshot(index))
    return {"build_s": built, "save_s": time.perf_counter() - t, "peak_mb": _peak_mb(),
            "passages": len(index.corpus), "terms": len(index.vocabulary),
            "postings": int(index.impact.post_ids.shape[0])}


def child_warm(doc: str, cache: str) -> dict[str, Any]:
    from retrieval.engine import build_engine

    started = time.perf_counter()
    engine = build_engine([doc], cache_dir=Path(cache), min_cache_bytes=0)
    warm = time.perf_counter() - started
    if not engine.from_cache:
        raise SystemExit("the cache did not load")
    index = engine.index
    questions = _queries()
    terms = [index.analyzer.question_terms(q) for q in questions]
    index.top(terms[0], 5)  # first call allocates the scratch buffer
    times, cpu = [], []
    for t in terms:
        s, c = time.perf_counter(), time.thread_time()
        index.top(t, 5)
        times.append(time.perf_counter() - s)
        cpu.append(time.thread_time() - c)
    analysed = []
    for q in questions:
        s = time.perf_counter()
        index.top(index.analyzer.question_terms(q), 5)
        analysed.append(time.perf_counter() - s)
    return {"warm_s": warm, "peak_mb": _peak_mb(), "top5": _pct(times), "top5_cpu": _pct(cpu),
            "analyse_and_top5": _pct(analysed)}


def child_rank_bm25(doc: str, cache: str, sample: int) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    from retrieval.engine import build_engine

    engine = build_engine([doc], cache_dir=Path(cache), min_cache_bytes=0)
    index = engine.index
    tokens = list(index.tokens)
    started = time.perf_counter()
    reference = BM25Okapi(tokens, k1=index.k1, b=index.b, epsilon=index.epsilon)
    build = time.perf_counter() - started
    questions = _queries()
    step = max(1, len(questions) // sample)
    chosen = questions[::step][:sample]
    times, mismatches, worst = [], 0, 0.0
    for q in chosen:
        terms = index.analyzer.question_terms(q)
        s = time.perf_counter()
        scores = np.asarray(reference.get_scores(terms))
        k = min(5, int(np.count_nonzero(scores > 0)))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
        times.append(time.perf_counter() - s)
        order = np.argsort(-scores, kind="stable")
        want = order[scores[order] > 0][:5]
        ids, ours = index.top(terms, 5)
        if ids.tolist() != want.tolist() or len(top) != len(want):
            mismatches += 1
        dense = index.scores(terms)
        denom = np.maximum(np.abs(scores), 1e-12)
        worst = max(worst, float(np.max(np.abs(dense - scores) / denom)),
                    float(np.max(np.abs(ours - scores[want]) / denom[want], initial=0.0)))
    return {"build_s": build, "query": _pct(times), "checked": len(chosen),
            "top5_mismatches": mismatches, "max_rel_diff": worst, "peak_mb": _peak_mb()}


def _run_child(mode: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, __file__, "--child", mode, *args],
                         capture_output=True, text=True, check=False, env=env)
    if out.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def ask_round_trip(doc: Path, cache: Path, count: int) -> dict[str, Any]:
    env = dict(os.environ, CITEBOT_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    env.setdefault("CITEBOT_SEMANTIC", "off")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ask", "--json", "--docs", str(doc)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                            bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    times = []
    first = 0.0
    for i, q in enumerate(_queries(count)):
        s = time.perf_counter()
        proc.stdin.write(q + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("citebot ask stopped answering")
        json.loads(line)
        if i == 0:
            first = time.perf_counter() - started
        else:
            times.append(time.perf_counter() - s)
    proc.stdin.close()
    proc.wait()
    return {"first_answer_s": first, "round_trip": _pct(times)}


# --- driver ---------------------------------------------------------------------------


def write_corpus(size: int, workdir: Path) -> Path:
    path = workdir / f"corpus-{size}.txt"
    if path.exists():
        return path
    with lzma.open(SHARED / "corpus-1m.txt.xz", "rt", encoding="utf-8") as src, path.open(
        "w", encoding="utf-8"
    ) as out:
        for i, line in enumerate(src):
            if i >= size:
                break
            out.write(line.rstrip("\n") + "\n\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--workdir", default="/tmp/citebot-speed")
    parser.add_argument("--rank-bm25-full", type=int, default=100_000,
                        help="largest size where rank-bm25 runs every query")
    parser.add_argument("--rank-bm25-sample", type=int, default=50,
                        help="queries for rank-bm25 above that size")
    parser.add_argument("--ask-questions", type=int, default=300)
    parser.add_argument("--steps", default="build,warm,rank_bm25,ask",
                        help="which steps to run (the table needs all; 'ask' alone reuses "
                             "the cache a build step left in --workdir)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "build":
            result = child_build(rest[0], rest[1])
        elif mode == "warm":
            result = child_warm(rest[0], rest[1])
        else:
            result = child_rank_bm25(rest[0], rest[1], int(rest[2]))
        print(json.dumps(result))
        return
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        doc = write_corpus(size, workdir)
        cache = workdir / f"cache-{size}"
        row: dict[str, Any] = {"size": size}
        steps = set(args.steps.split(","))
        if "build" in steps:
            row["cold"] = _run_child("build", str(doc), str(cache))
            print(json.dumps(row), flush=True)
        if "warm" in steps:
            row["warm"] = _run_child("warm", str(doc), str(cache))
        sample = 1000 if size <= args.rank_bm25_full else args.rank_bm25_sample
        if sample > 0 and "rank_bm25" in steps:
            row["rank_bm25"] = _run_child("rank_bm25", str(doc), str(cache), str(sample))
        if "ask" in steps:
            row["ask"] = ask_round_trip(doc, cache, args.ask_questions)
        results.append(row)
        print(json.dumps(row), flush=True)
    if all(key in r for r in results for key in ("cold", "warm", "ask")):
        (workdir / "results.json").write_text(json.dumps(results, indent=1))
        print(table(results))


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| lines | passages | cold build s (+save) | warm start s | peak RSS MB cold / warm "
        "| top-5 p50 / p99 ms (CPU) | rank-bm25 build s / p50 / p99 ms | equal (checked, max rel) "
        "| ask --json p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c, w, a = r["cold"], r["warm"], r["ask"]["round_trip"]
        rb = r.get("rank_bm25")
        ref = (f"{rb['build_s']:.1f} / {rb['query']['p50_ms']:.1f} / {rb['query']['p99_ms']:.1f}"
               if rb else "-")
        eq = (f"{'yes' if rb['top5_mismatches'] == 0 else 'NO'} ({rb['checked']}, "
              f"{rb['max_rel_diff']:.1e})" if rb else "-")
        lines.append(
            f"| {r['size']:,} | {c['passages']:,} | {c['build_s']:.1f} (+{c['save_s']:.1f}) "
            f"| {w['warm_s']:.2f} | {c['peak_mb']:.0f} / {w['peak_mb']:.0f} "
            f"| {w['top5']['p50_ms']:.2f} / {w['top5']['p99_ms']:.2f} "
            f"({w['top5_cpu']['p50_ms']:.2f} / {w['top5_cpu']['p99_ms']:.2f}) | {ref} | {eq} "
            f"| {a['p50_ms']:.1f} / {a['p99_ms']:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
