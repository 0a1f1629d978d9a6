"""The `rag` command: parse arguments, call the library, print results. Nothing more."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .errors import InputError, RagError
from .settings import Settings, get_settings
from .types import Answer, Turn

EXIT_USAGE = 2


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    for field in ("corpus_dir", "index_dir", "generator"):
        value = getattr(args, field, None)
        if value is not None:
            overrides[field] = value
    return get_settings().model_copy(update=overrides) if overrides else get_settings()


def cmd_index(args: argparse.Namespace) -> int:
    from .embedding import load_embedder
    from .index import build_index, check_fresh

    s = _settings(args)
    embedder = load_embedder(s.model_dir, s.threads)
    if args.if_stale:
        try:
            check_fresh(s.index_dir, s.corpus_dir, embedder.fingerprint)
            print(f"index at {s.index_dir} is up to date")
            return 0
        except RagError as e:
            print(f"rebuilding: {e}")
    report = build_index(s.corpus_dir, s.index_dir, embedder, s.faiss_index, s.chunk_max_chars, progress=True)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}")
    print(
        f"indexed {report.documents} documents, {report.sentences} sentences, {report.chunks} chunks "
        f"into {report.index_dir} in {report.seconds:.1f} s"
    )
    return 0


def _print_answer(answer: Answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    print(answer.answer)
    for c in answer.citations:
        print(f'  [{c.n}] "{c.quote}" — {c.title} ({c.doc_id}, chars {c.start}-{c.end})')
    for m in answer.metadata:
        print(f"  [{m.field}] {m.value} — {m.title} ({m.doc_id}, from its metadata)")


def cmd_ask(args: argparse.Namespace) -> int:
    from .pipeline import Pipeline, check_question

    s = _settings(args)
    if args.question is not None:
        check_question(args.question, [], s)  # before loading anything: a bad question fails fast
    pipeline = Pipeline.from_settings(s)
    if args.question is not None:
        _print_answer(pipeline.ask(args.question), args.json)
        return 0
    history: list[Turn] = []
    print("Ask about the documents (empty line or Ctrl-D to quit).")
    while True:
        try:
            q = input("> ").strip()
        except EOFError:
            return 0
        if not q:
            return 0
        try:
            answer = pipeline.ask(q, history)
        except InputError as e:
            print(f"error: {e}")
            continue
        _print_answer(answer, args.json)
        # the oldest turns go first: past the limit every later question would be refused
        history = [*history, Turn("user", q), Turn("assistant", answer.answer)][-s.max_history_turns :]


def cmd_models(args: argparse.Namespace) -> int:
    from . import models

    s = _settings(args)
    if args.action == "prepare":
        print(f"embedder (ONNX): ready in {models.prepare_embedder_onnx(s.model_dir, force=args.force)}")
        prepared = models.prepare_qwen(s.model_dir, force=args.force)
        print(f"{prepared.name}: ready in {prepared.folder}")
        try:
            from . import backends
        except ImportError:
            backends = None  # type: ignore[assignment]
        for name in ("prepare_onnx", "prepare_ctranslate2", "prepare_smollm2"):
            prepare = getattr(backends, name, None)
            if prepare is None:
                continue
            try:
                print(f"{name.removeprefix('prepare_')}: ready in {prepare(s.model_dir, force=args.force)}")
            except RagError as e:
                print(f"{name.removeprefix('prepare_')}: not prepared ({e})")
        return 0
    rows = models.verify_all(s.model_dir)
    for name, status in rows:
        print(f"{name}: {status}")
    return 0 if all(status == "ok" for _, status in rows) else 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    for field in ("corpus_dir", "index_dir", "generator"):
        value = getattr(args, field, None)
        if value is not None:
            os.environ[f"RAG_{field.upper()}"] = str(value)
    get_settings.cache_clear()
    print(f"serving the chat at http://{args.host}:{args.port}", flush=True)
    uvicorn.run("server.app:create_app", factory=True, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import run

    return int(run(args))


def cmd_calibrate(args: argparse.Namespace) -> int:
    from eval.calibrate import calibrate

    return int(calibrate(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Answer questions from your documents, with quotes.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--corpus", dest="corpus_dir", type=Path, help="folder of .txt/.md/.html (RAG_CORPUS_DIR)")
        p.add_argument("--index", dest="index_dir", type=Path, help="index folder (RAG_INDEX_DIR)")

    p = sub.add_parser("index", help="build the index for a corpus folder")
    common(p)
    p.add_argument("--if-stale", action="store_true", help="only rebuild when missing or out of date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question (interactive when no question is given)")
    common(p)
    p.add_argument("question", nargs="?", help="the question; omit for an interactive session")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--generator", help="onnx, transformers, ctranslate2, extractive, smollm2 or openai (RAG_GENERATOR)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("models", help="prepare or verify the packaged models")
    p.add_argument("action", choices=["prepare", "verify"])
    p.add_argument("--force", action="store_true", help="convert again even if prepared")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("serve", help="serve the web chat and the JSON API")
    common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--generator", help="generator backend (RAG_GENERATOR)")
    p.set_defaults(func=cmd_serve)

    try:
        from eval.run import add_arguments
    except ImportError:
        add_arguments = None  # type: ignore[assignment]
    if add_arguments is not None:
        p = sub.add_parser("eval", help="measure answers against gold questions or SQuAD v2")
        add_arguments(p)
        p.set_defaults(func=cmd_eval)
    p = sub.add_parser("calibrate", help="choose the refusal threshold on the calibration questions")
    common(p)
    p.add_argument("--gold", type=Path, help="calibration questions (default eval/gold/calibration.jsonl)")
    p.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return int(args.func(args))
    except InputError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except RagError as e:
        print(f"rag: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
