"""Live servers for tests: uvicorn in a child process (as deployed) or in a thread (over an app built here)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]


def listening_socket() -> socket.socket:
    """A socket bound to a free loopback port and listening: handed to the server, so no other test takes it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def is_ok(response: httpx.Response) -> bool:
    return response.status_code == 200


@dataclass
class LiveServer:
    """`uvicorn server.app:create_app --factory` in a child process; `log()` is everything it printed."""

    base: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(
        self, ready: Callable[[httpx.Response], bool] = is_ok, path: str = "/health", timeout: float = 120
    ) -> None:
        """Poll GET `path` until `ready` says yes; fail with the server's log if it exits or never does."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if ready(httpx.get(f"{self.base}{path}", timeout=5)):
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server never became ready:\n{self.log()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM (uvicorn's graceful shutdown), then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc.wait(10)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no atexit runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def start_server(data_dir: Path, **env: str) -> LiveServer:
    """Start uvicorn on a free port with RAG_DATA_DIR=data_dir, the extractive generator and `env` on top.

    Returns at once; call `wait()` for readiness. Example: start_server(d, RAG_INDEX_DIR=str(index)).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    variables = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RAG_")},
        "RAG_CORPUS_DIR": str(ROOT / "corpus"),
        "RAG_DATA_DIR": str(data_dir),
        "RAG_GENERATOR": "extractive",
        "RAG_RATE_LIMIT_PER_MINUTE": "0",
        **env,
    }
    log_path = data_dir / f"uvicorn-{time.monotonic_ns()}.log"
    sock = listening_socket()
    port = sock.getsockname()[1]
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory",
                 "--fd", str(sock.fileno()), "--log-level", "info"],
                cwd=ROOT, env=variables, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),),
            )
    finally:
        sock.close()  # the child holds its copy: once it dies, connections are refused rather than queued
    return LiveServer(f"http://127.0.0.1:{port}", proc, log_path)


@contextmanager
def running_server(
    data_dir: Path, ready: Callable[[httpx.Response], bool] = is_ok, path: str = "/health", **env: str
) -> Iterator[LiveServer]:
    """A started, ready server, stopped on exit."""
    server = start_server(data_dir, **env)
    try:
        server.wait(ready, path)
        yield server
    finally:
        server.stop()


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """uvicorn serving `app` (built in this process, so tests can watch its parts) from a thread; yields the URL."""
    import uvicorn

    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
