"""JSON routes: ask (whole or streamed as Server-Sent Events), documents, health, feedback."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from rag.errors import RagError
from rag.generation import StopSignal
from rag.pipeline import Pipeline
from rag.types import Answer, Turn

from .deps import FeedbackDep, LoaderDep, PipelineDep, QueueDep
from .queue import Ticket
from .schemas import (
    AnswerOut,
    AskRequest,
    DocumentOut,
    DocumentSummary,
    ErrorOut,
    FeedbackIn,
    FeedbackOut,
    HealthNotReady,
    HealthOut,
    RequestErrorOut,
)

log = logging.getLogger(__name__)
router = APIRouter()

DISCONNECT_POLL_S = 0.25
_END = object()  # what next() returns when the pipeline's iterator is exhausted

_BUSY: dict[int | str, dict[str, Any]] = {
    422: {"model": RequestErrorOut, "description": "the question or history cannot be answered as given"},
    503: {"model": ErrorOut, "description": "queue full (see Retry-After) or the engine is not loaded yet"},
}
_SSE_DOC = """Server-Sent Events: `event: token` with data `{"text": delta}` as the model writes, then exactly
one `event: answer` with the final, verified Answer JSON (its text may differ from the streamed one: show it),
or `event: error` with data `{"detail": message}`."""


@router.post("/ask", response_model=AnswerOut, responses=_BUSY)
async def ask(body: AskRequest, request: Request, pipeline: PipelineDep, queue: QueueDep) -> Any:
    """Answer a question from the documents, quoting them; answered=false when they don't say."""
    history = body.turns()
    pipeline.check_question(body.question, history)  # a bad request never takes a place in line
    ticket = queue.admit()
    try:
        async with _stop_when_gone(request) as stop, ticket:
            if stop.is_set():
                return Response(status_code=499)  # the client left while waiting in line; it sees nothing
            answer = await run_in_threadpool(pipeline.ask, body.question, history, body.top_k, stop)
    finally:
        ticket.release()
    return answer.to_dict()


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={**_BUSY, 200: {"content": {"text/event-stream": {}}, "description": _SSE_DOC}},
)
async def ask_stream(
    body: AskRequest, request: Request, pipeline: PipelineDep, queue: QueueDep
) -> StreamingResponse:
    """The answer as it is written, as Server-Sent Events; the last event is the verified answer."""
    history = body.turns()
    pipeline.check_question(body.question, history)
    ticket = queue.admit()
    return EventStream(_answer_events(request, pipeline, ticket, body.question, history, body.top_k), ticket)


class EventStream(StreamingResponse):
    """An SSE response that, however it ends, closes its event source and frees its place in the queue."""

    media_type = "text/event-stream"

    def __init__(self, events: Any, ticket: Ticket) -> None:
        super().__init__(events, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._events = events
        self._ticket = ticket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._events.aclose()  # runs the generator's cleanup even if it never started
            self._ticket.release()


def sse(event: str, data: dict[str, Any]) -> str:
    """One Server-Sent Event; json.dumps never emits a raw newline, so one data line suffices."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _answer_events(
    request: Request,
    pipeline: Pipeline,
    ticket: Ticket,
    question: str,
    history: list[Turn],
    top_k: int | None,
) -> AsyncIterator[str]:
    items: Iterator[str | Answer] | None = None
    try:
        async with _stop_when_gone(request) as stop, ticket:  # the ticket waits for the one generation slot
            if stop.is_set():
                return  # the client left while waiting in line
            items = pipeline.stream(question, history, top_k, stop)
            while True:
                item = await run_in_threadpool(next, items, _END)
                if item is _END:
                    break
                if isinstance(item, Answer):
                    yield sse("answer", item.to_dict())
                else:
                    yield sse("token", {"text": item})
    except RagError as e:
        yield sse("error", {"detail": str(e)})
    except Exception:
        log.exception("streamed answer failed")
        yield sse("error", {"detail": "internal error while answering: see the server log"})
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(close)  # ends the pipeline's generator: frees its generation lock
        ticket.release()


@asynccontextmanager
async def _stop_when_gone(request: Request) -> AsyncIterator[StopSignal]:
    """A StopSignal that is set when the client disconnects, and when the block ends.

    Set on leaving, a generation still running (its client gone) ends at its next token.
    """
    stop = StopSignal()
    watcher = asyncio.ensure_future(_stop_on_disconnect(request, stop))
    try:
        yield stop
    finally:
        stop.set()
        watcher.cancel()


async def _stop_on_disconnect(request: Request, stop: StopSignal) -> None:
    """Set `stop` when the client goes away, so a generation nobody will read ends early."""
    while not stop.is_set():
        if await request.is_disconnected():
            stop.set()
            return
        await asyncio.sleep(DISCONNECT_POLL_S)


@router.get("/documents", response_model=list[DocumentSummary], responses={503: {"model": ErrorOut}})
def list_documents(pipeline: PipelineDep) -> list[DocumentSummary]:
    """Every indexed document, without its text."""
    return [DocumentSummary(doc_id=d.doc_id, title=d.title, source=d.source, chars=len(d.text))
            for d in pipeline.documents.values()]


@router.get("/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorOut}})
def get_document(doc_id: str, pipeline: PipelineDep) -> dict[str, Any]:
    """A document's text (citation offsets index into it) and metadata."""
    doc = pipeline.documents.get(doc_id)  # a lookup by exact id: no path is ever built from it
    if doc is None:
        raise HTTPException(404, detail=f"no document with id {doc_id!r}: see GET /documents")
    return {**doc.metadata, "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "text": doc.text}


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthNotReady}})
def health(loader: LoaderDep) -> HealthOut | JSONResponse:
    """ok with the engine's size and models, or 503 while it loads (or when it failed to)."""
    pipeline = loader.pipeline
    if pipeline is None:
        status = loader.status
        body = HealthNotReady(status="error" if status == "error" else "loading", detail=loader.error)
        headers = {"Retry-After": "5"} if status == "loading" else {}
        return JSONResponse(body.model_dump(exclude_none=True), status_code=503, headers=headers)
    return HealthOut(
        status="ok",
        documents=len(pipeline.documents),
        chunks=len(pipeline.index.chunks),
        generator=pipeline.generator.name,
        embedder=pipeline.embedder.name,
    )


@router.post("/feedback", status_code=201, response_model=FeedbackOut)
async def add_feedback(body: FeedbackIn, store: FeedbackDep) -> FeedbackOut:
    """Store a thumbs up or down on an answer; committed before the 201."""
    row = await run_in_threadpool(store.add, body.question, body.answer, body.rating, body.comment)
    return FeedbackOut(**asdict(row))


@router.get("/feedback", response_model=list[FeedbackOut])
async def list_feedback(store: FeedbackDep, limit: int = Query(50, ge=1, le=500)) -> list[FeedbackOut]:
    """The most recent feedback, newest first."""
    rows = await run_in_threadpool(store.recent, limit)
    return [FeedbackOut(**asdict(r)) for r in rows]
