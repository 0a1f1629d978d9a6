"""Feedback durability on a live server: a 201 means the row is on disk, even if the server is killed -9 next."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from server.app import FEEDBACK_DB

from .fakes import wait_until
from .live import LiveServer, running_server, start_server

WRITERS = 20


def stored(data_dir: Path) -> dict[int, str]:
    """id -> question of every row, read by a fresh connection (after a crash: recovered from the WAL)."""
    con = sqlite3.connect(data_dir / FEEDBACK_DB)
    try:
        return dict(con.execute("SELECT id, question FROM feedback").fetchall())
    finally:
        con.close()


def write_concurrently(
    base: str, per_writer: int | None, acked: dict[int, str], errors: list[str], stop: threading.Event | None = None
) -> None:
    """WRITERS clients POST /feedback at once, each `per_writer` times (or until `stop` or an error).

    Fills `acked` with id -> question of every 201 as they come, and `errors` with the requests that got none.
    """
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            start.wait()
            i = 0
            while (per_writer is None or i < per_writer) and not (stop and stop.is_set()):
                question = f"writer {w} rating {i}"
                try:
                    r = client.post("/feedback", json={"question": question, "answer": "a", "rating": "up"})
                except httpx.HTTPError as e:
                    with lock:
                        errors.append(f"{question}: {type(e).__name__}")
                    return  # the server is gone
                with lock:
                    if r.status_code == 201:
                        acked[r.json()["id"]] = question
                    else:
                        errors.append(f"{question}: {r.status_code} {r.text[:100]}")
                i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def test_twenty_concurrent_writers_lose_no_row(article_index_dir: Path, tmp_path: Path) -> None:
    with running_server(tmp_path, path="/feedback", RAG_INDEX_DIR=str(article_index_dir)) as server:
        acked: dict[int, str] = {}
        errors: list[str] = []
        write_concurrently(server.base, 10, acked, errors)
        assert errors == []
        assert len(acked) == WRITERS * 10  # 200 distinct ids
        assert sorted(acked.values()) == sorted(f"writer {w} rating {i}" for w in range(WRITERS) for i in range(10))
        listed = httpx.get(f"{server.base}/feedback", params={"limit": 500}, timeout=10).json()
        assert {r["id"]: r["question"] for r in listed} == acked
    assert stored(tmp_path) == acked


def test_acknowledged_feedback_survives_kill_9(article_index_dir: Path, tmp_path: Path) -> None:
    """SIGKILL while 20 clients write: every row that got its 201 is there when the server comes back."""
    server: LiveServer = start_server(tmp_path, RAG_INDEX_DIR=str(article_index_dir))
    stop = threading.Event()
    acked: dict[int, str] = {}
    errors: list[str] = []
    try:
        server.wait(path="/feedback")
        writers = threading.Thread(target=write_concurrently, args=(server.base, None, acked, errors, stop))
        writers.start()
        wait_until(lambda: len(acked) >= 100, timeout=60)  # well under way
        server.kill()  # mid-write: no shutdown, no checkpoint, no flush
        killed_at = time.monotonic()
        writers.join(60)
    finally:
        stop.set()
        server.stop()
    assert len(acked) >= 100
    assert len(errors) == WRITERS, errors  # each writer saw the server die under it
    assert time.monotonic() - killed_at < 60

    rows = stored(tmp_path)  # what SQLite recovers from the database and its WAL
    print(f"\nkill -9: {len(acked)} acknowledged, {len(rows)} stored, {len(errors)} cut off")
    assert {i: rows.get(i) for i in acked} == acked  # every 201 survived, with its own content
    assert len(rows) - len(acked) <= WRITERS  # at most the in-flight ones were stored without their 201

    with running_server(tmp_path, path="/feedback", RAG_INDEX_DIR=str(article_index_dir)) as again:
        listed = httpx.get(f"{again.base}/feedback", params={"limit": 500}, timeout=10).json()
        assert {r["id"] for r in listed} >= set(acked)
        r = httpx.post(f"{again.base}/feedback", json={"question": "after", "answer": "a", "rating": "down"})
        assert r.status_code == 201 and r.json()["id"] > max(rows)  # ids keep counting up after the crash
