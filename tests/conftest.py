"""Shared fixtures: the real article corpus, indexes built from it, the packaged embedder, apps and a browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.embedding import Embedder, HashingEmbedder, load_embedder
from rag.generation import ExtractiveGenerator, Generator
from rag.index import Index, build_index, load_index
from rag.pipeline import Pipeline
from rag.settings import Settings
from server.app import create_app

from .live import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "000_53eae6447d86a213.txt"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The packaged MiniLM as the app loads it: the ONNX export when prepared, else sentence-transformers."""
    return load_embedder(Settings().model_dir)


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The article indexed with the model-free hashing embedder (fast plumbing tests)."""
    index_dir = tmp_path_factory.mktemp("hash-index")
    build_index(CORPUS, index_dir, HashingEmbedder(), progress=False)
    return load_index(index_dir)


@pytest.fixture(scope="session")
def article_index_dir(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> Path:
    """The article indexed with the real packaged MiniLM embedder."""
    index_dir = tmp_path_factory.mktemp("minilm-index")
    build_index(CORPUS, index_dir, minilm, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def article_index(article_index_dir: Path) -> Index:
    return load_index(article_index_dir)


@pytest.fixture(scope="session")
def qwen_pipeline(article_index: Index, minilm: Embedder):
    """The default generator (packaged Qwen2.5-Coder-0.5B) over the article; loads once per session."""
    from rag.generation import make_generator
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    settings = get_settings()
    generator = make_generator(settings.generator, settings.model_dir, settings.threads)
    return Pipeline(article_index, minilm, generator, settings)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "index_dir": tmp_path / "no-index",
        "data_dir": tmp_path / "data",
        "generator": "extractive",
        "queue_size": 8,
        "rate_limit_per_minute": 0,
        "max_question_chars": 2000,
        "max_history_turns": 20,
    }
    return Settings(**{**values, **overrides})


def wait_ready(app: Any) -> None:
    assert app.state.loader.wait(30), "the pipeline did not finish loading"


@pytest.fixture
def make_client(article_index: Index, minilm: Embedder, tmp_path: Path) -> Iterator[Any]:
    """A factory of TestClients (lifespan running) over the article index, with a chosen generator."""
    stack: list[TestClient] = []

    def factory(generator: Generator | None = None, **overrides: Any) -> TestClient:
        settings = make_settings(tmp_path, **overrides)
        pipeline = Pipeline(article_index, minilm, generator or ExtractiveGenerator(), settings)
        app = create_app(pipeline)
        client = TestClient(app)
        client.__enter__()
        stack.append(client)
        wait_ready(app)
        return client

    yield factory
    for client in reversed(stack):
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Any) -> TestClient:
    return make_client()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, launched once for the browser tests."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
