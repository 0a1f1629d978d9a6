"""`python -m eval.bench`: index build time, embedding throughput, retrieval and generation speed, memory.

Every measurement that loads a model runs in a fresh subprocess, one at a time, so peak RSS is per backend and
two model loads never compete for the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .gold import ARTICLE_GOLD, load_gold
from .metrics import percentile

BENCH_DIR = Path(__file__).parent / "out" / "bench"
CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
DEFAULT_GENERATORS = "onnx,ctranslate2,transformers,extractive,smollm2"
RESULT_PREFIX = "BENCH-RESULT "  # the one stdout line a worker hands back to the parent
WORKER_TIMEOUT_S = 3600


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(result: dict[str, Any]) -> None:
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def _settings(**overrides: Any) -> Any:
    from rag.settings import get_settings

    return get_settings().model_copy(update=overrides)


def _sentences(texts: Sequence[str], n: int) -> list[str]:
    """Up to n sentence-like pieces. Example: ["A b. C d."] -> ["A b.", "C d."]."""
    out: list[str] = []
    for text in texts:
        for piece in text.replace("\n", " ").split(". "):
            if len(piece.split()) >= 4:
                out.append(piece.strip().rstrip(".") + ".")
                if len(out) == n:
                    return out
    return out


def worker_index(args: argparse.Namespace) -> None:
    """Build the article and SQuAD indexes and time them; measure embedding throughput."""
    from rag.embedding import load_embedder
    from rag.index import build_index

    from .squad import load_squad, write_corpus

    s = _settings()
    t0 = time.perf_counter()
    embedder = load_embedder(s.model_dir, s.threads)
    result: dict[str, Any] = {"embedder_load_s": time.perf_counter() - t0}
    builds = [("article", Path(args.corpus), Path(args.work) / "article-index")]
    squad_texts: list[str] = []
    if args.squad and Path(args.squad).is_file():
        articles, _ = load_squad(Path(args.squad))
        squad_texts = [p for a in articles for p in a.paragraphs]
        write_corpus(articles, Path(args.work) / "squad-corpus")
        builds.append(("squad", Path(args.work) / "squad-corpus", Path(args.work) / "squad-index"))
    for name, corpus, index in builds:
        t0 = time.perf_counter()
        report = build_index(corpus, index, embedder, s.faiss_index, s.chunk_max_chars, progress=False)
        result[f"build_{name}_s"] = time.perf_counter() - t0
        result[f"build_{name}_sentences"] = report.sentences
        result[f"build_{name}_chunks"] = report.chunks
    texts = squad_texts or [f.read_text(encoding="utf-8") for f in sorted(Path(args.corpus).glob("*.*"))]
    sentences = _sentences(texts, args.embed_sentences)
    embedder.embed_batch(sentences[:8])  # warm-up: first call pays for lazy initialisation
    t0 = time.perf_counter()
    embedder.embed_batch(sentences)
    result["embed_sentences"] = len(sentences)
    result["embed_sentences_per_s"] = len(sentences) / (time.perf_counter() - t0)
    _emit(result)


def _token_counter(generator: Any) -> tuple[Any, str]:
    tok = getattr(generator, "tokenizer", None)
    if tok is not None and hasattr(tok, "encode"):
        return (lambda text: len(tok.encode(text, add_special_tokens=False))), "tokenizer"
    return None, "deltas"


def worker_generator(args: argparse.Namespace) -> None:
    """Load one generator backend and time retrieval, first token, decoding and whole answers."""
    from rag.pipeline import Pipeline
    from rag.types import Answer

    s = _settings(generator=args.worker_generator, corpus_dir=Path(args.corpus), index_dir=Path(args.index))
    result: dict[str, Any] = {"generator": args.worker_generator}
    t0 = time.perf_counter()
    try:
        pipeline = Pipeline.from_settings(s)
    except Exception as e:  # any backend that cannot load is reported, not fatal
        result["status"] = f"unavailable: {type(e).__name__}: {e}"
        _emit(result)
        return
    result["load_s"] = time.perf_counter() - t0
    result["model"] = pipeline.generator.name
    t0 = time.perf_counter()
    pipeline.generator.warm_up()
    result["warm_up_s"] = time.perf_counter() - t0

    rows = load_gold(ARTICLE_GOLD)
    all_questions = [r.question for r in rows if not r.history]
    asked = [r.question for r in rows if r.answerable and not r.history][: args.questions]
    pipeline.retrieve(all_questions[0])
    retrieve_ms = []
    for q in all_questions:
        t0 = time.perf_counter()
        pipeline.retrieve(q)
        retrieve_ms.append((time.perf_counter() - t0) * 1000)

    count, how = _token_counter(pipeline.generator)
    ttft_ms, answer_s, tokens, decode_s = [], [], 0, 0.0
    generated = 0
    for q in asked:
        t0 = time.perf_counter()
        deltas: list[tuple[float, str]] = []
        for item in pipeline.stream(q):
            if not isinstance(item, Answer) and item:
                deltas.append((time.perf_counter(), item))
        answer_s.append(time.perf_counter() - t0)
        if not deltas:
            continue  # refused or extractive: nothing was decoded
        generated += 1
        ttft_ms.append((deltas[0][0] - t0) * 1000)
        text_after_first = "".join(d for _, d in deltas[1:])
        n = count(text_after_first) if count else len(deltas) - 1
        if n > 0 and deltas[-1][0] > deltas[0][0]:
            tokens += n
            decode_s += deltas[-1][0] - deltas[0][0]
    result |= {
        "status": "ok",
        "questions": len(asked),
        "generated": generated,
        "retrieve_ms_p50": percentile(retrieve_ms, 50),
        "retrieve_ms_p95": percentile(retrieve_ms, 95),
        "ttft_ms_p50": percentile(ttft_ms, 50),
        "ttft_ms_p95": percentile(ttft_ms, 95),
        "decode_tokens_per_s": tokens / decode_s if decode_s else None,
        "tokens_counted_by": how,
        "answer_s_p50": percentile(answer_s, 50),
        "answer_s_p95": percentile(answer_s, 95),
    }
    _emit(result)


class LoadSampler:
    """Samples the 1-minute load average every few seconds while the benchmark runs."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])


def run_worker(argv: list[str], timeout_s: float = WORKER_TIMEOUT_S) -> dict[str, Any]:
    """Run `python -m eval.bench --worker ...` and return the result it prints (or the failure)."""
    cmd = [sys.executable, "-m", "eval.bench", *argv]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"status": f"timed out after {timeout_s:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    return {"status": f"failed (exit code {proc.returncode}); see the error above"}


def _f(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    """The benchmark as a plain-text table."""
    idx = result["index"]

    def build(name: str, label: str) -> str:
        return (
            f"index build, {label}: {_f(idx.get(f'build_{name}_s'), '.1f')} s "
            f"({idx.get(f'build_{name}_sentences', '?')} sentences, "
            f"{idx.get(f'build_{name}_chunks', '?')} chunks)"
        )

    lines = [
        build("article", "article corpus"),
        build("squad", "SQuAD corpus  "),
        f"embedding throughput:        {_f(idx.get('embed_sentences_per_s'), '.0f')} sentences/s "
        f"({idx.get('embed_sentences', '?')} sentences; "
        f"embedder load {_f(idx.get('embedder_load_s'), '.1f')} s, "
        f"peak RSS {_f(idx.get('peak_rss_mb'), '.0f')} MiB)",
        "",
    ]
    head = (
        "backend",
        "load s",
        "retr p50 ms",
        "retr p95 ms",
        "TTFT p50 ms",
        "decode tok/s",
        "s/answer p50",
        "peak RSS MiB",
        "status",
    )
    rows = [head]
    for g in result["generators"]:
        rows.append(
            (
                g.get("generator", "?"),
                _f(g.get("load_s"), ".1f"),
                _f(g.get("retrieve_ms_p50"), ".1f"),
                _f(g.get("retrieve_ms_p95"), ".1f"),
                _f(g.get("ttft_ms_p50"), ".0f"),
                _f(g.get("decode_tokens_per_s"), ".1f"),
                _f(g.get("answer_s_p50"), ".2f"),
                _f(g.get("peak_rss_mb"), ".0f"),
                str(g.get("status", ""))[:60]
                + (f" ({g['generated']}/{g['questions']} generated)" if g.get("status") == "ok" else ""),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    load = result["loadavg"]
    lines += [
        "",
        f"load average (1 min) while running: mean {load['mean']:.2f}, max {load['max']:.2f} "
        f"on {result['cpus']} CPUs; at the end {load['end']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse flags; run the workers one after another (or be one) and print the table."""
    from .squad import DEFAULT_SQUAD

    p = argparse.ArgumentParser(
        prog="python -m eval.bench", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    p.add_argument(
        "--generators", default=DEFAULT_GENERATORS, help=f"comma-separated (default {DEFAULT_GENERATORS})"
    )
    p.add_argument("--questions", type=int, default=8, help="answerable gold questions to time per backend")
    p.add_argument(
        "--corpus", type=Path, default=CORPUS_DIR, help="article corpus (default the repo's corpus/)"
    )
    p.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, help="SQuAD v2 file for the second index")
    p.add_argument("--no-squad", action="store_true", help="skip the SQuAD index build (minutes on 2 cores)")
    p.add_argument(
        "--work", type=Path, default=BENCH_DIR, help=f"scratch folder for the indexes ({BENCH_DIR})"
    )
    p.add_argument("--embed-sentences", type=int, default=512, help="sentences for the throughput test")
    p.add_argument("--json", type=Path, help="also save the results as JSON")
    p.add_argument("--worker", choices=["index", "generator"], help=argparse.SUPPRESS)
    p.add_argument("--worker-generator", help=argparse.SUPPRESS)
    p.add_argument("--index", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker == "index":
        worker_index(args)
        return 0
    if args.worker == "generator":
        worker_generator(args)
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    squad = "" if args.no_squad else str(args.squad)
    common = ["--corpus", str(args.corpus), "--squad", squad, "--work", str(args.work)]
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with LoadSampler() as load:
        print("building indexes ...", file=sys.stderr, flush=True)
        index = run_worker(["--worker", "index", "--embed-sentences", str(args.embed_sentences), *common])
        generators = []
        for name in [g.strip() for g in args.generators.split(",") if g.strip()]:
            print(f"timing generator {name} ...", file=sys.stderr, flush=True)
            worker = ["--worker", "generator", "--worker-generator", name, "--questions", str(args.questions)]
            generators.append(
                {"generator": name}
                | run_worker([*worker, *common, "--index", str(args.work / "article-index")])
            )
    result = {
        "started": started,
        "cpus": os.cpu_count(),
        "index": index,
        "generators": generators,
        "loadavg": {
            "mean": sum(load.samples) / len(load.samples),
            "max": max(load.samples),
            "end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "samples": load.samples,
        },
    }
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"saved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
