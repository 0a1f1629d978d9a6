"""The HTTP API over a small real index: every route, the SSE event sequence, errors, the generation queue."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from rag.embedding import Embedder
from rag.errors import IndexMissingError, ModelError
from rag.generation import ExtractiveGenerator
from rag.index import Index
from rag.pipeline import Pipeline
from rag.settings import Settings
from server.app import create_app
from server.middleware import CONTENT_SECURITY_POLICY, MAX_BODY_BYTES
from server.queue import GenerationQueue, QueueFull

from .conftest import make_settings, wait_ready
from .fakes import BlockingGenerator, EchoGenerator, FailingGenerator, parse_sse, wait_until

RUSSIA_Q = "Where are the North Korean IT workers being sent?"
OFF_TOPIC_Q = "What is the capital of France?"


# -- health and loading ---------------------------------------------------------------------------


def test_health_reports_the_loaded_engine(client: TestClient, article_index: Index) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "documents": len(article_index.documents),
        "chunks": len(article_index.chunks),
        "generator": "extractive",
        "embedder": "all-MiniLM-L6-v2",
    }


def test_health_is_503_loading_until_the_pipeline_is_ready(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, article_index: Index, minilm: Embedder
) -> None:
    gate = threading.Event()
    settings = make_settings(tmp_path)

    def slow_load(s: Settings) -> Pipeline:
        assert gate.wait(20)
        return Pipeline(article_index, minilm, ExtractiveGenerator(), s)

    monkeypatch.setattr(Pipeline, "from_settings", staticmethod(slow_load))
    app = create_app(settings=settings)
    with TestClient(app) as client:
        r = client.get("/health")
        assert r.status_code == 503
        assert r.json() == {"status": "loading"}
        assert r.headers["Retry-After"].isdigit()
        r = client.post("/ask", json={"question": RUSSIA_Q})
        assert r.status_code == 503
        assert "loading" in r.json()["detail"]
        assert client.get("/").status_code == 200  # the page is up and shows the loading state itself
        gate.set()
        wait_ready(app)
        assert client.get("/health").json()["status"] == "ok"
        assert client.post("/ask", json={"question": RUSSIA_Q}).status_code == 200


def test_health_says_why_the_engine_failed_to_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def missing(s: Settings) -> Pipeline:
        raise IndexMissingError("no index at /nowhere: run `rag index`")

    monkeypatch.setattr(Pipeline, "from_settings", staticmethod(missing))
    app = create_app(settings=make_settings(tmp_path))
    with TestClient(app) as client:
        wait_ready(app)
        r = client.get("/health")
        assert r.status_code == 503
        assert r.json() == {"status": "error", "detail": "no index at /nowhere: run `rag index`"}
        r = client.get("/documents")
        assert r.status_code == 503
        assert "rag index" in r.json()["detail"]


# -- /ask ---------------------------------------------------------------------------------------


def test_ask_answers_with_citations_that_slice_the_documents(client: TestClient) -> None:
    r = client.post("/ask", json={"question": RUSSIA_Q})
    assert r.status_code == 200
    answer = r.json()
    assert set(answer) >= {"answer", "answered", "citations", "passages", "model", "timings_ms"}
    assert answer["answered"] is True
    assert "Russia" in answer["answer"]
    assert answer["citations"]
    for c in answer["citations"]:
        assert set(c) == {"n", "quote", "doc_id", "title", "start", "end", "score"}
        doc = client.get(f"/documents/{c['doc_id']}").json()
        assert doc["text"][c["start"] : c["end"]] == c["quote"]  # the oracle: offsets slice out the quote
        assert f"[{c['n']}]" in answer["answer"]


def test_ask_refuses_what_the_documents_do_not_cover(client: TestClient) -> None:
    r = client.post("/ask", json={"question": OFF_TOPIC_Q})
    assert r.status_code == 200
    assert r.json()["answered"] is False
    assert r.json()["citations"] == []


def test_ask_gives_the_byline_from_the_documents_metadata(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "Who wrote the article?"})
    assert r.status_code == 200
    answer = r.json()
    assert answer["answered"] is True
    assert answer["citations"] == []
    (fact,) = answer["metadata"]
    doc = client.get(f"/documents/{fact['doc_id']}").json()
    assert doc[fact["field"]] == fact["value"]  # the oracle: the fact is the document's own metadata
    assert "Seo Ji-Eun" in answer["answer"]


def test_ask_accepts_history_and_top_k(client: TestClient) -> None:
    history = [{"role": "user", "content": RUSSIA_Q}, {"role": "assistant", "content": "To Russia [1]."}]
    r = client.post("/ask", json={"question": "Why are they being moved?", "history": history, "top_k": 2})
    assert r.status_code == 200
    body = r.json()
    # the top 2 passages, plus the retrieved chunk of any citation that lies outside them (one chunk may
    # hold two such citations: a quotation that goes on into the next sentence)
    outside = [
        c for c in body["citations"]
        if not any(p["doc_id"] == c["doc_id"] and c["quote"] in p["text"] for p in body["passages"][:2])
    ]
    extra = body["passages"][2:]
    assert len(extra) <= len(outside)
    for p in extra:
        assert any(p["doc_id"] == c["doc_id"] and c["quote"] in p["text"] for c in outside)
    for c in body["citations"]:
        assert any(p["doc_id"] == c["doc_id"] and c["quote"] in p["text"] for p in body["passages"])


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"question": "   "}, 422, "the question is empty"),
        ({"question": "x" * 2001}, 422, "the limit is 2000"),
        ({"question": "q", "history": [{"role": "user", "content": "c"}] * 21}, 422, "history has 21 turns"),
        ({"question": "q", "bogus": 1}, 422, None),
        ({"question": "q", "history": [{"role": "system", "content": "c"}]}, 422, None),
        ({"question": "q", "history": [{"role": "user", "content": "c", "x": 1}]}, 422, None),
        ({"question": "q", "top_k": 0}, 422, None),
        ({"question": 5}, 422, None),
        ({}, 422, None),
    ],
)
def test_ask_rejects_bad_requests_with_a_json_detail(
    client: TestClient, body: dict[str, Any], status: int, detail: str | None
) -> None:
    for path in ("/ask", "/ask/stream"):
        r = client.post(path, json=body)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"] == "application/json"
        if detail is not None:
            assert detail in r.json()["detail"]  # engine InputErrors come back as {"detail": message}
        else:
            assert r.json()["detail"]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"not json", 422),
        (b'{"question": "\xff\xfe"}', 400),
        (b"[1, 2]", 422),
        (b'{"question": "' + b"a" * MAX_BODY_BYTES + b'"}', 413),
    ],
)
def test_ask_rejects_malformed_bodies_with_4xx_json(client: TestClient, content: bytes, status: int) -> None:
    r = client.post("/ask", content=content, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.json()["detail"]


# -- /ask/stream --------------------------------------------------------------------------------


def test_stream_ends_with_exactly_one_answer_event(client: TestClient) -> None:
    r = client.post("/ask/stream", json={"question": RUSSIA_Q})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [e for e, _ in events]
    assert names[-1] == "answer"
    assert names.count("answer") == 1
    assert set(names[:-1]) <= {"token"}
    answer = events[-1][1]
    assert answer["answered"] is True and "Russia" in answer["answer"]
    same = client.post("/ask", json={"question": RUSSIA_Q}).json()
    assert answer["answer"] == same["answer"] and answer["citations"] == same["citations"]


def test_stream_sends_token_events_as_the_model_writes(make_client: Any) -> None:
    client = make_client(EchoGenerator())
    events = parse_sse(client.post("/ask/stream", json={"question": RUSSIA_Q}).text)
    tokens = [d["text"] for e, d in events if e == "token"]
    assert len(tokens) > 3
    assert [e for e, _ in events] == ["token"] * len(tokens) + ["answer"]
    assert "".join(tokens).endswith(" [1]")
    final = events[-1][1]
    for c in final["citations"]:
        doc = client.get(f"/documents/{c['doc_id']}").json()
        assert doc["text"][c["start"] : c["end"]] == c["quote"]


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (RuntimeError("boom"), "internal error while answering: see the server log"),
        (IndexMissingError("no index at X: run `rag index`"), "no index at X: run `rag index`"),
    ],
)
def test_stream_failure_becomes_an_error_event(make_client: Any, error: Exception, detail: str) -> None:
    client = make_client(FailingGenerator(error))
    events = parse_sse(client.post("/ask/stream", json={"question": RUSSIA_Q}).text)
    assert events[-1] == ("error", {"detail": detail})
    assert "answer" not in [e for e, _ in events]
    assert client.app.state.queue.admitted == 0  # type: ignore[attr-defined]


def test_model_error_falls_back_to_an_extractive_answer(make_client: Any) -> None:
    client = make_client(FailingGenerator(ModelError("the generator failed")))
    events = parse_sse(client.post("/ask/stream", json={"question": RUSSIA_Q}).text)
    assert events[-1][0] == "answer"
    assert events[-1][1]["mode"].startswith("fallback")


# -- documents ----------------------------------------------------------------------------------


def test_documents_list_and_detail(client: TestClient, article_index: Index) -> None:
    listing = client.get("/documents").json()
    assert [d["doc_id"] for d in listing] == list(article_index.documents)
    for item in listing:
        doc = article_index.documents[item["doc_id"]]
        expected = {"doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "chars": len(doc.text)}
        assert item == expected
        full = client.get(f"/documents/{doc.doc_id}").json()
        assert full["text"] == doc.text
        assert {k: full[k] for k in ("doc_id", "title", "source")} == {
            "doc_id": doc.doc_id, "title": doc.title, "source": doc.source
        }
        for key, value in doc.metadata.items():
            if key not in ("doc_id", "title", "source", "text"):
                assert full[key] == value


@pytest.mark.parametrize(
    "path",
    [
        "/documents/nope",
        "/documents/..%2F..%2Fetc%2Fpasswd",
        "/documents/%2e%2e",
        "/documents/000_53eae6447d86a213.txt",
        "/documents/000_53EAE6447D86A213",
        "/documents/%00",
    ],
)
def test_unknown_documents_are_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.json()["detail"]


# -- feedback -----------------------------------------------------------------------------------


def test_feedback_round_trip_is_committed_to_sqlite_wal(client: TestClient, tmp_path: Path) -> None:
    first = client.post("/feedback", json={"question": RUSSIA_Q, "answer": "To Russia [1].", "rating": "up"})
    assert first.status_code == 201
    second = client.post(
        "/feedback", json={"question": OFF_TOPIC_Q, "answer": "The documents don't say.", "rating": "down",
                           "comment": "should refuse, and did"}
    )
    assert second.status_code == 201
    rows = client.get("/feedback").json()
    assert [r["id"] for r in rows] == [second.json()["id"], first.json()["id"]]  # newest first
    assert rows[0] | {"id": 0, "created_at": ""} == {
        "id": 0, "created_at": "", "question": OFF_TOPIC_Q, "answer": "The documents don't say.",
        "rating": "down", "comment": "should refuse, and did",
    }
    assert client.get("/feedback", params={"limit": 1}).json() == rows[:1]

    db = tmp_path / "data" / "feedback.sqlite3"
    con = sqlite3.connect(db)  # a second connection sees the rows: they were committed before the 201
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 2
    finally:
        con.close()


@pytest.mark.parametrize(
    "body",
    [
        {"question": "q", "answer": "a", "rating": "meh"},
        {"question": "q", "answer": "a"},
        {"question": "", "answer": "a", "rating": "up"},
        {"question": "q", "answer": "a", "rating": "up", "user": "x"},
    ],
)
def test_feedback_rejects_bad_bodies(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/feedback", json=body).status_code == 422
    assert client.get("/feedback").json() == []


# -- the generation queue -----------------------------------------------------------------------


def test_full_queue_answers_503_with_retry_after(make_client: Any) -> None:
    generator = BlockingGenerator()
    client = make_client(generator, queue_size=1)
    queue = client.app.state.queue  # type: ignore[attr-defined]
    results: dict[str, int] = {}

    def ask(name: str) -> None:
        results[name] = client.post("/ask", json={"question": RUSSIA_Q}).status_code

    running = threading.Thread(target=ask, args=("running",))
    running.start()
    assert generator.started.wait(10)
    waiting = threading.Thread(target=ask, args=("waiting",))
    waiting.start()
    wait_until(lambda: queue.admitted == 2)

    for path in ("/ask", "/ask/stream"):
        r = client.post(path, json={"question": RUSSIA_Q})
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) >= 1
        assert "busy" in r.json()["detail"]
    assert client.get("/health").status_code == 200  # the queue holds generations only

    generator.release.set()
    running.join(10)
    waiting.join(10)
    assert results == {"running": 200, "waiting": 200}
    assert generator.max_running == 1  # serialised: never two generations at once
    assert queue.admitted == 0
    assert client.post("/ask", json={"question": RUSSIA_Q}).status_code == 200


def test_queue_admits_one_running_plus_size_waiting() -> None:
    async def main() -> None:
        queue = GenerationQueue(size=1)
        a, b = queue.admit(), queue.admit()
        with pytest.raises(QueueFull) as full:
            queue.admit()
        assert full.value.retry_after >= 1
        order: list[str] = []

        async def turn(name: str, ticket: Any) -> None:
            async with ticket:
                order.append(name)
                await anyio.sleep(0.01)

        async with anyio.create_task_group() as tg:
            tg.start_soon(turn, "a", a)
            await anyio.sleep(0)
            tg.start_soon(turn, "b", b)
        assert order == ["a", "b"]
        assert queue.admitted == 0
        c = queue.admit()
        c.release()
        c.release()  # idempotent
        assert queue.admitted == 0

    anyio.run(main)


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
def test_client_disconnect_stops_the_generation(
    article_index: Index, minilm: Embedder, tmp_path: Path, spec_version: str
) -> None:
    """Drive the ASGI app directly: the client goes away mid-stream, the generator sees its stop signal."""
    generator = BlockingGenerator()
    app = create_app(Pipeline(article_index, minilm, generator, make_settings(tmp_path)))
    body = json.dumps({"question": RUSSIA_Q}).encode()
    sent: list[dict[str, Any]] = []

    async def main() -> None:
        async with app.router.lifespan_context(app):
            wait_ready(app)
            calls = 0

            async def receive() -> dict[str, Any]:
                nonlocal calls
                calls += 1
                if calls == 1:
                    return {"type": "http.request", "body": body, "more_body": False}
                while not generator.started.is_set():
                    await anyio.sleep(0.01)
                return {"type": "http.disconnect"}

            async def send(message: MutableMapping[str, Any]) -> None:
                sent.append(dict(message))

            scope = {
                "type": "http", "asgi": {"version": "3.0", "spec_version": spec_version},
                "http_version": "1.1",
                "method": "POST", "scheme": "http", "path": "/ask/stream", "raw_path": b"/ask/stream",
                "query_string": b"", "root_path": "", "headers": [(b"content-type", b"application/json")],
                "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
            }
            with anyio.fail_after(15):
                await app(scope, receive, send)
            assert app.state.queue.admitted == 0

    anyio.run(main)
    assert generator.stopped_by_signal.is_set()
    assert not generator.release.is_set()
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200


# -- limits, headers, pages ---------------------------------------------------------------------


def test_rate_limit_answers_429_per_client(make_client: Any) -> None:
    client = make_client(rate_limit_per_minute=2)
    fb = {"question": "q", "answer": "a", "rating": "up"}
    assert client.post("/feedback", json=fb).status_code == 201
    assert client.post("/ask", json={"question": RUSSIA_Q}).status_code == 200
    r = client.post("/feedback", json=fb)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert "limit is 2" in r.json()["detail"]
    assert client.get("/health").status_code == 200  # reads are not limited


@pytest.mark.parametrize("path", ["/", "/health", "/documents", "/static/chat.js", "/nope"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_chat_page_has_no_inline_script_and_no_cdn(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son\w+=", page)  # no inline event handlers
    assert "http://" not in page and "https://" not in page
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(asset).status_code == 200


def test_api_docs_and_openapi_are_served_locally(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {"/ask", "/ask/stream", "/documents", "/documents/{doc_id}", "/health", "/feedback"}
    assert routes <= set(spec["paths"])
    ask_schema = spec["components"]["schemas"]["AskRequest"]
    assert ask_schema["additionalProperties"] is False
    assert "text/event-stream" in spec["paths"]["/ask/stream"]["post"]["responses"]["200"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset
