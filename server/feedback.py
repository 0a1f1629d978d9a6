"""Reader feedback on answers, kept in SQLite (WAL) under the data directory."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class FeedbackRow:
    """One stored rating of one answer."""

    id: int
    created_at: str  # ISO 8601, UTC
    question: str
    answer: str
    rating: str  # "up" or "down"
    comment: str


class FeedbackStore:
    """Append-only feedback table; each call opens its own connection, so any thread may use it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._init_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        with self._init_lock:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(self.path, timeout=10)
                try:
                    con.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                    con.execute(SCHEMA)
                    con.commit()
                finally:
                    con.close()
                self._ready = True
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across a crash of the process
        return con

    def add(self, question: str, answer: str, rating: str, comment: str = "") -> FeedbackRow:
        """Store one rating; committed before it returns."""
        created = datetime.now(UTC).isoformat(timespec="seconds")
        con = self._connect()
        try:
            with con:  # commits, or rolls back on error
                cur = con.execute(
                    "INSERT INTO feedback (created_at, question, answer, rating, comment) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (created, question, answer, rating, comment),
                )
            row_id = int(cur.lastrowid or 0)
        finally:
            con.close()
        return FeedbackRow(row_id, created, question, answer, rating, comment)

    def recent(self, limit: int = 50) -> list[FeedbackRow]:
        """The newest rows first."""
        con = self._connect()
        try:
            rows = con.execute(
                "SELECT id, created_at, question, answer, rating, comment FROM feedback "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            con.close()
        return [FeedbackRow(*r) for r in rows]
