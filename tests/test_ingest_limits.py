"""Ingestion limits: files that cannot or must not be read are skipped with a logged reason; the rest indexes."""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.documents import MAX_FILE_BYTES, fingerprint, load_corpus
from rag.embedding import HashingEmbedder
from rag.index import build_index, check_fresh, load_index

from .conftest import CORPUS

BIG_BYTES = 50 * 1024 * 1024
CAFE = "The café on the harbour opened in 1990, the year the ferry began."
NOTEPAD = "The ferry to the island leaves at noon every Sunday."
SECRET = "The vault code outside the corpus is 7319."
EXPECTED_SKIPS = {
    "big.txt": "file of 50 MiB is over the 20 MiB limit",
    "binary.md": "binary file (contains NUL bytes)",
    "empty.txt": "empty file",
    "leak.txt": "symlink pointing outside the corpus folder",
    "pipe.txt": "not a regular file",
}


@pytest.fixture
def messy_corpus(tmp_path: Path) -> Iterator[Path]:
    """The article plus one file of each awkward kind."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    with (corpus / "big.txt").open("wb") as f:  # 50 MB of real text, so it is the size that is refused
        block = b"Big notes\n\n" + b"A sentence that goes on and on about the harbour. " * 20_000 + b"\n"
        while f.tell() < BIG_BYTES:
            f.write(block)
        f.truncate(BIG_BYTES)
    (corpus / "binary.md").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 64)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "cafe.txt").write_bytes(f"Harbour notes\n\n{CAFE}\n".encode("cp1252"))
    (corpus / "notepad.txt").write_bytes(codecs.BOM_UTF16_LE + f"Ferry notes\r\n\r\n{NOTEPAD}\r\n".encode("utf-16-le"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"Secret notes\n\n{SECRET}\n")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    os.mkfifo(corpus / "pipe.txt")  # reading it would wait forever for a writer
    try:
        yield corpus
    finally:
        _unblock(corpus / "pipe.txt")


def _unblock(fifo: Path) -> None:
    """Let a reader stuck opening the FIFO go on (to EOF), so a failed test does not leave a thread hanging."""
    with contextlib.suppress(OSError):  # ENXIO: nobody is reading it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def within(seconds: float, fn: Callable[[], Any]) -> Any:
    """fn() run in a thread; a failure, not a hung test run, when it takes longer than `seconds`."""
    result: list[Any] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as e:  # re-raised below, in the test's thread
            error.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (blocked on a file?)"
    if error:
        raise error[0]
    return result[0]


def test_each_awkward_file_is_skipped_or_read_with_a_logged_reason(
    messy_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rag.documents")
    docs, skipped = within(60, lambda: load_corpus(messy_corpus))
    assert {s.path: s.reason for s in skipped} == EXPECTED_SKIPS
    logged = [r.getMessage() for r in caplog.records]
    for path, reason in EXPECTED_SKIPS.items():
        assert f"skipped {path}: {reason}" in logged
    assert any(m.startswith("cafe.txt is not UTF-8; read it as") for m in logged)
    assert any(m.startswith("notepad.txt is not UTF-8; read it as utf_16") for m in logged)

    texts = {d.source: d.text for d in docs}
    assert set(texts) == {"000_53eae6447d86a213.txt", "cafe.txt", "notepad.txt"}
    assert texts["cafe.txt"] == CAFE  # decoded, not mangled
    assert texts["notepad.txt"] == NOTEPAD
    assert all(SECRET not in t for t in texts.values())
    assert (messy_corpus / "big.txt").stat().st_size >= BIG_BYTES > MAX_FILE_BYTES


def test_build_index_indexes_the_rest(messy_corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    embedder = HashingEmbedder()
    report = within(120, lambda: build_index(messy_corpus, index_dir, embedder, progress=False))
    assert report.documents == 3
    assert {(s.path, s.reason) for s in report.skipped} == set(EXPECTED_SKIPS.items())

    index = load_index(index_dir)
    assert set(index.documents) == {"000_53eae6447d86a213", "cafe", "notepad"}
    sentences = {s.text for s in index.sentences}
    assert CAFE in sentences and NOTEPAD in sentences
    assert not any("harbour. A sentence" in s or SECRET in s for s in sentences)
    manifest = within(60, lambda: check_fresh(index_dir, messy_corpus, embedder.fingerprint))
    assert {s["path"] for s in manifest["skipped"]} == set(EXPECTED_SKIPS)  # the skips are on record


def test_corpus_fingerprint_never_reads_what_ingestion_skips(messy_corpus: Path, tmp_path: Path) -> None:
    """Staleness checks hash the corpus: a FIFO there must not block them, nor a link lead them outside."""
    before = within(60, lambda: fingerprint(messy_corpus))
    (tmp_path / "outside" / "secret.txt").write_text("Secret notes\n\nSomething else entirely.\n")
    with (messy_corpus / "big.txt").open("ab") as f:
        f.write(b"More of the same.\n")
    assert within(60, lambda: fingerprint(messy_corpus)) == before
    (messy_corpus / "cafe.txt").write_text("Harbour notes\n\nThe café closed in 2020.\n")
    assert within(60, lambda: fingerprint(messy_corpus)) != before  # what is indexed still counts
