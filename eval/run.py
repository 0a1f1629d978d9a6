"""`rag eval`: ask the gold questions (or a SQuAD v2 sample), score the answers, write the reports."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import metrics
from .client import Client, HttpClient, PipelineClient
from .gold import ARTICLE_GOLD, GoldError, GoldRow, load_gold
from .report import Record, metrics_markdown, write_reports
from .squad import DEFAULT_SQUAD, file_sha256, load_squad, sample_balanced, write_corpus

if TYPE_CHECKING:
    from rag.settings import Settings

OUT_DIR = Path(__file__).parent / "out"  # reports and the SQuAD corpus/index cache; git-ignored


@dataclass(frozen=True)
class Threshold:
    """A --min-/--max- flag and the metric it guards."""

    flag: str
    metric: str
    minimum: bool  # True: fail below the value; False: fail above it
    help: str

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


THRESHOLDS = (
    Threshold("--min-accuracy", "accuracy", True, "answer accuracy on answerable questions"),
    Threshold("--min-refusal-accuracy", "refusal_accuracy", True, "share of unanswerable questions refused"),
    Threshold("--max-false-refusal", "false_refusal_rate", False, "share of answerable questions refused"),
    Threshold("--min-quote-validity", "quote_validity", True, "share of quotes equal to text[start:end]"),
    Threshold("--min-citation-recall", "citation_recall", True, "share of answers citing gold evidence"),
    Threshold("--min-citation-precision", "citation_precision", True, "share of citations supporting"),
    Threshold("--min-recall-at-k", "recall_at_k", True, "retrieval recall@k"),
    Threshold("--min-mrr", "mrr", True, "retrieval mean reciprocal rank"),
    Threshold("--max-total-ms-p95", "total_ms_p95", False, "95th-percentile total time per answer, in ms"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every `rag eval` flag to a parser (the CLI's `eval` subcommand, or `python -m eval`)."""
    parser.add_argument(
        "--gold", type=Path, default=ARTICLE_GOLD, help=f"gold JSONL (default {ARTICLE_GOLD})"
    )
    parser.add_argument(
        "--corpus", dest="corpus_dir", type=Path, help="corpus folder (default RAG_CORPUS_DIR)"
    )
    parser.add_argument("--index", dest="index_dir", type=Path, help="index folder (default RAG_INDEX_DIR)")
    parser.add_argument("--generator", help="generator backend, e.g. extractive (default RAG_GENERATOR)")
    parser.add_argument(
        "--url", help="evaluate a running server, e.g. http://127.0.0.1:8000, instead of in-process"
    )
    parser.add_argument(
        "--out", type=Path, help=f"report folder (default {OUT_DIR}/<gold name> or .../squad)"
    )
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    squad = parser.add_argument_group("SQuAD v2 benchmark")
    squad.add_argument(
        "--squad", type=Path, nargs="?", const=DEFAULT_SQUAD, help=f"SQuAD v2 JSON (default {DEFAULT_SQUAD})"
    )
    squad.add_argument("--sample", type=int, default=200, help="questions, half unanswerable (default 200)")
    squad.add_argument(
        "--seed", type=int, default=0, help="sampling seed (tune on another seed than you report)"
    )
    limits = parser.add_argument_group("thresholds (exit code 1 when one is not met)")
    for t in THRESHOLDS:
        limits.add_argument(t.flag, dest=t.dest, type=float, metavar="X", help=t.help)


def check_thresholds(values: Mapping[str, Any], args: argparse.Namespace) -> list[str]:
    """A message for every threshold flag whose metric is below its minimum, above its maximum, or missing."""
    failures = []
    for t in THRESHOLDS:
        limit = getattr(args, t.dest, None)
        if limit is None:
            continue
        value = values.get(t.metric)
        if value is None:
            failures.append(f"{t.metric} was not measured (no question can measure it) but {t.flag} {limit}")
        elif (value < limit) if t.minimum else (value > limit):
            failures.append(
                f"{t.metric} = {value:.4g} is {'below' if t.minimum else 'above'} {t.flag} {limit}"
            )
    return failures


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    from rag.settings import get_settings

    for name in ("corpus_dir", "index_dir", "generator"):
        value = getattr(args, name, None)
        if value is not None and name not in overrides:
            overrides[name] = value
    return get_settings().model_copy(update=overrides)


def ensure_index(settings: Settings, progress: bool = True) -> bool:
    """Build the index for settings.corpus_dir unless a fresh one exists; True when it was (re)built."""
    from rag.errors import IndexCorruptError, IndexMissingError, IndexStaleError
    from rag.index import check_fresh
    from rag.models import EMBEDDER_SHA256

    try:
        check_fresh(settings.index_dir, settings.corpus_dir, EMBEDDER_SHA256)
        return False
    except (IndexMissingError, IndexStaleError, IndexCorruptError) as e:
        print(f"building the index in {settings.index_dir}: {e}", file=sys.stderr)
    build(settings, progress)
    return True


def build(settings: Settings, progress: bool = True) -> float:
    """Build the index of settings.corpus_dir into settings.index_dir; returns the seconds it took."""
    from rag.embedding import load_embedder
    from rag.index import build_index

    t0 = time.perf_counter()
    embedder = load_embedder(settings.model_dir, settings.threads)
    build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        settings.faiss_index,
        settings.chunk_max_chars,
        progress=progress,
    )
    return time.perf_counter() - t0


def squad_paths(squad: Path, out: Path) -> tuple[Path, Path, str]:
    """(corpus dir, index dir, sha256) for a SQuAD file; both folders are keyed on the file's hash."""
    sha = file_sha256(squad)
    return out / f"corpus-{sha[:12]}", out / f"index-{sha[:12]}", sha


def prepare_squad(args: argparse.Namespace, out: Path) -> tuple[list[GoldRow], dict[str, Any], Path, Path]:
    """The sampled rows, their meta data, and the corpus and index folders (the corpus written if needed)."""
    articles, rows = load_squad(args.squad)
    corpus, index, sha = squad_paths(args.squad, out)
    if args.index_dir is not None:
        index = args.index_dir
    write_corpus(articles, corpus)
    picked = sample_balanced(rows, args.sample, args.seed)
    meta = {
        "squad_file": str(args.squad),
        "squad_sha256": sha,
        "squad_articles": len(articles),
        "squad_questions": len(rows),
        "sample": args.sample,
        "seed": args.seed,
        "squad_corpus": str(corpus),
    }
    return picked, meta, corpus, index


def make_client(
    args: argparse.Namespace, corpus: Path | None, index: Path | None
) -> tuple[Client, dict[str, Any]]:
    """The system under test and a description of it for the report."""
    if args.url:
        if corpus is not None:
            print(f"note: the server at {args.url} must serve an index of {corpus}", file=sys.stderr)
        return HttpClient(args.url), {"url": args.url}
    from rag.pipeline import Pipeline

    overrides: dict[str, Any] = {}
    if corpus is not None:
        overrides["corpus_dir"] = corpus
    if index is not None:
        overrides["index_dir"] = index
    settings = _settings(args, **overrides)
    rebuilt = ensure_index(settings, progress=not args.no_progress)
    pipeline = Pipeline.from_settings(settings)
    info = {
        "corpus_dir": str(settings.corpus_dir),
        "index_dir": str(settings.index_dir),
        "index_rebuilt": rebuilt,
        "generator": settings.generator,
        "top_k": settings.top_k,
        "min_evidence_score": settings.min_evidence_score,
    }
    return PipelineClient(pipeline), info


def evaluate(
    client: Client, rows: Sequence[GoldRow], progress: bool = True, top_k: int | None = None
) -> list[Record]:
    """Ask every question (question and history only) and score the replies.

    Retrieval is scored on the first `top_k` passages: an answer also lists the chunk of any citation
    ranked below them, which must not count as retrieved at rank k.
    """
    from tqdm import tqdm

    records: list[Record] = []
    docs: dict[str, str] = {}
    bar = tqdm(rows, desc="eval", unit="q", file=sys.stderr, disable=not progress)
    for row in bar:
        reply = client.ask(row.query())
        answer = reply.answer
        for c in answer.get("citations", []):
            doc_id = c.get("doc_id", "")
            if doc_id not in docs and (text := client.document_text(doc_id)) is not None:
                docs[doc_id] = text
        ranked = {**answer, "passages": answer.get("passages", [])[:top_k]} if top_k else answer
        score = metrics.score_row(row, ranked, docs, reply.first_token_ms, reply.total_ms)
        records.append(
            Record(
                gold=row,
                reply=reply,
                score=score,
                quotes_valid=tuple(metrics.quote_valid(c, docs) for c in answer.get("citations", [])),
                judgements=tuple(metrics.judge_citations(answer)) if score.answered else (),
                hits=tuple(metrics.passage_hits(p.get("text", ""), row) for p in answer.get("passages", [])),
            )
        )
        done = [r for r in records if r.gold.answerable]
        if done:
            bar.set_postfix(acc=f"{sum(bool(r.score.correct) for r in done) / len(done):.0%}")
    return records


def summarise(records: Sequence[Record]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The headline metrics and the same metrics per kind of question."""
    scores = [r.score for r in records]
    values: dict[str, Any] = dict(metrics.aggregate(scores))
    values["n_errors"] = sum(bool(r.reply.error) for r in records)
    kinds = sorted({s.kind for s in scores})
    by_kind = {k: dict(metrics.aggregate([s for s in scores if s.kind == k])) for k in kinds}
    return values, by_kind


def run(args: argparse.Namespace) -> int:
    """Run the evaluation described by args; the exit code is 1 when a threshold is not met."""
    name = "squad" if args.squad else Path(args.gold).stem
    out = Path(args.out) if args.out else OUT_DIR / name
    meta: dict[str, Any] = {"name": name, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    corpus = index = None
    if args.squad:
        rows, squad_meta, corpus, index = prepare_squad(args, out)
        meta |= squad_meta
    else:
        try:
            rows = load_gold(Path(args.gold))
        except GoldError as e:
            print(f"eval: {e}", file=sys.stderr)
            return 2
        meta["gold"] = str(args.gold)
    if args.limit is not None:
        rows = rows[: args.limit]
    client, info = make_client(args, corpus, index)
    meta |= info
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    try:
        records = evaluate(client, rows, progress=not args.no_progress, top_k=meta.get("top_k"))
    finally:
        client.close()
    meta |= {
        "questions": len(records),
        "seconds": round(time.perf_counter() - t0, 1),
        "model": next((r.reply.answer.get("model") for r in records if r.reply.answer.get("model")), ""),
        "loadavg_before": " ".join(f"{x:.2f}" for x in load_before),
        "loadavg_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    values, by_kind = summarise(records)
    failures = check_thresholds(values, args)
    paths = write_reports(out, meta, values, by_kind, failures, records)
    print(metrics_markdown(values))
    print("reports: " + ", ".join(str(p) for p in paths))
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """`python -m eval`: the same as `rag eval`."""
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate the question answering.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    from rag.errors import RagError

    try:
        return run(args)
    except RagError as e:
        print(f"eval: {e}", file=sys.stderr)
        return 1
