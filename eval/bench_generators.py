"""Side-by-side speed and answer check of the generator backends, each in its own subprocess.

Every backend answers the same prompts (built by rag.generation.build_messages from four sentences of the
article) and one "copy" prompt that always runs to max_new_tokens, which gives the decode rate.

    python -m eval.bench_generators                       # every backend whose runtime is installed
    python -m eval.bench_generators --only ct2-int8-t2 --json bench.json
    python -m eval.bench_generators --prepare-onnx        # first build the onnxruntime-genai int8 and int4 folders

Columns: load s (construct, no warm-up), TTFT s (median over the questions, first non-empty delta),
decode tok/s and total s (copy prompt, ~40 tokens), peak RSS (whole subprocess), answers found (gold
answer string inside the text). Timings depend on the machine's other load: the 1-minute load average
is printed before and after each backend.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "000_53eae6447d86a213.txt"

# Phrases of four sentences of the article (gold evidence of a01, a03, a05, a09); each is widened to its sentence.
EVIDENCE = (
    "Pyongyang has reportedly decided to relocate them to Russia",
    "a source familiar with the matter told the JoongAng Ilbo",
    "planned to redispatch its IT workforce",
    "deployed around 50,000 workers to China",
)
# (question, gold answers; empty = not answerable from the evidence)
CASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("To which country is Pyongyang reportedly moving the workers that China told to leave?", ("Russia",)),
    ("Which newspaper did the source speak to?", ("JoongAng Ilbo",)),
    ("Roughly how many workers had North Korea sent to China?", ("50,000", "50000")),
    ("What is the capital of France?", ()),
)
QUESTION_TOKENS = 48
COPY_TOKENS = 40
COPY_PROMPT = "Copy sentences [1], [2] and [3] word for word, in one paragraph."
ONNX_PRECISIONS = ("int8", "int4")


def evidence_sentences() -> list[Any]:
    """rag.types.Evidence for the EVIDENCE phrases, each widened to its whole sentence of the article."""
    from rag.types import Evidence, Sentence

    text = ARTICLE.read_text(encoding="utf-8")
    out = []
    for i, phrase in enumerate(EVIDENCE):
        at = text.index(phrase)
        start = max(text.rfind("\n", 0, at), text.rfind(". ", 0, at) + 1) + 1
        while text[start] == " ":
            start += 1
        m = re.compile(r"[.!?](?=\s)").search(text, at + len(phrase))
        end = m.end() if m else len(text)
        out.append(Evidence(Sentence(i, ARTICLE.stem, start, end, text[start:end]), 1.0, 1.0, 1.0))
    return out


def prompts() -> list[tuple[str, list[dict[str, str]], int, tuple[str, ...]]]:
    """(label, messages, max_new_tokens, gold answers) for every question and the copy prompt."""
    from rag.generation import SYSTEM_PROMPT, build_messages

    ev = evidence_sentences()
    out = [(q, build_messages(q, ev), QUESTION_TOKENS, gold) for q, gold in CASES]
    numbered = "\n".join(f"[{i}] {e.sentence.text}" for i, e in enumerate(ev, start=1))
    copy = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": f"{numbered}\n\n{COPY_PROMPT}"}]
    out.append(("copy", copy, COPY_TOKENS, ()))
    return out


def _factories(model_dir: Path) -> dict[str, Callable[[], Any]]:
    from rag import backends, models
    from rag.generation import TransformersGenerator

    def qwen() -> Path:
        return models.prepared_qwen(model_dir).folder

    def ct2() -> Path:
        return backends.prepared_ctranslate2(model_dir)

    def transformers(t: int) -> Any:
        return TransformersGenerator(str(qwen()), f"transformers fp32 t{t}", t)

    def ctranslate2(compute: str, t: int, cache_prefix: bool = True) -> Any:
        note = "" if cache_prefix else ", no prefix cache"
        return backends.CTranslate2Generator(ct2(), f"ctranslate2 {compute} t{t}{note}", t, compute, cache_prefix)

    out: dict[str, Callable[[], Any]] = {}
    for t in (1, 2):
        out[f"transformers-fp32-t{t}"] = functools.partial(transformers, t)
    for compute, t in (("int8", 1), ("int8", 2), ("int8_float32", 2), ("float32", 2)):
        out[f"ct2-{compute}-t{t}"] = functools.partial(ctranslate2, compute, t)
    out["ct2-int8-t2-nocache"] = functools.partial(ctranslate2, "int8", 2, False)

    def onnx(precision: str, t: int, cache_prefix: bool = True) -> Any:
        note = "" if cache_prefix else ", no prefix cache"
        folder = backends.prepared_onnx(model_dir, precision)
        return backends.OnnxGenaiGenerator(folder, f"onnxruntime-genai {precision} t{t}{note}", t, cache_prefix)

    for precision in ONNX_PRECISIONS:
        for t in (1, 2):
            out[f"onnx-{precision}-t{t}"] = functools.partial(onnx, precision, t)
    out["onnx-int8-t2-nocache"] = functools.partial(onnx, "int8", 2, False)
    return out


def _available(name: str, model_dir: Path) -> str:
    """'' if the backend can run here, else why not."""
    import importlib.util

    from rag import backends

    module = {"ct2": "ctranslate2", "onnx": "onnxruntime_genai"}.get(name.split("-")[0])
    if module and importlib.util.find_spec(module) is None:
        return f"{module} not installed"
    if module == "onnxruntime_genai":
        precision = name.split("-")[1]
        if not (backends.onnx_dir(model_dir, precision) / backends.ONNX_MARKER).is_file():
            return "no ONNX folder: run with --prepare-onnx"
    return ""


# -- one backend, in a child process -----------------------------------------------------------------


def run_one(name: str, model_dir: Path, repeat: int = 1) -> dict[str, Any]:
    """Load one backend, answer every prompt (`repeat` times, keeping the fastest), report timings and texts."""
    from rag.generation import StopSignal

    t0 = time.perf_counter()
    gen = _factories(model_dir)[name]()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in gen.stream([{"role": "user", "content": "Say OK."}], 2, StopSignal()):
        pass
    warm_s = time.perf_counter() - t0
    runs = []
    for label, messages, max_new, gold in prompts():
        best: dict[str, Any] | None = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            first = None
            text = ""
            for delta in gen.stream(messages, max_new, StopSignal()):
                if delta and first is None:
                    first = time.perf_counter() - t0
                text += delta
            run = {"label": label, "ttft_s": first, "total_s": time.perf_counter() - t0, "text": text,
                   "gold": list(gold)}
            if best is None or run["total_s"] < best["total_s"]:
                best = run
        runs.append(best)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux -> GiB
    return {"name": name, "model": gen.name, "load_s": load_s, "warmup_s": warm_s, "peak_rss_gib": rss,
            "runs": runs}


# -- the parent: run each backend in its own process, then tabulate ----------------------------------


def _count_tokens(model_dir: Path) -> Callable[[str], int]:
    from tokenizers import Tokenizer

    from rag import models

    tok = Tokenizer.from_file(str(models.prepared_qwen(model_dir).folder / "tokenizer.json"))
    return lambda text: len(tok.encode(text, add_special_tokens=False).ids)


def summarise(result: dict[str, Any], count: Callable[[str], int]) -> dict[str, Any]:
    questions = [r for r in result["runs"] if r["label"] != "copy"]
    copy = next(r for r in result["runs"] if r["label"] == "copy")
    n = count(copy["text"])
    decode = (n - 1) / (copy["total_s"] - copy["ttft_s"]) if n > 1 and copy["ttft_s"] is not None else None
    found = sum(any(g.lower() in r["text"].lower() for g in r["gold"]) for r in questions if r["gold"])
    ttfts = [r["ttft_s"] for r in questions if r["ttft_s"] is not None]
    return {
        "ttft_s": statistics.median(ttfts) if ttfts else None,
        "copy_tokens": n,
        "decode_tok_s": decode,
        "copy_total_s": copy["total_s"],
        "found": f"{found}/{sum(1 for r in questions if r['gold'])}",
    }


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def table(results: list[dict[str, Any]]) -> str:
    head = ("| backend | load s | TTFT s | decode tok/s | total s (copy, tokens) | peak RSS GiB | answers found "
            "| load avg before/after |\n|---|---|---|---|---|---|---|---|")
    rows = [head]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['name']} | skipped: {r['error']} | | | | | | |")
            continue
        s = r["summary"]
        rows.append(
            f"| {r['name']} | {_fmt(r['load_s'], 1)} | {_fmt(s['ttft_s'])} | {_fmt(s['decode_tok_s'], 1)} "
            f"| {_fmt(s['copy_total_s'], 1)} ({s['copy_tokens']}) | {_fmt(r['peak_rss_gib'])} | {s['found']} "
            f"| {r['load_before']:.2f} / {r['load_after']:.2f} |"
        )
    return "\n".join(rows)


def answers(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        if "error" in r:
            continue
        lines.append(f"\n**{r['name']}** ({r['model']})")
        for run in r["runs"]:
            lines.append(f"- {run['label'][:60]} → {run['text'].strip()!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from rag.settings import get_settings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", help="backend names to run (default: all available)")
    p.add_argument("--json", type=Path, help="also write the full results to this file")
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--prepare-onnx", action="store_true", help="build the onnxruntime-genai folder first")
    p.add_argument("--repeat", type=int, default=1, help="run each prompt N times and keep the fastest run")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    model_dir = args.model_dir or get_settings().model_dir

    if args.child:
        print(json.dumps(run_one(args.child, model_dir, args.repeat)))
        return 0
    if args.prepare_onnx:
        from rag.backends import prepare_onnx

        for precision in ONNX_PRECISIONS:
            prepare_onnx(model_dir, precision=precision)
    names = args.only or list(_factories(model_dir))
    count = _count_tokens(model_dir)
    results = []
    for name in names:
        why = _available(name, model_dir)
        if why:
            results.append({"name": name, "error": why})
            continue
        before = os.getloadavg()[0]
        print(f"running {name} (load average {before:.2f})", file=sys.stderr)
        proc = subprocess.run(
            [sys.executable, "-m", "eval.bench_generators", "--child", name, "--model-dir", str(model_dir),
             "--repeat", str(args.repeat)],
            cwd=ROOT, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines() or ["no output"]
            cause = next((x for x in reversed(lines) if "Error" in x), lines[-1])
            results.append({"name": name, "error": cause.strip()[:300]})
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["load_before"], result["load_after"] = before, os.getloadavg()[0]
        result["summary"] = summarise(result, count)
        results.append(result)
    print(table(results))
    print(answers(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
