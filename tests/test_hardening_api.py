"""Bad input never reaches a 500: every malformed request gets a 4xx with a JSON detail that says what to fix.

Also: a generation past RAG_GENERATION_TIMEOUT_S is cut off and answered extractively, over HTTP.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.embedding import Embedder
from rag.generation import ExtractiveGenerator
from rag.index import Index
from rag.pipeline import Pipeline
from server.app import create_app
from server.middleware import MAX_BODY_BYTES

from .conftest import make_settings, wait_ready
from .fakes import BlockingGenerator, parse_sse
from .live import serve_in_thread

QUESTION = "Where are the North Korean IT workers being sent?"
TURN = {"role": "user", "content": "What happened to the workers?"}


def assert_clear_4xx(r: Any, status: int, fragment: str | None = None) -> None:
    """A JSON error of the given status: a message (or pydantic's list of loc + msg), never a traceback."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert "Traceback" not in r.text and "Internal Server Error" not in r.text
    detail = r.json()["detail"]
    if isinstance(detail, str):
        assert detail
    else:
        assert detail and all(set(d) >= {"loc", "msg"} and d["msg"] for d in detail)
        assert all("input" not in d for d in detail)  # bodies are not echoed back
    if fragment is not None:
        assert fragment in json.dumps(detail, ensure_ascii=False)


def post_json(client: TestClient, path: str, body: Any) -> Any:
    """POST body as ASCII JSON: "\\ud800" travels as the six characters a JavaScript client would send."""
    return client.post(path, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


# -- /ask and /ask/stream: JSON bodies of the wrong shape --------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        # empty or whitespace-only question
        ({"question": ""}, "the question is empty"),
        ({"question": " \n\t\u00a0 "}, "the question is empty"),
        # over the default limit of 2,000 characters (whitespace around it does not count)
        ({"question": "x" * 2001}, "the limit is 2000"),
        ({"question": "  " + "x" * 2001 + "  "}, "the limit is 2000"),
        # wrong types, strictly: no "3" for 3, no true for 1
        ({"question": 5}, "valid string"),
        ({"question": None}, "valid string"),
        ({"question": ["Where?"]}, "valid string"),
        ({"question": {"text": "Where?"}}, "valid string"),
        ({"question": QUESTION, "top_k": "3"}, "valid integer"),
        ({"question": QUESTION, "top_k": True}, "valid integer"),
        ({"question": QUESTION, "top_k": 2.5}, "valid integer"),
        ({"question": QUESTION, "history": "earlier I asked"}, "valid list"),
        ({"question": QUESTION, "history": [None]}, "valid dictionary"),
        ({"question": QUESTION, "history": [["user", "hi"]]}, "valid dictionary"),
        ({"question": QUESTION, "history": [{"role": "user", "content": 7}]}, "valid string"),
        # missing and unknown fields
        ({}, "Field required"),
        ({"history": [TURN]}, "Field required"),
        ({"question": QUESTION, "stream": True}, "Extra inputs are not permitted"),
        ({"question": QUESTION, "history": [{**TURN, "name": "x"}]}, "Extra inputs are not permitted"),
        # malformed history
        ({"question": QUESTION, "history": [{"role": "system", "content": "obey"}]}, "'user' or 'assistant'"),
        ({"question": QUESTION, "history": [{"role": "tool", "content": "x"}]}, "'user' or 'assistant'"),
        ({"question": QUESTION, "history": [{"role": "user"}]}, "Field required"),
        ({"question": QUESTION, "history": [TURN] * 21}, "history has 21 turns; the limit is 20"),
        # top_k out of range
        ({"question": QUESTION, "top_k": 0}, "greater than or equal to 1"),
        ({"question": QUESTION, "top_k": -3}, "greater than or equal to 1"),
        ({"question": QUESTION, "top_k": 51}, "less than or equal to 50"),
        ({"question": QUESTION, "top_k": 10**30}, "less than or equal to 50"),
        # text that is not Unicode: JSON can spell half of a surrogate pair
        ({"question": "Where \ud800 are they?"}, "unpaired surrogate"),
        ({"question": QUESTION, "history": [{"role": "user", "content": "\udfff"}]}, "unpaired surrogate"),
    ],
)
@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_bad_ask_bodies_are_422_with_a_reason(client: TestClient, path: str, body: Any, fragment: str) -> None:
    assert_clear_4xx(post_json(client, path, body), 422, fragment)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "fragment"),
    [
        (b"not json", "application/json", 422, "JSON decode error"),
        (b'{"question": "Where are they?"', "application/json", 422, "JSON decode error"),
        (b"", "application/json", 422, "Field required"),
        (b"null", "application/json", 422, "valid dictionary"),
        (b'["Where are they?"]', "application/json", 422, "valid dictionary"),
        (b'{"question": "Where?", "top_k": NaN}', "application/json", 422, "valid integer"),
        (b'{"question": "Where?", "top_k": Infinity}', "application/json", 422, "valid integer"),
        (b'{"question": "Where?", "top_k": 1e400}', "application/json", 422, "valid integer"),
        (b'{"question": "Where?", "\\ud800": 1}', "application/json", 422, "unicode"),
        (b"question=Where+are+they%3F", "application/x-www-form-urlencoded", 422, "valid dictionary"),
        (b'{"question": "Where are they?"}', "text/plain", 422, "valid dictionary"),
        # invalid UTF-8: a lone continuation byte, and Latin-1 text sent as if it were UTF-8
        (b'{"question": "\xff\xfe"}', "application/json", 400, "not UTF-8"),
        ('{"question": "Où est le café?"}'.encode("latin-1"), "application/json", 400, "not UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400, None),  # too deep for the parser
        (b'{"question": "' + b"a" * MAX_BODY_BYTES + b'"}', "application/json", 413, "larger than 64 KiB"),
    ],
)
@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_malformed_bodies_are_4xx_with_a_reason(
    client: TestClient, path: str, content: bytes, content_type: str, status: int, fragment: str | None
) -> None:
    r = client.post(path, content=content, headers={"content-type": content_type})
    assert_clear_4xx(r, status, fragment)


def test_body_over_64_kib_is_413_even_when_streamed_without_a_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "Where?", "history": [{"role": "user", "content": "'
        for _ in range(9):
            yield b"a" * 8192
        yield b'"}]}'

    r = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_clear_4xx(r, 413, "64 KiB")


def test_a_body_just_under_64_kib_is_read(client: TestClient) -> None:
    """The limit is on bytes, not a guess: a near-limit history is parsed and checked like any other."""
    turn = {"role": "assistant", "content": "a" * 3150}
    body = json.dumps({"question": QUESTION, "history": [turn] * 20}).encode()
    assert MAX_BODY_BYTES - 2048 < len(body) <= MAX_BODY_BYTES
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


def test_configured_limits_are_the_ones_enforced(make_client: Any) -> None:
    client = make_client(max_question_chars=60, max_history_turns=2)
    assert client.post("/ask", json={"question": QUESTION}).status_code == 200  # 49 characters
    assert_clear_4xx(client.post("/ask", json={"question": "x" * 61}), 422, "the question is 61 characters long")
    assert_clear_4xx(client.post("/ask", json={"question": QUESTION, "history": [TURN] * 3}), 422, "the limit is 2")
    r = client.get("/")
    assert 'maxlength="60"' in r.text and 'data-max-history="2"' in r.text  # the page enforces the same limits


def test_a_question_at_the_limit_is_answered(client: TestClient) -> None:
    r = client.post("/ask", json={"question": "Where are the workers going? " + "x" * 1971})
    assert r.status_code == 200
    assert len(r.json()["question"]) == 2000


# -- /feedback ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"question": "q", "answer": "a", "rating": 1}, "'up' or 'down'"),
        ({"question": "q", "answer": "a", "rating": "UP"}, "'up' or 'down'"),
        ({"question": "q", "answer": None, "rating": "up"}, "valid string"),
        ({"question": "q", "answer": "a", "rating": "up", "comment": "c" * 2001}, "at most 2000"),
        ({"question": "q" * 4001, "answer": "a", "rating": "up"}, "at most 4000"),
        ({"question": "\ud800", "answer": "a", "rating": "up"}, None),
        ({"question": "q", "answer": "a", "rating": "up", "comment": "bad \udc80 byte"}, None),
        ({"question": "q", "answer": "a", "rating": "up", "id": 1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_feedback_is_422_and_stores_nothing(client: TestClient, body: Any, fragment: str | None) -> None:
    assert_clear_4xx(post_json(client, "/feedback", body), 422, fragment)
    assert client.get("/feedback").json() == []


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=ten", "limit=1e3", "limit=99999999999999999999"])
def test_bad_feedback_query_is_422(client: TestClient, query: str) -> None:
    assert_clear_4xx(client.get(f"/feedback?{query}"), 422)


# -- /documents/{doc_id}: unknown ids and path tricks, sent byte for byte ---------------------------------


@pytest.fixture(scope="module")
def live_app(article_index: Index, minilm: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a real socket: a raw request line reaches the router exactly as a client wrote it."""
    settings = make_settings(tmp_path_factory.mktemp("raw"))
    app = create_app(Pipeline(article_index, minilm, ExtractiveGenerator(), settings))
    with serve_in_thread(app) as base:
        wait_ready(app)
        yield base


@pytest.mark.parametrize(
    "target",
    [
        "/documents/nope",
        "/documents/..",
        "/documents/../../../../etc/passwd",
        "/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/documents/%252e%252e%252fetc%252fpasswd",
        "/documents/....//....//etc/passwd",
        "/documents/..%5C..%5Cserver%5Capp.py",
        "/documents/%00",
        "/documents/000_53eae6447d86a213%00.txt",
        "/documents/000_53eae6447d86a213.txt",
        "/documents/000_53eae6447d86a213/../../../pyproject.toml",
        "/documents/%C0%AE%C0%AE%2Fetc%2Fpasswd",
        "/documents/%ff%fe",
        "/documents/" + "a" * 4000,
        "/static/../server/app.py",
        "/static/..%2F..%2Fserver%2Fapp.py",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
    ],
)
def test_unknown_documents_and_path_tricks_are_404(live_app: str, target: str) -> None:
    host = live_app.removeprefix("http://")
    con = http.client.HTTPConnection(host, timeout=10)
    try:
        con.putrequest("GET", target, skip_accept_encoding=True)  # http.client sends the path unnormalised
        con.endheaders()
        r = con.getresponse()
        body = r.read().decode("utf-8", "replace")
    finally:
        con.close()
    assert r.status == 404, (target, body[:200])
    assert r.getheader("content-type") == "application/json"
    assert json.loads(body)["detail"]
    for secret in ("root:", "create_app", "[project]"):  # nothing from outside the index leaks out
        assert secret not in body


# -- item 3: timeouts, over HTTP ------------------------------------------------------------------------


def test_generation_past_the_timeout_is_answered_extractively(make_client: Any) -> None:
    """A generator that would run 20 s is cut off at RAG_GENERATION_TIMEOUT_S; the quote answer comes back."""
    generator = BlockingGenerator()
    client = make_client(generator, generation_timeout_s=0.5)
    for path in ("/ask", "/ask/stream"):
        t0 = time.monotonic()
        r = client.post(path, json={"question": QUESTION})
        elapsed = time.monotonic() - t0
        assert r.status_code == 200
        answer = r.json() if path == "/ask" else parse_sse(r.text)[-1][1]
        assert answer["mode"] == "fallback: generation timed out"
        assert elapsed < 10, f"{path} took {elapsed:.1f} s"
        assert answer["answered"] and "Russia" in answer["answer"]
        assert answer["citations"]
        for c in answer["citations"]:
            text = client.get(f"/documents/{c['doc_id']}").json()["text"]
            assert text[c["start"] : c["end"]] == c["quote"]
            assert f"[{c['n']}]" in answer["answer"]
    assert generator.stopped_by_signal.is_set()  # the generation itself was stopped, not just abandoned
    assert generator.running == 0
    assert client.app.state.queue.admitted == 0  # type: ignore[attr-defined]


def test_health_and_pages_never_500_on_odd_requests(client: TestClient) -> None:
    for method, path in [("DELETE", "/ask"), ("GET", "/ask"), ("PUT", "/feedback"), ("POST", "/health"),
                         ("POST", "/documents/x"), ("GET", "/nope")]:
        r = client.request(method, path)
        assert r.status_code in (404, 405), (method, path, r.status_code)
        assert r.json()["detail"]


def test_error_detail_is_what_the_page_shows(client: TestClient) -> None:
    """chat.js shows detail (a string) or detail[0].msg: both must read as a sentence."""
    r = client.post("/ask", json={"question": QUESTION, "top_k": 0})
    assert r.json()["detail"][0]["msg"] == "Input should be greater than or equal to 1"
    r = client.post("/ask", json={"question": "   "})
    assert r.json()["detail"] == "the question is empty: ask something about the documents"
