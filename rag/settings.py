"""Settings from the environment (prefix RAG_) with a cached accessor."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache() -> Path:
    return Path.home() / ".cache" / "citerag"


class Settings(BaseSettings):
    """Every knob of the engine and server; override with RAG_<NAME> environment variables."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path(".rag/index")
    data_dir: Path = Path(".rag")  # feedback database and other server state
    model_dir: Path = Field(default_factory=lambda: _default_cache() / "models")

    # onnx (onnxruntime-genai int8) is the default: same answers as transformers fp32, 45 tok/s on two
    # cores (python -m eval.bench_generators); the others stay selectable.
    generator: Literal["onnx", "transformers", "ctranslate2", "extractive", "smollm2", "openai"] = "onnx"
    llm_url: str = ""  # OpenAI-compatible server for generator=openai, e.g. http://127.0.0.1:8080/v1
    llm_model: str = "qwen2.5-coder-0.5b-instruct"
    threads: int = 0  # 0: one per CPU core
    max_new_tokens: int = 80
    generation_timeout_s: float = 30.0

    faiss_index: str = "Flat"  # a faiss.index_factory string, e.g. "HNSW32" or "IVF1024,Flat"
    chunk_max_chars: int = 700
    top_k: int = 4  # passages returned to the caller
    max_evidence: int = 4  # sentences numbered for the generator
    # Refusal gate: see Retriever.gate in rag/retrieval.py for how this was chosen.
    min_evidence_score: float = 0.33
    # Above this evidence score an answer the verifier rejects becomes a quote; below it, an answer that
    # invents a number or name the evidence lacks becomes a refusal (see Pipeline.stream).
    sure_evidence_score: float = 0.60

    max_question_chars: int = 2000
    max_history_turns: int = 20
    queue_size: int = 8  # waiting generations before /ask answers 503
    rate_limit_per_minute: int = 0  # per client address; 0 disables


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
