"""rag/backends.py: the blank-line cut, streaming detokenisation, the OpenAI client against a real server
process on 127.0.0.1, and the CTranslate2 backends on the packaged models (slow)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag import backends
from rag.backends import OpenAIGenerator, _detokenize, _sse_delta, cut_at_blank_line
from rag.errors import ModelError
from rag.generation import StopSignal, build_messages
from rag.settings import get_settings
from rag.types import Evidence, Sentence

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "openai_server.py"
MODEL_DIR = get_settings().model_dir


# -- pure helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deltas", "expected"),
    [
        (["Paris", " is", " the capital."], "Paris is the capital."),
        (["Paris [1].", "\n\n", "More"], "Paris [1]."),
        (["Paris [1].\n", "\nMore"], "Paris [1]."),
        (["Paris [1].\n\nMore text"], "Paris [1]."),
        (["\n\n", "Paris [1].", "\n\nMore"], "\n\nParis [1]."),  # leading blank lines do not stop it
        (["One.\n", "Two.", "\n\n"], "One.\nTwo."),
        (["Ends with a newline\n"], "Ends with a newline\n"),
        ([], ""),
    ],
)
def test_cut_at_blank_line(deltas: list[str], expected: str) -> None:
    assert "".join(cut_at_blank_line(deltas)) == expected


def test_cut_at_blank_line_stops_reading_at_the_blank_line() -> None:
    read: list[str] = []

    def source() -> Iterator[str]:
        for d in ["A.", "\n\n", "never", "read"]:
            read.append(d)
            yield d

    assert list(cut_at_blank_line(source())) == ["A."]
    assert read == ["A.", "\n\n"]


def test_detokenize_holds_back_a_split_utf8_character() -> None:
    # "é" is two bytes; token 2 carries the first byte, token 3 the second.
    pieces = {1: b"caf", 2: b"\xc3", 3: b"\xa9", 4: b"!"}

    def decode(ids: list[int]) -> str:
        return b"".join(pieces[i] for i in ids).decode("utf-8", errors="replace")

    assert list(_detokenize([1, 2, 3, 4], decode)) == ["caf", "é", "!"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('data: {"choices":[{"delta":{"content":"Hi"}}]}', "Hi"),
        ('data: {"choices":[{"delta":{"role":"assistant"}}]}', ""),
        ('data: {"choices":[{"delta":{},"finish_reason":"stop"}]}', ""),
        ("data: [DONE]", None),
        (": keep-alive", ""),
        ("", ""),
    ],
)
def test_sse_delta(line: str, expected: str | None) -> None:
    assert _sse_delta(line, "server") == expected


def test_sse_error_event_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="reported an error"):
        _sse_delta('data: {"error": {"message": "out of memory"}}', "server")


def test_missing_model_folders_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="rag models prepare"):
        backends.make_onnx(tmp_path, 1)
    with pytest.raises(ModelError, match="rag models prepare"):
        backends.prepare_onnx(tmp_path)  # needs the prepared transformers folder first
    with pytest.raises(ModelError, match="rag models prepare"):
        backends.make_ctranslate2(tmp_path, 1)
    with pytest.raises(ModelError, match="rag models prepare"):
        backends.make_smollm2(1, tmp_path)
    with pytest.raises(ModelError, match="rag models prepare"):
        backends.prepare_ctranslate2(tmp_path)  # needs the prepared transformers folder first


# -- a real OpenAI-compatible server process --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """tests/openai_server.py running as a subprocess on a free port of 127.0.0.1."""

    def __init__(self, *args: str, ready_timeout_s: float = 45) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read() if self.proc.stdout else ""
                raise RuntimeError(f"the test server exited with {self.proc.returncode}:\n{out[-2000:]}")
            try:
                if httpx.get(f"{self.url}/models", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the test server did not start within {ready_timeout_s} s")

    def stats(self) -> dict[str, Any]:
        return dict(httpx.get(f"http://127.0.0.1:{self.port}/stats", timeout=5).json())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[Server]:
    server = Server("--generator", "scripted", "--delay", "0.05")
    yield server
    server.stop()


MESSAGES = [{"role": "user", "content": "Where are the workers going?"}]


def test_openai_streams_deltas_and_stops_at_the_blank_line(scripted_server: Server) -> None:
    gen = OpenAIGenerator(scripted_server.url, "scripted")
    deltas = list(gen.stream(MESSAGES, 100, StopSignal()))
    assert len(deltas) > 3  # streamed, not one block
    assert "".join(deltas) == "Pyongyang is moving the workers to Russia [1]."
    gen.close()


def test_openai_respects_max_tokens(scripted_server: Server) -> None:
    gen = OpenAIGenerator(scripted_server.url, "scripted")
    assert "".join(gen.stream(MESSAGES, 3, StopSignal())) == "Pyongyang is moving"
    gen.close()


def test_openai_stop_signal_closes_the_response() -> None:
    # 100 words at 0.05 s each would take 5 s; stopping after the first word must end the server's
    # generation too, which only happens if the client closed the connection.
    slow = Server("--generator", "scripted", "--delay", "0.3")
    try:
        gen = OpenAIGenerator(slow.url, "scripted")
        stop = StopSignal()
        t0 = time.monotonic()
        got = []
        for delta in gen.stream(MESSAGES, 100, stop):
            got.append(delta)
            stop.set()
        assert got == ["Pyongyang"]
        assert time.monotonic() - t0 < 2.5
        deadline = time.monotonic() + 5
        while not slow.stats()["finished"] and time.monotonic() < deadline:
            time.sleep(0.1)
        stats = slow.stats()
        assert stats["finished"] and stats["cancelled"]
        assert int(stats["deltas"]) <= 4  # SCRIPT has 15 words
        gen.close()
    finally:
        slow.stop()


def test_openai_deadline_stops_a_slow_stream(scripted_server: Server) -> None:
    gen = OpenAIGenerator(scripted_server.url, "scripted")
    t0 = time.monotonic()
    text = "".join(gen.stream(MESSAGES, 100, StopSignal(deadline=time.monotonic() + 0.2)))
    assert time.monotonic() - t0 < 1.5
    assert len(text) < len("Pyongyang is moving the workers to Russia [1].")
    gen.close()


def test_openai_unknown_model_is_a_model_error(scripted_server: Server) -> None:
    gen = OpenAIGenerator(scripted_server.url, "no-such-model")
    with pytest.raises(ModelError, match=r"HTTP 404.*RAG_LLM_MODEL"):
        list(gen.stream(MESSAGES, 10, StopSignal()))
    gen.close()


def test_openai_unreachable_server_names_the_fix() -> None:
    gen = OpenAIGenerator(f"http://127.0.0.1:{_free_port()}/v1", "any", timeout_s=5)
    with pytest.raises(ModelError, match="unreachable.*start it or fix RAG_LLM_URL"):
        list(gen.stream(MESSAGES, 10, StopSignal()))
    gen.close()


def test_openai_server_speaks_the_standard_protocol(scripted_server: Server) -> None:
    """The same server answers a plain (non-streaming) request, as any OpenAI client would send it."""
    r = httpx.post(f"{scripted_server.url}/chat/completions",
                   json={"model": "scripted", "messages": MESSAGES, "max_tokens": 2}, timeout=10)
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == "Pyongyang is"


# -- the packaged models (slow) ---------------------------------------------------------------------

SMOLLM_READY = (MODEL_DIR / backends.SMOLLM_CT2_DIR / backends.CT2_MARKER).is_file()
needs_smollm = pytest.mark.skipif(
    not SMOLLM_READY, reason=f"SmolLM2 ct2 folder not in {MODEL_DIR}: run `rag models prepare`"
)


@pytest.mark.slow
@needs_smollm
def test_openai_against_a_real_model_server() -> None:
    server = Server("--generator", "smollm2", "--threads", "1")
    try:
        gen = OpenAIGenerator(server.url, "smollm2")
        deltas = list(gen.stream([{"role": "user", "content": "What is the capital of France?"}], 20, StopSignal()))
        assert len(deltas) > 1
        assert "Paris" in "".join(deltas)
        gen.close()
    finally:
        server.stop()


def _evidence() -> list[Evidence]:
    texts = [
        "Following China's directive that North Korean workers with expired visas return home, "
        "Pyongyang has reportedly decided to relocate them to Russia.",
        "The country had earlier deployed around 50,000 workers to China, including hundreds of IT specialists.",
    ]
    return [Evidence(Sentence(i, "doc", 0, len(t), t), 1.0, 1.0, 1.0) for i, t in enumerate(texts)]


LOCAL_BACKENDS = {
    # name: (folder marker that `rag models prepare` writes, factory)
    "ctranslate2": (MODEL_DIR / backends.QWEN_CT2_DIR / backends.CT2_MARKER, backends.make_ctranslate2),
    "onnx": (backends.onnx_dir(MODEL_DIR) / backends.ONNX_MARKER, backends.make_onnx),
}


Local = backends.CTranslate2Generator | backends.OnnxGenaiGenerator


@pytest.fixture(scope="module", params=sorted(LOCAL_BACKENDS))
def qwen_local(request: pytest.FixtureRequest) -> Iterator[Local]:
    """The packaged Qwen under each quantised runtime; skipped with the fix when its folder is not prepared."""
    marker, make = LOCAL_BACKENDS[request.param]
    if not marker.is_file():
        pytest.skip(f"{request.param}: no prepared folder in {MODEL_DIR}: run `rag models prepare`")
    gen = make(MODEL_DIR, 0)
    assert isinstance(gen, Local)
    yield gen


@pytest.mark.slow
def test_local_backend_streams_a_grounded_answer(qwen_local: Local) -> None:
    messages = build_messages("Roughly how many workers had North Korea sent to China?", _evidence())
    deltas = list(qwen_local.stream(messages, 40, StopSignal()))
    text = "".join(deltas)
    assert len(deltas) > 2
    assert "50,000" in text
    assert "\n\n" not in text.strip()


@pytest.mark.slow
def test_local_backend_stops_at_max_new_tokens(qwen_local: Local) -> None:
    messages = [{"role": "user", "content": "Count from 1 to 100, separated by spaces."}]
    ids = list(qwen_local.token_ids(messages, 7, StopSignal()))
    assert len(ids) == 7
    text = "".join(qwen_local.stream(messages, 7, StopSignal()))
    assert text == qwen_local._decode(ids)


@pytest.mark.slow
def test_local_backend_honours_the_stop_signal(qwen_local: Local) -> None:
    messages = [{"role": "user", "content": "Count from 1 to 100, separated by spaces."}]
    stop = StopSignal()
    got = []
    for delta in qwen_local.stream(messages, 200, stop):
        got.append(delta)
        if len(got) == 3:
            stop.set()
    assert 3 <= len(got) <= 4  # at most the token already decoded when the signal came

    stop = StopSignal()
    timer = threading.Timer(0.5, stop.set)  # from another thread, as a timeout would
    timer.start()
    t0 = time.monotonic()
    n = sum(1 for _ in qwen_local.stream(messages, 200, stop))
    timer.cancel()
    assert time.monotonic() - t0 < 3
    assert n < 100

    assert list(qwen_local.stream(messages, 50, StopSignal(deadline=time.monotonic() - 1))) == []


@pytest.mark.slow
def test_local_backend_prefix_cache_gives_the_same_answer(qwen_local: Local) -> None:
    """Reusing the cached head of the prompt must not change a greedy answer, also after other requests."""
    questions = ["To which country is Pyongyang moving the workers?", "How many workers went to China?"]
    cached = ["".join(qwen_local.stream(build_messages(q, _evidence()), 30, StopSignal())) for q in questions]
    if isinstance(qwen_local, backends.CTranslate2Generator):
        _, static = qwen_local._tokens(build_messages(questions[0], _evidence()))
        assert static is not None and len(static) > 20  # the system prompt and the worked example
    qwen_local.cache_prefix = False
    try:
        plain = ["".join(qwen_local.stream(build_messages(q, _evidence()), 30, StopSignal())) for q in questions]
    finally:
        qwen_local.cache_prefix = True
    assert cached == plain


def test_ct2_marker_records_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    (folder / "tokenizer").mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"")
    (folder / "tokenizer" / "tokenizer.json").write_text("{}")
    source = {"gguf_sha256": "abc"}
    assert not backends._ct2_ready(folder, source)
    (folder / backends.CT2_MARKER).write_text(json.dumps({"source": source, "quantization": "int8"}))
    assert backends._ct2_ready(folder, source)
    assert not backends._ct2_ready(folder, {"gguf_sha256": "other"})


@pytest.mark.slow
def test_chat_tokenizer_matches_transformers_without_importing_it() -> None:
    """The onnx backend tokenises with tokenizers + jinja2; the ids must be exactly what transformers makes."""
    from transformers import AutoTokenizer

    folder = backends.prepared_onnx(MODEL_DIR)
    ours = backends.ChatTokenizer(folder)
    reference = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    question = "Où vont les travailleurs « nord-coréens » ? How much — $750 million?"
    for messages in (build_messages(question, _evidence()), build_messages("", [])[:-1]):
        for prompt in (True, False):
            expected = reference.apply_chat_template(messages, add_generation_prompt=prompt, tokenize=True)
            expected = list(expected["input_ids"] if hasattr(expected, "keys") else expected)
            assert ours.chat_ids(messages, prompt) == expected
    ids = ours.chat_ids(build_messages(question, _evidence()), True)
    assert ours.decode(ids) == reference.decode(ids, skip_special_tokens=True)
    assert ours.eos_token_id == reference.eos_token_id
    assert ours.token_id("<|im_end|>") == reference.convert_tokens_to_ids("<|im_end|>")
