"""The generation queue: one answer at a time, a bounded line of waiting requests, the rest turned away."""

from __future__ import annotations

import asyncio
import math
import time
from types import TracebackType


class QueueFull(Exception):
    """Every place in the line is taken; `retry_after` is a guess in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the server is busy answering other questions: retry in {retry_after} s")
        self.retry_after = retry_after


class GenerationQueue:
    """Serialises generations: one runs, at most `size` wait in arrival order, further requests get QueueFull.

    Example with size=1: A runs, B waits, C is refused; when A ends B runs and the next request may wait.
    """

    def __init__(self, size: int, first_estimate_s: float = 5.0) -> None:
        self.size = max(0, size)
        self._lock = asyncio.Lock()  # FIFO: waiters get their turn in arrival order
        self._admitted = 0  # running + waiting; never above 1 + size
        self._avg_s = first_estimate_s  # moving average of one turn's duration, for Retry-After

    @property
    def admitted(self) -> int:
        """Requests holding a place: the one running and those waiting."""
        return self._admitted

    def admit(self) -> Ticket:
        """A place in the line, or QueueFull when there is none; `async with` the ticket to take the turn."""
        if self._admitted >= 1 + self.size:
            raise QueueFull(self.retry_after())
        self._admitted += 1
        return Ticket(self)

    def retry_after(self) -> int:
        """Seconds until a place is likely to free up: the line ahead times the average turn."""
        return max(1, min(600, math.ceil(self._avg_s * max(1, self._admitted))))

    def _record(self, seconds: float) -> None:
        self._avg_s = 0.8 * self._avg_s + 0.2 * seconds

    def _leave(self) -> None:
        self._admitted -= 1


class Ticket:
    """One admitted request: `async with ticket:` waits for the turn; leaving it, or `release()`, frees it."""

    def __init__(self, queue: GenerationQueue) -> None:
        self._queue = queue
        self._released = False
        self._holding = False
        self._started = 0.0

    async def __aenter__(self) -> Ticket:
        await self._queue._lock.acquire()
        self._holding = True
        self._started = time.monotonic()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def release(self) -> None:
        """Give the turn and the place back; idempotent, so every exit path may call it."""
        if self._holding:
            self._holding = False
            self._queue._record(time.monotonic() - self._started)
            self._queue._lock.release()
        if not self._released:
            self._released = True
            self._queue._leave()
