"""Generator backends beyond plain transformers: onnxruntime-genai and CTranslate2 (quantised Qwen), SmolLM2 for
tests, and any OpenAI-compatible server."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Generator as PyGenerator
from pathlib import Path
from typing import Any

from .errors import ModelError
from .generation import STOP_TEXT, Generator, StopSignal, build_messages

log = logging.getLogger(__name__)

CT2_QUANTIZATION = "int8"  # weights stored int8; on the CPU the other layers run in float32
QWEN_CT2_DIR = "qwen2.5-coder-0.5b-instruct-ct2-int8"
SMOLLM_CT2_DIR = "smollm2-135m-instruct-ct2-int8"
CT2_MARKER = "citerag-ct2.json"
# Copied into <ct2 folder>/tokenizer so a ct2 folder needs nothing else at run time. It has its own
# folder because ct2's config.json next to model.bin is not a transformers config.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "config.json")
_PREPARE_HINT = "run `rag models prepare`"


# -- streaming helpers shared by the backends -------------------------------------------------------


def cut_at_blank_line(deltas: Iterable[str]) -> Iterator[str]:
    """Pass text deltas through until the first blank line (STOP_TEXT), which is dropped with all after it.

    Leading whitespace does not count: a reply that starts with "\\n\\n" goes on.
    A trailing "\\n" is held back until the next delta shows whether it starts a blank line.
    Example: ["The answer", " is 4.\\n", "\\nMore"] -> "The answer", " is 4."
    """
    text = ""
    sent = 0  # text[:sent] has been yielded
    for delta in deltas:
        text += delta
        body = len(text) - len(text.lstrip())
        cut = text.find(STOP_TEXT, body)
        if cut >= 0:
            if cut > sent:
                yield text[sent:cut]
            return
        end = len(text) - 1 if text.endswith("\n") and len(text) > body else len(text)
        if end > sent:
            yield text[sent:end]
            sent = end
    if len(text) > sent:
        yield text[sent:]


def _source_of(folder: Path) -> dict[str, Any]:
    """What a prepared transformers folder was made from (its citerag marker), for the ct2 marker."""
    marker = folder / "citerag-prepared.json"
    return json.loads(marker.read_text()) if marker.is_file() else {}


def _ct2_whole(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (CT2_MARKER, "model.bin", "tokenizer/tokenizer.json"))


def _ct2_ready(folder: Path, source: dict[str, Any]) -> bool:
    marker = folder / CT2_MARKER
    if not _ct2_whole(folder):
        return False
    meta = json.loads(marker.read_text())
    return bool(meta.get("source") == source and meta.get("quantization") == CT2_QUANTIZATION)


def _convert_ct2(hf_folder: Path, target: Path, source: dict[str, Any]) -> Path:
    """Convert a transformers folder to a CTranslate2 int8 folder: written to a temp dir, then renamed."""
    try:
        import ctranslate2
    except ImportError as e:
        raise ModelError("ctranslate2 is not installed: `pip install ctranslate2`, then `rag models prepare`") from e

    from .models import replacing

    with replacing(target) as tmp:
        log.info("converting %s to CTranslate2 %s in %s (once)", hf_folder.name, CT2_QUANTIZATION, target)
        converter = ctranslate2.converters.TransformersConverter(str(hf_folder), low_cpu_mem_usage=True)
        converter.convert(str(tmp), quantization=CT2_QUANTIZATION, force=True)
        (tmp / "tokenizer").mkdir()
        for name in TOKENIZER_FILES:
            if (hf_folder / name).is_file():
                shutil.copy2(hf_folder / name, tmp / "tokenizer" / name)
        meta = {"source": source, "quantization": CT2_QUANTIZATION, "ctranslate2": ctranslate2.__version__}
        (tmp / CT2_MARKER).write_text(json.dumps(meta))  # written last: its presence means the folder is whole
    return target


class ChatTokenizer:
    """A model folder's tokenizer.json and chat template, without transformers (and so without torch).

    Renders the template with jinja2 the way transformers does (sandboxed, trim_blocks, lstrip_blocks), so
    the token ids are the same; tests compare the two.
    """

    def __init__(self, folder: Path) -> None:
        import jinja2.ext
        from jinja2.sandbox import ImmutableSandboxedEnvironment
        from tokenizers import Tokenizer

        config = json.loads((folder / "tokenizer_config.json").read_text("utf-8"))
        template_file = folder / "chat_template.jinja"
        template = template_file.read_text("utf-8") if template_file.is_file() else config.get("chat_template")
        if not isinstance(template, str):
            raise ModelError(f"no chat template in {folder}: {_PREPARE_HINT} --force")
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
        env.filters["tojson"] = lambda value, **_: json.dumps(value, ensure_ascii=False)
        self._template = env.from_string(template)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        specials = {k: v for k, v in config.items() if k.endswith("_token") and isinstance(v, str)}
        self._specials = specials  # bos_token, eos_token, ... as the template may use them
        eos = specials.get("eos_token")
        self.eos_token_id = self._tokenizer.token_to_id(eos) if eos else None

    def token_id(self, token: str) -> int | None:
        return self._tokenizer.token_to_id(token)

    def chat_ids(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
        text = self._template.render(messages=messages, add_generation_prompt=add_generation_prompt, **self._specials)
        return list(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: list[int]) -> str:
        return str(self._tokenizer.decode(ids, skip_special_tokens=True))


# -- CTranslate2 --------------------------------------------------------------------------------------


def prepare_ctranslate2(model_dir: Path, force: bool = False) -> Path:
    """Convert the prepared Qwen transformers folder into a CTranslate2 int8 folder under model_dir, once."""
    from . import models

    model_dir = Path(model_dir)
    prepared = models.prepared_qwen(model_dir)  # ModelError naming `rag models prepare` if it is missing
    source = _source_of(prepared.folder)
    target = model_dir / QWEN_CT2_DIR
    if not force and _ct2_ready(target, source):
        return target
    return _convert_ct2(prepared.folder, target, source)


def prepared_ctranslate2(model_dir: Path) -> Path:
    """The converted Qwen ct2 folder, or a ModelError saying how to make it."""
    from . import models

    target = Path(model_dir) / QWEN_CT2_DIR
    marker = target / CT2_MARKER
    if not _ct2_whole(target):
        raise ModelError(f"the CTranslate2 model is not prepared in {model_dir}: {_PREPARE_HINT}")
    meta = json.loads(marker.read_text())
    if meta.get("source", {}).get("gguf_sha256") != models.QWEN_SHA256:
        raise ModelError(f"the CTranslate2 model in {target} was made from other weights: {_PREPARE_HINT} --force")
    return target


class CTranslate2Generator(Generator):
    """A causal LM converted to CTranslate2 (int8 weights), decoded greedily and streamed token by token."""

    def __init__(
        self, folder: Path, name: str, threads: int = 0, compute_type: str = "int8", cache_prefix: bool = True
    ) -> None:
        try:
            import ctranslate2
            from transformers import AutoTokenizer
        except ImportError as e:
            raise ModelError(f"{e.name} is not installed: `pip install ctranslate2 transformers`") from e

        threads = threads or os.cpu_count() or 1
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder / "tokenizer"), local_files_only=True)
            self.model = ctranslate2.Generator(
                str(folder), device="cpu", compute_type=compute_type, intra_threads=threads, inter_threads=1
            )
        except (OSError, RuntimeError, ValueError) as e:
            raise ModelError(f"cannot load the CTranslate2 model from {folder} ({e}): {_PREPARE_HINT}") from e
        self.name = name
        self.end_ids = self._end_ids()
        self.cache_prefix = cache_prefix
        self._head: list[int] | None = None

    def _end_ids(self) -> list[int]:
        tok = self.tokenizer
        ids = {tok.eos_token_id} if tok.eos_token_id is not None else set()
        for special in ("<|im_end|>", "<|endoftext|>"):
            i = tok.convert_tokens_to_ids(special)
            if isinstance(i, int) and i != tok.unk_token_id:
                ids.add(i)
        return sorted(ids)

    def _tokens(self, messages: list[dict[str, str]]) -> tuple[list[str], list[str] | None]:
        """(prompt tokens, static prefix tokens or None).

        The fixed head of every RAG prompt (system prompt and worked example, i.e. build_messages minus its
        last message) is passed as ctranslate2's static_prompt, whose decoder state is computed once and
        reused, so each request only pays for the evidence and the question. Only that one head is cached:
        other prefixes would grow the cache without bound.
        """
        ids = self._ids(messages, add_generation_prompt=True)
        head = self._head_ids()
        if self.cache_prefix and head and len(ids) > len(head) and ids[: len(head)] == head:
            return self._pieces(ids[len(head):]), self._pieces(head)
        return self._pieces(ids), None

    def _pieces(self, ids: list[int]) -> list[str]:
        """Token strings, which is what ctranslate2 takes as a prompt."""
        return list(self.tokenizer.convert_ids_to_tokens(ids))

    def _head_ids(self) -> list[int]:
        if self._head is None:
            fixed = build_messages("", [])[:-1]
            self._head = self._ids(fixed, add_generation_prompt=False) if fixed else []
        return self._head

    def _ids(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
        out: Any = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, tokenize=True
        )
        if hasattr(out, "keys"):  # transformers 5 returns a BatchEncoding
            out = out["input_ids"]
        return list(out)

    def token_ids(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal
    ) -> PyGenerator[int, None, None]:
        """Generated token ids, greedy; ends at an end token, max_new_tokens or soon after `stop` is set."""
        if max_new_tokens <= 0 or stop.is_set():
            return
        prompt, static = self._tokens(messages)
        steps = self.model.generate_tokens(
            prompt,
            max_length=max_new_tokens,
            sampling_topk=1,
            end_token=self.end_ids,
            static_prompt=static,
        )
        n = 0
        try:
            for step in steps:
                if step.token_id in self.end_ids:
                    break
                yield step.token_id
                n += 1
                if n >= max_new_tokens or stop.is_set():
                    break
        finally:
            close = getattr(steps, "close", None)
            if close is not None:
                close()  # ends the decoding thread of ctranslate2

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        ids = self.token_ids(messages, max_new_tokens, stop)
        try:
            yield from cut_at_blank_line(_detokenize(ids, self._decode))
        except RuntimeError as e:
            raise ModelError(f"the generator failed: {e}") from e
        finally:
            ids.close()  # stops decoding now, not when the generator is garbage-collected

    def _decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))


def _detokenize(ids: Iterable[int], decode: Callable[[list[int]], str]) -> Iterator[str]:
    """Text deltas for a stream of token ids, holding back a token that ends inside a UTF-8 character."""
    seen: list[int] = []
    text = ""
    for i in ids:
        seen.append(i)
        full = decode(seen)
        if full.endswith("\ufffd"):  # incomplete multi-byte character: wait for the next token
            continue
        if len(full) > len(text):
            yield full[len(text):]
        text = full


def make_ctranslate2(model_dir: Path, threads: int = 0) -> Generator:
    """Qwen2.5-Coder-0.5B-Instruct run by CTranslate2 with int8 weights."""
    from . import models

    folder = prepared_ctranslate2(Path(model_dir))
    return CTranslate2Generator(folder, f"{models.QWEN_NAME} (ctranslate2 int8)", threads)


# -- onnxruntime-genai ---------------------------------------------------------------------------------

ONNX_MARKER = "citerag-onnx.json"
# MatMulNBits weights in blocks of 32, activations quantised to int8 on the CPU. int8 weights answer like
# the fp32 model; int4 decodes about twice as fast but changed answers and citations in our evals.
ONNX_PRECISION = "int8"
# prune_lm_head: prefill computes logits for the last position only, not for all ~270 prompt tokens.
ONNX_OPTIONS = ("prune_lm_head=true",)
ONNX_CONTEXT = 2048  # KV cache length of the reusable generator; longer requests get a one-off generator


def onnx_dir(model_dir: Path, precision: str = ONNX_PRECISION) -> Path:
    """Where prepare_onnx puts the model of this precision."""
    return Path(model_dir) / f"qwen2.5-coder-0.5b-instruct-onnx-{precision}"


def prepare_onnx(model_dir: Path, force: bool = False, precision: str = ONNX_PRECISION) -> Path:
    """Build an onnxruntime-genai folder from the prepared Qwen transformers folder, once (~30 s, offline)."""
    import subprocess
    import sys

    from . import models

    model_dir = Path(model_dir)
    prepared = models.prepared_qwen(model_dir)
    source = _source_of(prepared.folder)
    target = onnx_dir(model_dir, precision)
    marker = target / ONNX_MARKER
    recipe = {"source": source, "precision": precision, "options": list(ONNX_OPTIONS)}
    if not force and marker.is_file() and json.loads(marker.read_text()) == recipe:
        return target
    try:
        import onnxruntime_genai  # noqa: F401
    except ImportError as e:
        raise ModelError("onnxruntime-genai is not installed: `pip install onnxruntime-genai onnx onnx-ir`") from e
    tmp = Path(tempfile.mkdtemp(dir=model_dir, prefix=".onnx-"))
    try:
        log.info("building the onnxruntime-genai %s model in %s (once)", precision, target)
        cmd = [sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", str(prepared.folder),
               "-o", str(tmp / "model"), "-p", precision, "-e", "cpu", "-c", str(tmp / "cache"),
               "--extra_options", *ONNX_OPTIONS]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ModelError(f"building the ONNX model failed ({tail[0]}): is `onnx-ir` installed?")
        out = tmp / "model"
        (out / ONNX_MARKER).write_text(json.dumps(recipe))
        if target.exists():
            shutil.rmtree(target)
        out.replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class OnnxGenaiGenerator(Generator):
    """A causal LM exported by onnxruntime-genai's builder (int8 or int4 weights), decoded greedily.

    One generator object keeps the KV cache of the fixed prompt head (system prompt and worked example);
    each request rewinds to it and only pays prefill for its evidence and question.
    """

    def __init__(self, folder: Path, name: str, threads: int = 0, cache_prefix: bool = True) -> None:
        import threading

        try:
            import onnxruntime_genai as og
        except ImportError as e:
            raise ModelError(f"{e.name} is not installed: `pip install onnxruntime-genai`") from e
        threads = threads or os.cpu_count() or 1
        try:
            config = og.Config(str(folder))
            config.overlay(json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": threads}}}}))
            self.model = og.Model(config)
            self.tokenizer = ChatTokenizer(folder)
        except (OSError, RuntimeError, ValueError) as e:
            raise ModelError(f"cannot load the ONNX model from {folder} ({e}): {_PREPARE_HINT}") from e
        self.og = og
        self.name = name
        self.cache_prefix = cache_prefix
        self._lock = threading.Lock()  # guards the shared prefix generator; a busy one means a one-off generator
        self._shared: Any = None
        self._head: list[int] | None = None
        ends = (self.tokenizer.eos_token_id, self.tokenizer.token_id("<|im_end|>"))
        self.end_ids = {i for i in ends if i is not None}

    def _ids(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
        return self.tokenizer.chat_ids(messages, add_generation_prompt)

    def _new_generator(self, max_length: int) -> Any:
        params = self.og.GeneratorParams(self.model)
        params.set_search_options(max_length=max_length, do_sample=False)
        return self.og.Generator(self.model, params)

    def _head_ids(self) -> list[int]:
        if self._head is None:
            fixed = build_messages("", [])[:-1]
            self._head = self._ids(fixed, add_generation_prompt=False) if fixed else []
        return self._head

    def token_ids(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal
    ) -> PyGenerator[int, None, None]:
        """Generated token ids, greedy; ends at an end token, max_new_tokens or soon after `stop` is set."""
        if max_new_tokens <= 0 or stop.is_set():
            return
        ids = self._ids(messages, add_generation_prompt=True)
        head = self._head_ids()
        shared = (
            self.cache_prefix and head and ids[: len(head)] == head and len(ids) + max_new_tokens <= ONNX_CONTEXT
            and self._lock.acquire(blocking=False)
        )
        try:
            if shared:
                if self._shared is None:
                    self._shared = self._new_generator(ONNX_CONTEXT)
                    self._shared.append_tokens(head)
                gen = self._shared
                gen.rewind_to(len(head))
                gen.append_tokens(ids[len(head):])
            else:
                gen = self._new_generator(len(ids) + max_new_tokens)
                gen.append_tokens(ids)
            for _ in range(max_new_tokens):
                if gen.is_done() or stop.is_set():
                    break
                gen.generate_next_token()
                token = int(gen.get_next_tokens()[0])
                if token in self.end_ids:
                    break
                yield token
        except RuntimeError as e:
            if shared:
                self._shared = None  # its state is unknown now: rebuild it on the next request
            raise ModelError(f"the generator failed: {e}") from e
        finally:
            if shared:
                self._lock.release()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        ids = self.token_ids(messages, max_new_tokens, stop)
        try:
            yield from cut_at_blank_line(_detokenize(ids, self._decode))
        finally:
            ids.close()

    def _decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids)


def prepared_onnx(model_dir: Path, precision: str = ONNX_PRECISION) -> Path:
    """The built ONNX folder, or a ModelError saying how to make it."""
    from . import models

    target = onnx_dir(model_dir, precision)
    marker = target / ONNX_MARKER
    if not marker.is_file():
        raise ModelError(f"the ONNX {precision} model is not prepared in {model_dir}: {_PREPARE_HINT}")
    if json.loads(marker.read_text()).get("source", {}).get("gguf_sha256") != models.QWEN_SHA256:
        raise ModelError(f"the ONNX model in {target} was made from other weights: {_PREPARE_HINT} --force")
    return target


def make_onnx(model_dir: Path, threads: int = 0, precision: str = ONNX_PRECISION) -> Generator:
    """Qwen2.5-Coder-0.5B-Instruct run by onnxruntime-genai (int8 weights by default)."""
    from . import models

    folder = prepared_onnx(Path(model_dir), precision)
    return OnnxGenaiGenerator(folder, f"{models.QWEN_NAME} (onnxruntime-genai {precision})", threads)


# -- SmolLM2-135M: a small real model for tests of the model path --------------------------------------


def prepare_smollm2(model_dir: Path, force: bool = False) -> Path:
    """Convert the SmolLM2-135M GGUF from its wheel to a CTranslate2 int8 folder under model_dir, once (~40 s)."""
    from . import models

    model_dir = Path(model_dir)
    target = model_dir / SMOLLM_CT2_DIR
    source = {"gguf": models.SMOLLM_GGUF, "gguf_sha256": models.SMOLLM_SHA256}
    if not force and _ct2_ready(target, source):
        return target
    gguf = models.smollm_gguf()  # checks the hash
    model_dir.mkdir(parents=True, exist_ok=True)
    hf = Path(tempfile.mkdtemp(dir=model_dir, prefix=".smollm2-hf-"))
    try:
        log.info("converting %s to a transformers folder, then to CTranslate2 (once)", gguf.name)
        models.gguf_to_transformers(gguf, hf)
        return _convert_ct2(hf, target, source)
    finally:
        shutil.rmtree(hf, ignore_errors=True)


def make_smollm2(threads: int = 0, model_dir: Path | None = None) -> Generator:
    """SmolLM2-135M-Instruct (CTranslate2 int8): loads in a few seconds, for tests of the model path only."""
    from . import models

    if model_dir is None:
        from .settings import get_settings

        model_dir = get_settings().model_dir
    target = Path(model_dir) / SMOLLM_CT2_DIR
    source = {"gguf": models.SMOLLM_GGUF, "gguf_sha256": models.SMOLLM_SHA256}
    if not _ct2_ready(target, source):
        raise ModelError(f"{models.SMOLLM_NAME} is not prepared in {model_dir}: {_PREPARE_HINT}")
    return CTranslate2Generator(target, f"{models.SMOLLM_NAME} (ctranslate2 int8)", threads)


# -- any OpenAI-compatible chat-completions server ----------------------------------------------------


class OpenAIGenerator(Generator):
    """Streams from an OpenAI-compatible /v1/chat/completions server (llama.cpp server, vLLM, Ollama, ...)."""

    def __init__(self, base_url: str, model: str, timeout_s: float = 60) -> None:
        import httpx

        base = base_url.rstrip("/")
        # RAG_LLM_URL is the API root, e.g. http://127.0.0.1:8080/v1; a full endpoint URL works too.
        self.url = base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        self.base_url = base
        self.model = model
        self.timeout_s = timeout_s
        self.name = f"{model} (openai {base})"
        self._client = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)))

    def close(self) -> None:
        self._client.close()

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        if max_new_tokens <= 0 or stop.is_set():
            return
        deltas = self._deltas(messages, max_new_tokens, stop)
        try:
            yield from cut_at_blank_line(deltas)
        finally:
            deltas.close()  # closes the HTTP response, so the server stops generating

    def _deltas(
        self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal
    ) -> PyGenerator[str, None, None]:
        import httpx

        body = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "temperature": 0,
            "max_tokens": max_new_tokens,
            "stop": [STOP_TEXT],
        }
        timeout = self.timeout_s
        if stop.deadline is not None:  # a read never waits past the caller's deadline
            timeout = max(0.1, min(timeout, stop.deadline - time.monotonic()))
        where = f"the LLM server at {self.base_url}"
        try:
            with self._client.stream("POST", self.url, json=body, timeout=timeout) as response:
                if response.status_code >= 400:
                    detail = response.read().decode("utf-8", "replace")[:300]
                    raise ModelError(
                        f"{where} answered HTTP {response.status_code} ({detail.strip()}): "
                        f"check RAG_LLM_URL and RAG_LLM_MODEL={self.model!r}"
                    )
                for line in response.iter_lines():
                    if stop.is_set():
                        return  # leaving the with-block closes the connection, so the server stops too
                    delta = _sse_delta(line, where)
                    if delta is None:
                        return
                    if delta:
                        yield delta
        except httpx.ConnectError as e:
            raise ModelError(f"{where} is unreachable ({e}): start it or fix RAG_LLM_URL") from e
        except httpx.TimeoutException as e:
            if stop.is_set():
                return  # the caller's deadline passed while waiting: end quietly, as the other backends do
            raise ModelError(f"{where} did not answer within {timeout:.0f} s: check that it is running") from e
        except httpx.HTTPError as e:
            raise ModelError(f"talking to {where} failed ({e}): check RAG_LLM_URL") from e


def _sse_delta(line: str, where: str) -> str | None:
    """The content delta of one server-sent-events line; "" for lines without text, None at [DONE].

    Example: 'data: {"choices":[{"delta":{"content":"Hi"}}]}' -> "Hi"
    """
    line = line.strip()
    if not line.startswith("data:"):
        return ""  # blank separators, comments (": ping") and event names carry no text
    payload = line[5:].strip()
    if payload == "[DONE]":
        return None
    try:
        event = json.loads(payload)
    except json.JSONDecodeError as e:
        raise ModelError(f"{where} sent a malformed stream event {payload[:80]!r}: is it OpenAI-compatible?") from e
    if isinstance(event, dict) and event.get("error"):
        raise ModelError(f"{where} reported an error: {event['error']}")
    choices = event.get("choices") if isinstance(event, dict) else None
    if not choices:
        return ""
    choice = choices[0]
    content = (choice.get("delta") or {}).get("content") or ""
    if choice.get("finish_reason") and not content:
        return ""
    return str(content)
