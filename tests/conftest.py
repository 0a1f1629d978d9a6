"""Shared fixtures: the real article corpus, indexes built from it, and the packaged embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embedding import HashingEmbedder, MiniLMEmbedder
from rag.index import Index, build_index, load_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTICLE = CORPUS / "000_53eae6447d86a213.txt"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The article indexed with the model-free hashing embedder (fast plumbing tests)."""
    index_dir = tmp_path_factory.mktemp("hash-index")
    build_index(CORPUS, index_dir, HashingEmbedder(), progress=False)
    return load_index(index_dir)


@pytest.fixture(scope="session")
def article_index_dir(tmp_path_factory: pytest.TempPathFactory, minilm: MiniLMEmbedder) -> Path:
    """The article indexed with the real packaged MiniLM embedder."""
    index_dir = tmp_path_factory.mktemp("minilm-index")
    build_index(CORPUS, index_dir, minilm, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def article_index(article_index_dir: Path) -> Index:
    return load_index(article_index_dir)


@pytest.fixture(scope="session")
def qwen_pipeline(article_index: Index, minilm: MiniLMEmbedder):
    """The default generator (packaged Qwen2.5-Coder-0.5B) over the article; loads once per session."""
    from rag.generation import make_generator
    from rag.pipeline import Pipeline
    from rag.settings import get_settings

    settings = get_settings()
    generator = make_generator(settings.generator, settings.model_dir, settings.threads)
    return Pipeline(article_index, minilm, generator, settings)
