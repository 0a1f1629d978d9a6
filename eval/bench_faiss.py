"""`python -m eval.bench_faiss`: build and query FAISS index types on a synthetic corpus of N chunks.

The vectors are random unit vectors with cluster structure (like sentence embeddings, they crowd around
topics), 384 dimensions as all-MiniLM-L6-v2. Each query is a stored vector slightly perturbed; hit@10 is
the share of queries whose source vector is among the 10 results (the exact Flat index scores 1.0).
Example: python -m eval.bench_faiss --n 1000000 --specs Flat,HNSW32,IVF4096,Flat,IVF4096,PQ48
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

NOISE = 0.35  # spread around a topic centre: near neighbours are much closer than the rest, as in real embeddings
QUERY_NOISE = 0.02  # a query is its source vector moved a little


def synthetic(n: int, dim: int, seed: int, topics: int = 20000) -> np.ndarray:
    """(n, dim) float32 unit vectors scattered around `topics` random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for i in range(0, n, step):
        m = min(step, n - i)
        block = centres[rng.integers(0, topics, m)] + NOISE * rng.standard_normal((m, dim), dtype=np.float32)
        out[i : i + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def measure(spec: str, vecs: np.ndarray, queries: np.ndarray, sources: np.ndarray, k: int) -> dict:
    """Build time, query p50/p95 (one query at a time, as the server does) and hit@k of each query's source."""
    import faiss

    t0 = time.perf_counter()
    index = faiss.index_factory(vecs.shape[1], spec, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        sample = vecs[np.random.default_rng(1).choice(len(vecs), min(len(vecs), 100_000), replace=False)]
        index.train(sample)
    index.add(vecs)
    build = time.perf_counter() - t0
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = 64
    ivf = faiss.try_extract_index_ivf(index) if "IVF" in spec else None
    if ivf is not None:
        ivf.nprobe = 16
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    hit = float(np.mean([src in ids for src, ids in zip(sources, found, strict=True)]))
    return {
        "spec": spec,
        "build_s": round(build, 1),
        "query_p50_ms": round(float(np.percentile(times, 50)), 2),
        "query_p95_ms": round(float(np.percentile(times, 95)), 2),
        f"hit@{k}": round(hit, 3),
        "bytes_per_vector": round(faiss.serialize_index(index).size / len(vecs), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_faiss", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="chunks in the synthetic corpus")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--specs", default="Flat;HNSW32;IVF4096,Flat;IVF4096,PQ48",
                        help="faiss.index_factory strings separated by ';'")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    vecs = synthetic(args.n, args.dim, seed=0)
    # queries near stored vectors, as a question lands near the chunk that answers it
    rng = np.random.default_rng(7)
    sources = rng.choice(len(vecs), args.queries, replace=False)
    near = vecs[sources]
    queries = near + QUERY_NOISE * rng.standard_normal(near.shape, dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    print(f"{args.n:,} synthetic vectors of {args.dim} dims in {time.perf_counter() - t:.1f} s; "
          f"load average {os.getloadavg()[0]:.2f}")
    rows = []
    for spec in args.specs.split(";"):
        row = measure(spec, vecs, queries, sources, 10)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| index | build s | query p50 ms | query p95 ms | hit@10 | bytes/vector |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['spec']} | {r['build_s']} | {r['query_p50_ms']} | {r['query_p95_ms']} | {r['hit@10']} | "
              f"{r['bytes_per_vector']} |")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"n": args.n, "dim": args.dim, "rows": rows, "loadavg": os.getloadavg()}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
