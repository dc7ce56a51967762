"""Out-of-fold SQuAD figures of the semantic model with shortlist score = semantic model
+ b x word-only model, for several b; then writes the all-data model (branch only).

    python benchmarks/blend_cv.py SEED 0,0.25,0.5,1.0 [OUT.json]
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
import benchmarks.train_reranker as tr
from benchmarks.quality import evaluate_squad, load_squad
from retrieval.analysis import Analyzer
from retrieval.answer import Answerer
from retrieval.encoder import SentenceEncoder
from retrieval.rerank import model_from_json
from retrieval.semantic import EncoderLoader

BLENDS = [float(b) for b in sys.argv[2].split(",")]
seed = int(sys.argv[1])
original = Answerer._shortlist_scores
state = {"b": 0.0}

def blended(self, found, shortlisted, lexical):
    heading = found.heading[shortlisted] if found.heading is not None else None
    short = self._with_heading(self.reranker.predict(found.features[shortlisted])
                               + state["b"] * lexical[shortlisted], heading)
    scores = np.empty(len(lexical))
    scores[shortlisted] = short
    rest = ~shortlisted
    if rest.any():
        scores[rest] = short.min() - (lexical[shortlisted].min() - lexical[rest])
    return scores

Answerer._shortlist_scores = blended
articles = load_squad(tr.SQUAD)
analyzer = Analyzer()
loader = EncoderLoader(lambda: tr.MemoEncoder(SentenceEncoder.load()))
rows = [tr.article_rows(a, analyzer, loader, tr.AUGMENT, seed) for a in articles]
totals = {b: {} for b in BLENDS}
n_total = 0
for fold in range(6):
    test = [i for i in range(len(articles)) if i % 6 == fold]
    train_rows = [row for i, art in enumerate(rows) if i not in test for row in art]
    prefilter = tr.word_only_model(train_rows, seed, {})
    model = model_from_json(tr.train(train_rows, seed, {}, True))
    for b in BLENDS:
        state["b"] = b
        result = evaluate_squad([articles[i] for i in test], model=model, analyzer=analyzer,
                                loader=loader, prefilter=prefilter, shortlist=tr.SEMANTIC_SHORTLIST)
        n = int(result["questions"])
        if b == BLENDS[0]:
            n_total += n
        for k, v in result.items():
            totals[b][k] = totals[b].get(k, 0.0) + v * n
        print(f"fold {fold} b {b}: hit@1 {result['hit@1']:.4f}", flush=True)
for b in BLENDS:
    figures = {k: round(v / n_total, 4) for k, v in totals[b].items() if k != "questions"}
    print(f"b {b} out-of-fold: " + json.dumps(figures), flush=True)
if len(sys.argv) > 3:
    trained = tr.train([r for art in rows for r in art], seed, {}, True)
    Path(sys.argv[3]).write_text(json.dumps(trained, separators=(",", ":")), "utf-8")
    print("wrote", sys.argv[3])
