"""Plain ASGI middleware (so streamed responses pass through untouched): headers, body size, rate limit."""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The chat page and the API load nothing from elsewhere and run no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
MAX_BODY_BYTES = 64 * 1024  # a question, its history and some slack; larger bodies are refused with 413


async def send_json(
    send: Send, status: int, body: dict[str, str], headers: Iterable[tuple[str, str]] = ()
) -> None:
    """A complete JSON response, for middleware that answers before the app sees the request."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, no-referrer and frame denial to every response that does not set its own CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Reads a request body of at most `max_bytes` before the app runs, or answers 413.

    Buffering (rather than counting while the app reads) makes the limit exact for chunked uploads too,
    and keeps the 413 from being turned into FastAPI's generic 400 "error parsing the body".
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = {"detail": f"the request body is larger than {self.max_bytes // 1024} KiB"}
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await send_json(send, 413, too_large)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await send_json(send, 413, too_large)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: wait for the client to go away, as the server would

        await self.app(scope, replay, send)


class RateLimitMiddleware:
    """At most `per_minute` requests to the given paths per client address in any sliding minute, else 429."""

    def __init__(
        self, app: ASGIApp, per_minute: int, paths: Iterable[str] = ("/ask", "/ask/stream", "/feedback")
    ) -> None:
        self.app = app
        self.per_minute = per_minute
        self.paths = frozenset(paths)
        self._hits: dict[str, deque[float]] = {}  # client address -> times of its recent requests, oldest 1st
        self._last_sweep = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.per_minute <= 0
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in self.paths
        ):
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        client = scope.get("client")
        key = client[0] if client else "?"
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            retry = max(1, math.ceil(60 - (now - hits[0])))
            detail = f"too many requests: the limit is {self.per_minute} a minute; retry in {retry} s"
            await send_json(send, 429, {"detail": detail}, [("retry-after", str(retry))])
            return
        hits.append(now)
        self._sweep(now)
        await self.app(scope, receive, send)

    def _sweep(self, now: float) -> None:
        """Forget clients idle for a minute, so the table does not grow with every address ever seen."""
        if now - self._last_sweep < 60:
            return
        self._last_sweep = now
        for key in [k for k, v in self._hits.items() if not v or now - v[-1] >= 60]:
            del self._hits[key]
