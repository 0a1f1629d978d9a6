"""The index: FAISS agrees with brute force, files round-trip, builds are atomic, faults are named."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from rag.embedding import HashingEmbedder
from rag.errors import IndexCorruptError, IndexMissingError, IndexStaleError
from rag.index import FORMAT_VERSION, build_index, check_fresh, current_folder, load_index

from .conftest import CORPUS
from .live import running_server


def test_faiss_top_k_equals_brute_force(article_index, minilm):
    chunk_vecs = minilm.embed_batch([c.text for c in article_index.chunks])
    for q in ["Where are the workers going?", "UN sanctions resolution", "basketball game", "spokesperson"]:
        qvec = minilm.embed(q)
        expected = np.argsort(-(chunk_vecs @ qvec), kind="stable")[:5]
        got = [cid for cid, _ in article_index.dense_search(qvec, 5)]
        assert got == expected.tolist()


def test_sentence_vectors_match_sentences(article_index, minilm):
    vecs = minilm.embed_batch([s.text for s in article_index.sentences[:5]])
    np.testing.assert_allclose(np.asarray(article_index.sentence_vecs[:5]), vecs, atol=1e-4)


def test_offsets_slice_back_after_round_trip(hashing_index):
    docs = hashing_index.documents
    for s in hashing_index.sentences:
        assert docs[s.doc_id].text[s.start : s.end] == s.text
    for c in hashing_index.chunks:
        assert docs[c.doc_id].text[c.start : c.end] == c.text


def test_bm25_finds_names(hashing_index):
    hits = hashing_index.bm25_search(["resolution", "2397"], 3)
    assert "Resolution 2397" in hashing_index.chunks[hits[0][0]].text


def test_manifest_and_freshness(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    emb = HashingEmbedder()
    build_index(corpus, index_dir, emb, progress=False)
    manifest = check_fresh(index_dir, corpus, emb.fingerprint)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["documents"] == 1
    with pytest.raises(IndexStaleError, match="embedder"):
        check_fresh(index_dir, corpus, "another-embedder")
    (corpus / "new.txt").write_text("New notes\n\nA new sentence arrives.\n")
    with pytest.raises(IndexStaleError, match="rag index"):
        check_fresh(index_dir, corpus, emb.fingerprint)


def test_missing_index_names_the_fix(tmp_path: Path):
    with pytest.raises(IndexMissingError, match="rag index"):
        load_index(tmp_path)


@pytest.mark.parametrize("victim", ["chunks.faiss", "store.sqlite3", "sentences.npy", "manifest.json"])
def test_truncated_file_gives_clear_error(tmp_path: Path, victim: str):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, HashingEmbedder(), progress=False)
    path = current_folder(index_dir) / victim
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(IndexCorruptError, match="rag index"):
        load_index(index_dir)


def test_rebuild_replaces_version_and_keeps_one(tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, HashingEmbedder(), progress=False)
    first = current_folder(index_dir)
    build_index(CORPUS, index_dir, HashingEmbedder(), progress=False)
    second = current_folder(index_dir)
    assert first != second and not first.exists()
    assert json.loads((second / "manifest.json").read_text())["chunks"] == len(load_index(index_dir).chunks)


def test_hnsw_index_type(tmp_path: Path):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir, HashingEmbedder(), faiss_spec="HNSW16", progress=False)
    index = load_index(index_dir)
    qvec = HashingEmbedder().embed("workers Russia")
    assert len(index.dense_search(qvec, 3)) == 3


@pytest.mark.parametrize("victim", ["chunks.faiss", "manifest.json"])
def test_live_server_on_a_corrupt_index_says_run_rag_index(article_index_dir: Path, tmp_path: Path, victim: str):
    """The server stays up and answers /health with the reason, instead of crashing (and being restarted)."""
    index_dir = tmp_path / "index"
    shutil.copytree(article_index_dir, index_dir)
    path = current_folder(index_dir) / victim
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])

    def failed(r: httpx.Response) -> bool:
        return r.status_code == 503 and r.json()["status"] == "error"

    with running_server(tmp_path / "data", failed, RAG_INDEX_DIR=str(index_dir)) as server:
        detail = httpx.get(f"{server.base}/health").json()["detail"]
        assert "rag index" in detail and str(index_dir) in detail
        r = httpx.post(f"{server.base}/ask", json={"question": "Where are the workers going?"})
        assert r.status_code == 503 and "rag index" in r.json()["detail"]
        assert httpx.get(server.base).status_code == 200  # the chat page loads and shows the reason
        time.sleep(1)
        assert server.proc.poll() is None  # still the same process, still serving
        assert httpx.get(f"{server.base}/health").json() == {"status": "error", "detail": detail}
        log = server.log()
    assert f"cannot start the engine: {detail}" in log
    assert "Traceback" not in log
