"""Talking to the language model: the prompt, one Generator interface, and its backends."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

from .errors import ConfigError, ModelError
from .text import terms
from .types import Evidence

log = logging.getLogger(__name__)

# Short and fixed, so its tokens are cheap and the same on every request. The worked example teaches the
# 0.5B model the shape of an answer (a whole sentence, facts copied exactly, the marker at the end), which
# instructions alone did not: without it, it answered "[1] $750 million" for a range of two amounts.
SYSTEM_PROMPT = (
    "Answer the question in one short sentence using only the numbered sentences. "
    "Copy names and numbers exactly. End with the number of the sentence you used, like [2]."
)
ECHO_SHARE = 0.5  # share of an answer's terms taken from the example answer that makes it an echo
EXAMPLE = [
    {"role": "user", "content": "Sentences:\n[1] The bridge is 500 metres long.\n[2] Built in 1932, it cost "
     "between $5 million and $6 million, paid by the city of Lyon.\n\nQuestion: How much did the bridge cost?"},
    {"role": "assistant", "content": "The bridge cost between $5 million and $6 million [2]."},
]

_EXAMPLE_TERMS = frozenset(terms(EXAMPLE[-1]["content"]))


def echoes_example(answer: str) -> bool:
    """Whether the model wrote out the worked example's answer instead of answering ("The bridge cost ...").

    That is a model failing to read the evidence, not a sign that the documents lack the fact.
    """
    said = set(terms(answer))
    return bool(said) and len(said & _EXAMPLE_TERMS) >= ECHO_SHARE * len(said)


# Generation stops at the first blank line: everything after it is the model wandering off.
STOP_TEXT = "\n\n"


def build_messages(question: str, evidence: Sequence[Evidence]) -> list[dict[str, str]]:
    """Chat messages: the fixed system prompt and example, then the numbered evidence and the question."""
    numbered = "\n".join(f"[{i}] {e.sentence.text}" for i, e in enumerate(evidence, start=1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        *EXAMPLE,
        {"role": "user", "content": f"Sentences:\n{numbered}\n\nQuestion: {question}"},
    ]


class StopSignal:
    """Set by the caller to make a running generation end early (timeout or a client that went away)."""

    def __init__(self, deadline: float | None = None) -> None:
        self._event = threading.Event()
        self.deadline = deadline  # time.monotonic() value, or None

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self._event.set()
        return self._event.is_set()


class Generator(ABC):
    """Writes the answer text for a prompt, yielding text deltas as they are decoded."""

    name: str = "generator"

    @abstractmethod
    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        """Text deltas; ends at max_new_tokens, at STOP_TEXT, or soon after `stop` is set."""

    def warm_up(self) -> None:
        """Run one tiny generation so the first real request does not pay for lazy initialisation."""
        for _ in self.stream([{"role": "user", "content": "Say OK."}], 2, StopSignal()):
            pass


class ExtractiveGenerator(Generator):
    """No language model: the pipeline answers by quoting its best evidence sentence."""

    name = "extractive"

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        return iter(())

    def warm_up(self) -> None:
        return None


class TransformersGenerator(Generator):
    """A causal LM run by transformers on the CPU (fp32), streamed token by token."""

    def __init__(self, folder: str, name: str, threads: int = 0) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
        except OSError as e:
            raise ModelError(f"cannot load the generator from {folder} ({e}): run `rag models prepare`") from e
        self.model.eval()
        self.name = name

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                return stop.is_set()

        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = self.tokenizer(prompt, return_tensors="pt")
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=120)
        kwargs = dict(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            temperature=None,
            top_p=None,
            top_k=None,
            streamer=streamer,
            stopping_criteria=StoppingCriteriaList([_Stop()]),
        )
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as e:  # surfaced in the consumer's thread below
                failure.append(e)
                streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        text = ""
        try:
            for delta in streamer:
                if not delta:
                    continue
                text += delta
                if STOP_TEXT in text.lstrip():
                    head = text.lstrip().split(STOP_TEXT, 1)[0]
                    emitted = len(text) - len(delta)
                    lead = len(text) - len(text.lstrip())
                    rest = head[max(0, emitted - lead):]
                    if rest:
                        yield rest
                    break
                yield delta
        finally:
            stop.set()  # ends generate() early when the consumer stops reading (disconnect, blank line)
            worker.join()
        if failure:
            raise ModelError(f"the generator failed: {failure[0]}") from failure[0]


def make_generator(kind: str, model_dir: Any, threads: int = 0, llm_url: str = "", llm_model: str = "") -> Generator:
    """The generator backend named by RAG_GENERATOR."""
    from pathlib import Path

    from . import models

    if kind == "extractive":
        return ExtractiveGenerator()
    if kind == "transformers":
        prepared = models.prepared_qwen(Path(model_dir))
        return TransformersGenerator(str(prepared.folder), f"{prepared.name} (transformers fp32)", threads)
    if kind == "smollm2":
        from .backends import make_smollm2

        return make_smollm2(threads, Path(model_dir))
    if kind == "onnx":
        from .backends import make_onnx

        return make_onnx(Path(model_dir), threads)
    if kind == "ctranslate2":
        from .backends import make_ctranslate2

        return make_ctranslate2(Path(model_dir), threads)
    if kind == "openai":
        from .backends import OpenAIGenerator

        if not llm_url:
            raise ConfigError("RAG_GENERATOR=openai needs RAG_LLM_URL, e.g. http://127.0.0.1:8080/v1")
        return OpenAIGenerator(llm_url, llm_model)
    raise ConfigError(
        f"unknown generator {kind!r}: choose onnx, transformers, ctranslate2, extractive, smollm2 or openai"
    )
