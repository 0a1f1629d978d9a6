"""The ONNX export of MiniLM against sentence-transformers, its hash checks, and a torch-free serving path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import models
from rag.embedding import MiniLMEmbedder, OnnxMiniLMEmbedder, load_embedder
from rag.errors import ModelError
from rag.settings import Settings

from .conftest import ARTICLE

MODEL_DIR = Settings().model_dir


@pytest.fixture(scope="module")
def onnx_folder() -> Path:
    return models.prepare_embedder_onnx(MODEL_DIR)  # a no-op when `rag models prepare` has run


def test_onnx_vectors_equal_sentence_transformers(onnx_folder: Path) -> None:
    lines = [line for line in ARTICLE.read_text("utf-8").splitlines() if line.strip()]
    texts = [*lines[:40], "", "Pyongyang", "word " * 600]  # empty, one token, and one cut at 256 tokens
    ours = OnnxMiniLMEmbedder(onnx_folder).embed_batch(texts)
    reference = MiniLMEmbedder().embed_batch(texts)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert float((ours * reference).sum(axis=1).min()) > 0.99999


def test_load_embedder_prefers_the_onnx_export(onnx_folder: Path) -> None:
    embedder = load_embedder(MODEL_DIR)
    assert isinstance(embedder, OnnxMiniLMEmbedder)
    assert embedder.fingerprint == models.EMBEDDER_SHA256  # indexes built either way stay valid


def test_load_embedder_without_the_export_falls_back_to_torch(tmp_path: Path) -> None:
    assert isinstance(load_embedder(tmp_path), MiniLMEmbedder)


def test_damaged_or_foreign_export_is_refused_with_the_fix(onnx_folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / models.EMBEDDER_ONNX_DIR
    shutil.copytree(onnx_folder, copy)
    assert models.prepared_embedder_onnx(tmp_path) == copy
    with (copy / "model.onnx").open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="damaged.*rag models prepare` --force"):
        models.prepared_embedder_onnx(tmp_path)
    marker = copy / "citerag-prepared.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "source_sha256": "0" * 64}))
    with pytest.raises(ModelError, match="other weights"):
        models.prepared_embedder_onnx(tmp_path)
    marker.unlink()
    with pytest.raises(ModelError, match="not prepared.*rag models prepare"):
        models.prepared_embedder_onnx(tmp_path)


@pytest.mark.slow
def test_serving_with_the_default_backend_never_imports_torch(tmp_path: Path) -> None:
    """torch and transformers cost about 400 MiB of resident memory that serving does not need."""
    index = tmp_path / "index"
    script = f"""
import sys
from rag.embedding import load_embedder
from rag.index import build_index
from rag.pipeline import Pipeline
from rag.settings import Settings
s = Settings(corpus_dir={str(ARTICLE.parent)!r}, index_dir={str(index)!r}, generator="onnx")
build_index(s.corpus_dir, s.index_dir, load_embedder(s.model_dir), progress=False)
answer = Pipeline.from_settings(s).ask("How much does North Korea earn from its overseas workers each year?")
assert answer.answered and answer.mode == "generated", answer.mode
print(sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_an_export_that_disagrees_with_torch_is_not_saved(onnx_folder: Path, tmp_path: Path) -> None:
    feed = models._sample_feed(onnx_folder)
    import onnxruntime as ort

    right = ort.InferenceSession(str(onnx_folder / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, feed)[0]
    models._check_export(onnx_folder / "model.onnx", feed, right)  # agrees: no error
    wrong = right.copy()
    wrong[1, 3, 7] += 0.01  # one value of one real token
    with pytest.raises(ModelError, match="disagrees with the original"):
        models._check_export(onnx_folder / "model.onnx", feed, wrong)
    padded = right.copy()
    padded[0, -1, :] += 1.0  # a padded position of the short text: pooled away, so it does not count
    models._check_export(onnx_folder / "model.onnx", feed, padded)


@pytest.mark.slow
def test_prepare_exports_checks_and_marks_a_new_folder(tmp_path: Path) -> None:
    folder = models.prepare_embedder_onnx(tmp_path)
    assert folder == tmp_path / models.EMBEDDER_ONNX_DIR
    assert models.prepared_embedder_onnx(tmp_path) == folder
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left behind
    texts = ["How much does North Korea earn?", "Pyongyang"]
    ours, reference = OnnxMiniLMEmbedder(folder).embed_batch(texts), MiniLMEmbedder().embed_batch(texts)
    assert float((ours * reference).sum(axis=1).min()) > 0.99999
