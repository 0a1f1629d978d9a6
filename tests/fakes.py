"""Stand-ins for the slow or unpredictable parts: scripted generators, and helpers to read what servers send."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

from rag.generation import Generator, StopSignal


class EchoGenerator(Generator):
    """Streams back the first numbered evidence sentence word by word with its marker: a valid answer."""

    name = "echo"

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        first = re.search(r"^\[1\] (.+)$", messages[-1]["content"], re.MULTILINE)
        assert first is not None
        words = first.group(1).split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word
        yield " [1]"

    def warm_up(self) -> None:
        return None


class BlockingGenerator(Generator):
    """Blocks each generation until `release` is set (or the caller's stop signal fires)."""

    name = "blocking"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.running = 0
        self.max_running = 0
        self.stopped_by_signal = threading.Event()
        self._count_lock = threading.Lock()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        with self._count_lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        self.started.set()
        try:
            deadline = time.monotonic() + 20
            while not self.release.is_set() and time.monotonic() < deadline:
                if stop.is_set():
                    self.stopped_by_signal.set()
                    return
                time.sleep(0.01)
            yield "nothing useful"
        finally:
            with self._count_lock:
                self.running -= 1

    def warm_up(self) -> None:
        return None  # the default warm-up would block on `release`


class FailingGenerator(Generator):
    """Writes a little, then fails the way a bug would."""

    name = "failing"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        yield "Partial"
        raise self.error

    def warm_up(self) -> None:
        return None


def parse_sse(body: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


class TickingGenerator(Generator):
    """Writes a word every `interval` s for up to `limit` s: a model that goes on until someone stops it."""

    name = "ticking"

    def __init__(self, interval: float = 0.05, limit: float = 30.0) -> None:
        self.interval = interval
        self.limit = limit
        self.calls = 0
        self.running = 0
        self.ended: list[tuple[bool, float]] = []  # per generation: (stopped by the signal?, seconds it ran)
        self._lock = threading.Lock()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        with self._lock:
            self.calls += 1
            self.running += 1
        t0 = time.monotonic()
        try:
            while not stop.is_set() and time.monotonic() - t0 < self.limit:
                yield " tick"
                time.sleep(self.interval)
        finally:  # also when the consumer closes the iterator
            with self._lock:
                self.running -= 1
                self.ended.append((stop.is_set(), time.monotonic() - t0))

    def warm_up(self) -> None:
        return None
