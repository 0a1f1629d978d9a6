"""The system under test, in-process or over HTTP: it only ever sees a Query (question and history)."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .gold import Query

if TYPE_CHECKING:
    import httpx

    from rag.pipeline import Pipeline

Json = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """An answer dict (`Answer.to_dict()` shape) and the latencies the harness measured around it."""

    answer: Json
    first_token_ms: float  # first streamed text delta, or the final answer when nothing was streamed
    total_ms: float
    error: str = ""  # the error message when the system raised instead of answering


def error_answer(query: Query, message: str) -> Json:
    """The answer dict recorded when the system failed: scored as a refusal with no citations."""
    return {
        "question": query.question,
        "answer": "",
        "answered": False,
        "citations": [],
        "passages": [],
        "model": "",
        "mode": f"error: {message}",
        "timings_ms": {},
    }


class Client(ABC):
    """Asks one question of the system under test and measures it."""

    @abstractmethod
    def ask(self, query: Query) -> Reply:
        """Stream the answer to a question, timing the first token and the whole answer."""

    def document_text(self, doc_id: str) -> str | None:
        """The full text a citation's offsets point into (None when unknown)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most clients hold nothing
        """Release connections; nothing by default."""


class PipelineClient(Client):
    """Calls `Pipeline.stream` in this process."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def ask(self, query: Query) -> Reply:
        from rag.errors import RagError
        from rag.types import Answer, Turn

        history = [Turn(role=m.role, content=m.content) for m in query.history]  # type: ignore[arg-type]
        t0 = time.perf_counter()
        first: float | None = None
        final: Answer | None = None
        try:
            for item in self.pipeline.stream(query.question, history):
                if first is None:
                    first = time.perf_counter()
                if isinstance(item, Answer):
                    final = item
        except RagError as e:
            elapsed = (time.perf_counter() - t0) * 1000
            return Reply(error_answer(query, str(e)), elapsed, elapsed, str(e))
        end = time.perf_counter()
        if final is None:
            raise RuntimeError("Pipeline.stream ended without an Answer")
        return Reply(final.to_dict(), ((first or end) - t0) * 1000, (end - t0) * 1000)

    def document_text(self, doc_id: str) -> str | None:
        doc = self.pipeline.documents.get(doc_id)
        return None if doc is None else str(doc.text)


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of an SSE stream. Example: "event: token", "data: x", "" -> ("token", "x")."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue  # comment / keep-alive
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
    if data:
        yield event, "\n".join(data)


class HttpClient(Client):
    """Calls a running server: `POST /ask/stream` (SSE), or `POST /ask` when streaming is absent."""

    def __init__(self, url: str, timeout_s: float = 120.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.http: httpx.Client = httpx.Client(timeout=timeout_s)
        self.stream = True
        self._docs: dict[str, str | None] = {}

    def _payload(self, query: Query) -> Json:
        return {
            "question": query.question,
            "history": [{"role": m.role, "content": m.content} for m in query.history],
        }

    def ask(self, query: Query) -> Reply:
        import httpx

        t0 = time.perf_counter()
        try:
            if self.stream:
                reply = self._ask_stream(query, t0)
                if reply is not None:
                    return reply
                self.stream = False
            r = self.http.post(f"{self.url}/ask", json=self._payload(query))
            r.raise_for_status()
            elapsed = (time.perf_counter() - t0) * 1000
            return Reply(r.json(), elapsed, elapsed)
        except (httpx.HTTPError, ValueError) as e:
            elapsed = (time.perf_counter() - t0) * 1000
            return Reply(error_answer(query, str(e)), elapsed, elapsed, str(e))

    def _ask_stream(self, query: Query, t0: float) -> Reply | None:
        """The streamed reply, or None when the server has no streaming route."""
        first: float | None = None
        with self.http.stream("POST", f"{self.url}/ask/stream", json=self._payload(query)) as r:
            if r.status_code in (404, 405):
                return None
            r.raise_for_status()
            for event, data in sse_events(r.iter_lines()):
                if first is None:
                    first = time.perf_counter()
                if event == "answer":
                    end = time.perf_counter()
                    return Reply(json.loads(data), (first - t0) * 1000, (end - t0) * 1000)
                if event == "error":
                    raise ValueError(f"server error event: {data}")
        raise ValueError("the stream ended without an answer event")

    def document_text(self, doc_id: str) -> str | None:
        import httpx

        if doc_id not in self._docs:
            try:
                r = self.http.get(f"{self.url}/documents/{doc_id}")
                self._docs[doc_id] = str(r.json()["text"]) if r.status_code == 200 else None
            except (httpx.HTTPError, ValueError, KeyError):
                self._docs[doc_id] = None
        return self._docs[doc_id]

    def close(self) -> None:
        self.http.close()
