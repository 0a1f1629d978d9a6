"""The on-disk index: SQLite for documents, sentences and chunks; FAISS and BM25 for search; a manifest.

Layout of an index folder:
    CURRENT            name of the live version folder; replaced atomically, so readers never see a half index
    v-<time>-<pid>/    manifest.json, store.sqlite3, chunks.faiss, sentences.npy, bm25/
A build writes a new version folder and only then points CURRENT at it: a build killed half way leaves
the previous version serving.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import chunk_sentences, split_sentences
from .documents import Skipped, fingerprint, load_corpus
from .embedding import Embedder
from .errors import CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError
from .safety import looks_like_injection
from .text import terms
from .types import Chunk, Document, Sentence

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: terms keep non-ASCII letters and fold accents; 3: update notes stay in the body text
_FIX = "run `rag index` to rebuild it"


@dataclass
class BuildReport:
    """What a build did."""

    index_dir: Path
    documents: int
    sentences: int
    chunks: int
    skipped: list[Skipped]
    seconds: float


@dataclass
class Index:
    """A loaded index. Row i of `faiss` and document i of `bm25` are chunks[i]; row j of
    `sentence_vecs` is sentences[j]."""

    folder: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    sentences: list[Sentence]
    chunks: list[Chunk]
    faiss: Any
    sentence_vecs: np.ndarray  # (n_sentences, dim) float32, L2-normalised
    bm25: Any
    sentence_df: dict[str, int] = field(default_factory=dict)  # in how many sentences each term occurs

    def dense_search(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk_id, cosine) of the k nearest chunks, best first."""
        k = min(k, len(self.chunks))
        scores, ids = self.faiss.search(qvec.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def bm25_search(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        """(chunk_id, BM25 score) of the k best-matching chunks with a score above zero, best first."""
        known = [t for t in query_terms if t in self.bm25.vocab_dict]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, term: str) -> float:
        """Sentence-level inverse document frequency; unseen terms get the highest value."""
        n = len(self.sentences)
        return float(np.log(1 + (n + 1) / (self.sentence_df.get(term, 0) + 0.5)))


def current_folder(index_dir: Path) -> Path:
    """The live version folder, or IndexMissingError."""
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissingError(f"no index at {index_dir}: run `rag index` to build one")
    name = pointer.read_text().strip()
    folder = index_dir / name
    if not name or "/" in name or not folder.is_dir():
        raise IndexCorruptError(f"index at {index_dir} points at a missing version {name!r}: {_FIX}")
    return folder


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    faiss_spec: str = "Flat",
    chunk_max_chars: int = 700,
    progress: bool = True,
) -> BuildReport:
    """Read corpus_dir, embed it and write a new index version under index_dir, atomically."""
    t0 = time.perf_counter()
    docs, skipped = load_corpus(corpus_dir)
    if not docs:
        raise CorpusError(f"no readable .txt, .md or .html file in {corpus_dir}: add documents and rerun `rag index`")
    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    for doc in docs:
        doc_sentences = split_sentences(doc, first_id=len(sentences))
        sentences.extend(doc_sentences)
        chunks.extend(chunk_sentences(doc, doc_sentences, chunk_max_chars, first_id=len(chunks)))

    flagged = [s for s in sentences if looks_like_injection(s.text)]
    for s in flagged:
        log.warning("%s: sentence at %d-%d reads like instructions to an AI; it will never be quoted: %.80s",
                    s.doc_id, s.start, s.end, s.text)
    if progress:
        print(f"embedding {len(chunks)} chunks and {len(sentences)} sentences from {len(docs)} documents", flush=True)
    chunk_vecs = embedder.embed_batch([c.text for c in chunks], progress=progress)
    sentence_vecs = embedder.embed_batch([s.text for s in sentences], progress=progress)

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_store(tmp / "store.sqlite3", docs, sentences, chunks)
        _write_faiss(tmp / "chunks.faiss", chunk_vecs, faiss_spec)
        np.save(tmp / "sentences.npy", sentence_vecs)
        _write_bm25(tmp / "bm25", [terms(c.text) for c in chunks])
        manifest = {
            "format_version": FORMAT_VERSION,
            "embedder": embedder.name,
            "embedder_fingerprint": embedder.fingerprint,
            "dim": int(chunk_vecs.shape[1]),
            "corpus_dir": str(corpus_dir.resolve()),
            "corpus_fingerprint": fingerprint(corpus_dir),
            "faiss_index": faiss_spec,
            "chunk_max_chars": chunk_max_chars,
            "documents": len(docs),
            "sentences": len(sentences),
            "chunks": len(chunks),
            "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        _fsync_tree(tmp)
        tmp.rename(index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer_tmp = index_dir / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(name)
    os.replace(pointer_tmp, index_dir / "CURRENT")  # the atomic switch to the new version
    _remove_old_versions(index_dir, keep=name)
    return BuildReport(index_dir, len(docs), len(sentences), len(chunks), skipped, time.perf_counter() - t0)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.name != keep and path.is_dir() and path.name.startswith(("v-", ".tmp-v-")):
            shutil.rmtree(path, ignore_errors=True)


def _write_store(path: Path, docs: list[Document], sentences: list[Sentence], chunks: list[Chunk]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(
            """
            CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT, source TEXT, text TEXT, metadata TEXT);
            CREATE TABLE sentences (sentence_id INTEGER PRIMARY KEY, doc_id TEXT, start INTEGER, "end" INTEGER,
                                    text TEXT);
            CREATE TABLE chunks (chunk_id INTEGER PRIMARY KEY, doc_id TEXT, start INTEGER, "end" INTEGER,
                                 text TEXT, first_sentence INTEGER, last_sentence INTEGER);
            CREATE TABLE sentence_df (term TEXT PRIMARY KEY, df INTEGER);
            """
        )
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
            [(d.doc_id, d.title, d.source, d.text, json.dumps(d.metadata)) for d in docs],
        )
        con.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [(s.sentence_id, s.doc_id, s.start, s.end, s.text) for s in sentences],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, c.doc_id, c.start, c.end, c.text, c.first_sentence, c.last_sentence) for c in chunks],
        )
        df: Counter[str] = Counter()
        for s in sentences:
            df.update(set(terms(s.text)))
        con.executemany("INSERT INTO sentence_df VALUES (?, ?)", df.items())
        con.commit()
    finally:
        con.close()


def _write_faiss(path: Path, vecs: np.ndarray, spec: str) -> None:
    import faiss

    dim = vecs.shape[1]
    index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        if len(vecs) < 40 * _nlist(spec):
            log.warning("%d chunks are too few to train %r; using an exact Flat index", len(vecs), spec)
            index = faiss.index_factory(dim, "Flat", faiss.METRIC_INNER_PRODUCT)
        else:
            index.train(vecs)
    index.add(vecs)
    faiss.write_index(index, str(path))


def _nlist(spec: str) -> int:
    # "IVF1024,Flat" -> 1024; specs without IVF need no training data beyond a few rows
    for part in spec.split(","):
        if part.upper().startswith("IVF") and part[3:].isdigit():
            return int(part[3:])
    return 1


def _write_bm25(path: Path, corpus_terms: list[list[str]]) -> None:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
    bm25 = bm25s.BM25()
    # bm25s drops empty documents' rows otherwise; a placeholder term keeps row i == chunk i
    bm25.index([t or ["\0"] for t in corpus_terms], show_progress=False)
    bm25.save(str(path), show_progress=False)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The live version's manifest (IndexMissingError / IndexCorruptError when absent or unreadable)."""
    folder = current_folder(index_dir)
    try:
        return dict(json.loads((folder / "manifest.json").read_text()))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"index manifest in {folder} is unreadable ({e}): {_FIX}") from e


def check_fresh(index_dir: Path, corpus_dir: Path | None, embedder_fingerprint: str | None) -> dict[str, Any]:
    """The manifest, after checking format, embedder and corpus; IndexStaleError says what differs."""
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexStaleError(
            f"index at {index_dir} has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}: {_FIX}"
        )
    if embedder_fingerprint is not None and manifest.get("embedder_fingerprint") != embedder_fingerprint:
        raise IndexStaleError(
            f"index at {index_dir} was built with embedder {manifest.get('embedder')!r}, not the one "
            f"configured now: {_FIX}"
        )
    if corpus_dir is not None and corpus_dir.is_dir() and manifest.get("corpus_fingerprint") != fingerprint(corpus_dir):
        raise IndexStaleError(
            f"documents in {corpus_dir} changed since the index at {index_dir} was built: {_FIX}"
        )
    return manifest


def load_index(index_dir: Path) -> Index:
    """Load the live version; a missing, truncated or corrupt file raises an error that names the fix."""
    import bm25s
    import faiss

    manifest = read_manifest(index_dir)
    folder = current_folder(index_dir)
    try:
        con = sqlite3.connect(f"file:{folder / 'store.sqlite3'}?mode=ro", uri=True)
        try:
            documents = {
                r[0]: Document(r[0], r[1], r[2], r[3], json.loads(r[4]))
                for r in con.execute("SELECT doc_id, title, source, text, metadata FROM documents")
            }
            sentences = [
                Sentence(*r)
                for r in con.execute('SELECT sentence_id, doc_id, start, "end", text FROM sentences ORDER BY 1')
            ]
            chunks = [
                Chunk(*r)
                for r in con.execute(
                    'SELECT chunk_id, doc_id, start, "end", text, first_sentence, last_sentence '
                    "FROM chunks ORDER BY 1"
                )
            ]
            sentence_df = dict(con.execute("SELECT term, df FROM sentence_df"))
        finally:
            con.close()
        index = faiss.read_index(str(folder / "chunks.faiss"))
        sentence_vecs = np.load(folder / "sentences.npy", mmap_mode="r")
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
    except (sqlite3.Error, RuntimeError, OSError, ValueError, KeyError) as e:
        raise IndexCorruptError(f"index at {folder} is damaged ({type(e).__name__}: {e}): {_FIX}") from e
    if (
        index.ntotal != len(chunks)
        or len(chunks) != manifest.get("chunks")
        or sentence_vecs.shape[0] != len(sentences)
        or len(sentences) != manifest.get("sentences")
    ):
        raise IndexCorruptError(f"index at {folder} has mismatched parts (a partial write?): {_FIX}")
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(index.hnsw.efSearch, 64)
    if hasattr(index, "nprobe"):
        index.nprobe = max(index.nprobe, 16)
    return Index(folder, manifest, documents, sentences, chunks, index, sentence_vecs, bm25, sentence_df)
