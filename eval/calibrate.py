"""`rag calibrate`: choose the refusal gate's evidence-score threshold on questions kept apart for it.

For every calibration question the gate is replayed at each threshold on a grid; the chosen threshold
maximises balanced accuracy (mean of: answerable questions let through, unanswerable ones refused),
smoothed over neighbouring thresholds, and among equally good thresholds the middle of the widest run
is taken, so it sits away from either edge.
The evaluation set (eval/gold/article.jsonl) is never read here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rag.retrieval import build_query
from rag.settings import get_settings
from rag.types import Turn

DEFAULT_GOLD = Path(__file__).parent / "gold" / "calibration.jsonl"
GRID = np.round(np.arange(0.20, 0.80, 0.01), 2)
SMOOTH = 3


def calibrate(args: argparse.Namespace) -> int:
    """Print the per-threshold balanced accuracy and the recommended RAG_MIN_EVIDENCE_SCORE."""
    from rag.embedding import load_embedder
    from rag.generation import ExtractiveGenerator
    from rag.index import load_index
    from rag.pipeline import Pipeline

    settings = get_settings()
    index_dir = args.index_dir or settings.index_dir
    gold = args.gold or DEFAULT_GOLD
    rows = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line.strip()]
    pipeline = Pipeline(load_index(index_dir), load_embedder(settings.model_dir), ExtractiveGenerator(), settings)
    r = pipeline.retriever
    decisions = np.zeros((len(rows), len(GRID)), dtype=bool)
    for i, row in enumerate(rows):
        history = [Turn(t["role"], t["content"]) for t in row.get("history", [])]
        query = build_query(row["question"], history)
        qvec = pipeline.embedder.embed(query)
        evidence = r.evidence(row["question"], query, r.retrieve(query, 6, qvec), qvec)
        for j, threshold in enumerate(GRID):
            decisions[i, j] = r.gate(row["question"], evidence, float(threshold), query=query).answerable
    answerable = np.array([bool(row["answerable"]) for row in rows])
    tpr = decisions[answerable].mean(axis=0) if answerable.any() else np.ones(len(GRID))
    tnr = (~decisions[~answerable]).mean(axis=0) if (~answerable).any() else np.ones(len(GRID))
    balanced = (tpr + tnr) / 2
    # A few dozen questions give a jagged curve: choose on its moving average over ±SMOOTH grid steps,
    # so one lucky question does not decide the threshold.
    kernel = np.ones(2 * SMOOTH + 1) / (2 * SMOOTH + 1)
    smooth = np.convolve(np.pad(balanced, SMOOTH, mode="edge"), kernel, mode="valid")
    best = smooth.max()
    runs, run = [], []
    for j, b in enumerate(smooth):
        if np.isclose(b, best):
            run.append(j)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    widest = max(runs, key=len)
    chosen = float(GRID[widest[len(widest) // 2]])
    print(f"{len(rows)} questions ({int(answerable.sum())} answerable) from {gold}")
    print("threshold  answered-when-answerable  refused-when-unanswerable  balanced")
    for j in range(0, len(GRID), 5):
        print(f"{GRID[j]:9.2f}  {tpr[j]:24.2f}  {tnr[j]:25.2f}  {balanced[j]:8.2f}")
    print(f"best smoothed balanced accuracy {best:.2f} for thresholds {GRID[widest[0]]:.2f}..{GRID[widest[-1]]:.2f}")
    print(f"recommended: RAG_MIN_EVIDENCE_SCORE={chosen:.2f} (current {settings.min_evidence_score:.2f})")
    return 0
