"""The `rag` command: answers as JSON, one-line errors with exit code 2, atomic index builds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.cli import main
from rag.index import current_folder, load_index
from rag.settings import get_settings

from .conftest import CORPUS, ROOT


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, article_index_dir: Path, tmp_path: Path):
    monkeypatch.setenv("RAG_INDEX_DIR", str(article_index_dir))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAG_GENERATOR", "extractive")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_ask_json(env, capsys: pytest.CaptureFixture[str]):
    assert main(["ask", "How much does North Korea earn from its overseas workers each year?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] is True
    assert "$750 million" in out["answer"]
    text = load_index(Path(os.environ["RAG_INDEX_DIR"])).documents[out["citations"][0]["doc_id"]].text
    for c in out["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]


def test_ask_off_topic_json(env, capsys: pytest.CaptureFixture[str]):
    assert main(["ask", "What is the capital of France?", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] is False and out["citations"] == []


@pytest.mark.parametrize(
    "question",
    ["", "   ", " \t\n ", "x" * 2001, os.fsdecode(b"Where are the \xff\xfe workers?")],  # last: bytes not UTF-8
)
def test_bad_question_is_one_line_and_exit_2(env, capsys: pytest.CaptureFixture[str], question: str):
    assert main(["ask", question]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rag: error:")
    assert "Traceback" not in err


def test_question_bytes_that_are_not_utf8_exit_2(env):
    """The shell hands over raw bytes; Python turns the undecodable ones into lone surrogates."""
    r = subprocess.run([sys.executable, "-m", "rag", "ask", b"Where are the caf\xe9 workers?", "--json"],
                       capture_output=True, cwd=ROOT, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("rag: error:") and "not valid text" in err
    assert r.stdout == b""


def test_interactive_session_keeps_only_the_last_turns(env, monkeypatch, capsys):
    """Past RAG_MAX_HISTORY_TURNS the oldest turns are dropped, so the session goes on answering."""
    monkeypatch.setenv("RAG_MAX_HISTORY_TURNS", "2")
    get_settings.cache_clear()
    questions = iter(["Where are the North Korean IT workers being sent?"] * 3 + [""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(questions))
    assert main(["ask"]) == 0
    out = capsys.readouterr().out
    assert "error:" not in out
    assert out.count("Russia") >= 3


def test_missing_index_says_run_rag_index(env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "none"))
    get_settings.cache_clear()
    assert main(["ask", "Where are the workers going?"]) == 1
    assert "run `rag index`" in capsys.readouterr().err


def test_python_dash_m_and_usage_errors():
    r = subprocess.run([sys.executable, "-m", "rag", "ask", "--no-such-flag"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 2 and "usage:" in r.stderr


def test_index_killed_halfway_keeps_previous_version(tmp_path: Path):
    """SIGKILL during a rebuild leaves the old index loading; the next build cleans up after it."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_CORPUS_DIR": str(corpus)}
    subprocess.run([sys.executable, "-m", "rag", "index"], check=True, env=env, cwd=ROOT, capture_output=True)
    before = current_folder(index_dir)
    # a corpus large enough that embedding takes a few seconds
    for i in range(40):
        (corpus / f"extra{i}.txt").write_text("Notes\n\n" + (CORPUS / "000_53eae6447d86a213.txt").read_text())
    proc = subprocess.Popen([sys.executable, "-m", "rag", "index"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until it is embedding, then kill it
        if "embedding" in line:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_folder(index_dir) == before
    assert len(load_index(index_dir).documents) == 1
