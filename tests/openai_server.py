"""A small but real OpenAI-compatible chat-completions server over one rag Generator, for integration tests.

    python tests/openai_server.py --port 8081 --generator scripted     # no model: a fixed reply, word by word
    python tests/openai_server.py --port 8081 --generator smollm2      # the packaged SmolLM2-135M (ctranslate2)
    python tests/openai_server.py --port 8081 --generator onnx         # the packaged Qwen 0.5B (onnxruntime-genai)

Implements POST /v1/chat/completions (stream true or false, max_tokens, stop), GET /v1/models, and
GET /stats, which tells a test how many deltas the last generation produced and whether it was cut short
by the client going away.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402

from rag.generation import Generator, StopSignal  # noqa: E402

# The scripted reply: a sentence, a blank line (where a client must stop), then text no client should show.
SCRIPT = "Pyongyang is moving the workers to Russia [1].\n\nThis part comes after the blank line."


class ScriptedGenerator(Generator):
    """Streams SCRIPT word by word, one "token" per `delay_s`; honours max_new_tokens and the StopSignal."""

    name = "scripted"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        words = SCRIPT.replace("\n\n", " \n\n").split(" ")
        for i, word in enumerate(words[:max_new_tokens]):
            if stop.is_set():
                return
            if self.delay_s:
                time.sleep(self.delay_s)
            yield word if i == 0 or word.startswith("\n") else " " + word


def create_app(generator: Generator, model: str) -> FastAPI:
    app = FastAPI()
    stats: dict[str, Any] = {"requests": 0, "deltas": 0, "cancelled": False, "finished": False}

    def deltas(messages: list[dict[str, str]], max_tokens: int, stops: list[str], stop: StopSignal) -> Iterator[str]:
        """The generator's deltas, cut at the first stop string; counts them into `stats`."""
        text = ""
        stats.update(requests=stats["requests"] + 1, deltas=0, cancelled=False, finished=False)
        for delta in generator.stream(messages, max_tokens, stop):
            stats["deltas"] += 1
            text += delta
            cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
            if cut >= 0:
                emitted = len(text) - len(delta)
                if cut > emitted:
                    yield text[emitted:cut]
                break
            yield delta
        stats["cancelled"] = stop.is_set()
        stats["finished"] = True

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "citerag-tests"}]}

    @app.get("/stats")
    def get_stats() -> dict[str, Any]:
        return dict(stats)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        body = await request.json()
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return JSONResponse({"error": {"message": "messages must be a non-empty list"}}, status_code=400)
        if body.get("model") not in (None, model):
            return JSONResponse({"error": {"message": f"model {body.get('model')!r} not found"}}, status_code=404)
        max_tokens = int(body.get("max_tokens") or 256)
        stops = body.get("stop") or []
        stops = [stops] if isinstance(stops, str) else list(stops)
        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        stop = StopSignal()

        if not body.get("stream"):
            text = "".join(deltas(messages, max_tokens, stops, stop))
            return {"id": cid, "object": "chat.completion", "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop"}]}

        def chunk(delta: dict[str, str], finish: str | None) -> str:
            data = {"id": cid, "object": "chat.completion.chunk", "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(data)}\n\n"

        # The model runs to its end in its own thread (so /stats sees how it ended); the response only
        # reads its queue, and sets the StopSignal when the client goes away.
        pieces: queue.Queue[str | BaseException | None] = queue.Queue()

        def work() -> None:
            try:
                for piece in deltas(messages, max_tokens, stops, stop):
                    pieces.put(piece)
            except BaseException as e:  # re-raised in the response below
                pieces.put(e)
            finally:
                pieces.put(None)

        threading.Thread(target=work, daemon=True).start()

        async def events() -> AsyncIterator[str]:
            try:
                yield chunk({"role": "assistant", "content": ""}, None)
                while (piece := await run_in_threadpool(pieces.get)) is not None:
                    if isinstance(piece, BaseException):
                        raise piece
                    if await request.is_disconnected():
                        return
                    yield chunk({"content": piece}, None)
                yield chunk({}, "stop")
                yield "data: [DONE]\n\n"
            finally:
                stop.set()

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--generator", default="scripted", choices=["scripted", "smollm2", "ctranslate2", "onnx"])
    p.add_argument("--delay", type=float, default=0.0, help="seconds per token of the scripted generator")
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    import uvicorn

    if args.generator == "scripted":
        generator: Generator = ScriptedGenerator(args.delay)
    else:
        from rag.backends import make_ctranslate2, make_onnx, make_smollm2
        from rag.settings import get_settings

        model_dir = args.model_dir or get_settings().model_dir
        if args.generator == "smollm2":
            generator = make_smollm2(args.threads, model_dir)
        elif args.generator == "onnx":
            generator = make_onnx(model_dir, args.threads)
        else:
            generator = make_ctranslate2(model_dir, args.threads)
        generator.warm_up()
    uvicorn.run(create_app(generator, args.generator), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
