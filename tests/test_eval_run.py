"""The eval runner: thresholds, SSE parsing, SQuAD sampling and reports (fast), and a real run (slow)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from eval.client import Client, Reply, sse_events
from eval.gold import GoldRow, Query
from eval.report import write_reports
from eval.run import THRESHOLDS, add_arguments, check_thresholds, evaluate, summarise
from eval.squad import article_markdown, load_squad, sample_balanced, write_corpus

ROOT = Path(__file__).resolve().parents[1]


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_thresholds_report_each_failure() -> None:
    args = _args(
        ["--min-accuracy", "0.9", "--max-false-refusal", "0.1", "--min-mrr", "0.5", "--min-recall-at-k", "0"]
    )
    failures = check_thresholds(
        {"accuracy": 0.8, "false_refusal_rate": 0.2, "mrr": None, "recall_at_k": 0.0}, args
    )
    assert failures == [
        "accuracy = 0.8 is below --min-accuracy 0.9",
        "false_refusal_rate = 0.2 is above --max-false-refusal 0.1",
        "mrr was not measured (no question can measure it) but --min-mrr 0.5",
    ]  # recall_at_k = 0.0 meets --min-recall-at-k 0
    assert check_thresholds({"accuracy": 0.95}, _args(["--min-accuracy", "0.9"])) == []


def test_every_threshold_flag_parses() -> None:
    args = _args([arg for t in THRESHOLDS for arg in (t.flag, "0.5")])
    assert all(getattr(args, t.dest) == 0.5 for t in THRESHOLDS)


def test_sse_events() -> None:
    lines = ["event: token", "data: Rus", "", ": keep-alive", "event: answer", 'data: {"a": 1}', ""]
    assert list(sse_events(iter(lines))) == [("token", "Rus"), ("answer", '{"a": 1}')]


def _squad_file(tmp_path: Path) -> Path:
    qas = [
        {
            "id": f"q{i}",
            "question": f"Q{i}?",
            "answers": [{"text": "Paris", "answer_start": 0}] * (i % 2),
            "is_impossible": i % 2 == 0,
        }
        for i in range(20)
    ]
    data = {
        "version": "v2.0",
        "data": [{"title": "A_b", "paragraphs": [{"context": "Paris is big.", "qas": qas}]}],
    }
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data))
    return path


def test_squad_sample_is_seeded_and_balanced(tmp_path: Path) -> None:
    articles, rows = load_squad(_squad_file(tmp_path))
    sample = sample_balanced(rows, 8, seed=0)
    assert [r.id for r in sample] == [r.id for r in sample_balanced(rows, 8, seed=0)]
    assert sum(r.answerable for r in sample) == 4
    assert all(r.context == "Paris is big." for r in sample)
    assert article_markdown(articles[0]) == "# A b\n\nParis is big.\n"
    write_corpus(articles, tmp_path / "corpus")
    assert [p.name for p in (tmp_path / "corpus").iterdir()] == ["00_A_b.md"]


class FakeClient(Client):
    """Answers from a table; records what it was asked to prove it only ever sees Query objects."""

    def __init__(self) -> None:
        self.seen: list[Query] = []

    def ask(self, query: Query) -> Reply:
        assert type(query) is Query  # never a GoldRow: no answers or evidence can reach the system
        self.seen.append(query)
        quote = "They go to <Russia>."
        answer = {
            "answer": "They go to <Russia> [1].",
            "answered": "Russia" in query.question or "go" in query.question,
            "citations": [
                {"n": 1, "quote": quote, "doc_id": "d", "title": "t", "start": 0, "end": len(quote)}
            ],
            "passages": [{"doc_id": "d", "chunk_id": 0, "text": quote, "score": 1.0}],
            "model": "fake",
            "mode": "extractive",
            "timings_ms": {"retrieve": 5.0, "generate": 1.0, "total": 6.0},
        }
        return Reply(answer, 3.0, 7.0)

    def document_text(self, doc_id: str) -> str | None:
        return "They go to <Russia>. More text." if doc_id == "d" else None


def test_reports_from_a_fake_system(tmp_path: Path) -> None:
    rows = [
        GoldRow("a", "Where do they go?", ("Russia",), ("go to <Russia>",), True, kind="fact"),
        GoldRow("u", "Who is the CEO?", (), (), False, kind="unanswerable"),
    ]
    client = FakeClient()
    records = evaluate(client, rows, progress=False)
    assert [q.question for q in client.seen] == ["Where do they go?", "Who is the CEO?"]
    values, by_kind = summarise(records)
    assert (values["accuracy"], values["refusal_accuracy"], values["quote_validity"]) == (1.0, 1.0, 1.0)
    assert set(by_kind) == {"fact", "unanswerable"}
    paths = write_reports(tmp_path, {"name": "fake"}, values, by_kind, [], records)
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html"]
    page = (tmp_path / "report.html").read_text()
    assert "&lt;Russia&gt;" in page and "<Russia>" not in page
    assert page.count("data:image/png;base64,") == 2
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["rows"][0]["citations"][0]["quote_valid"] is True
    assert "Weakness" in report["definitions"]["citation_precision"]


@pytest.mark.slow
def test_run_extractive_on_six_questions(tmp_path: Path) -> None:
    from eval.run import run

    argv = [
        "--corpus",
        str(ROOT / "corpus"),
        "--index",
        str(tmp_path / "index"),
        "--out",
        str(tmp_path / "out"),
    ]
    argv += ["--generator", "extractive", "--limit", "6", "--no-progress", "--min-quote-validity", "1.0"]
    args = _args(argv)
    assert run(args) == 0
    for name in ("report.json", "report.md", "report.html"):
        assert (tmp_path / "out" / name).is_file()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["metrics"]["n"] == 6 and len(report["rows"]) == 6
    keys: tuple[str, ...] = ("accuracy", "refusal_accuracy", "false_refusal_rate", "quote_validity")
    keys += ("citation_recall",)
    keys += (
        "citation_precision",
        "recall_at_k",
        "mrr",
        "retrieve_ms_p50",
        "first_token_ms_p95",
        "total_ms_p95",
    )
    assert set(keys) <= report["metrics"].keys()
    assert report["metrics"]["quote_validity"] in (None, 1.0)
