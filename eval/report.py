"""The three report files of a run: report.json (everything), report.md (tables), report.html (with plots)."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import Reply
from .gold import GoldRow
from .metrics import JUDGE_DESCRIPTION, RETRIEVAL_HIT_DESCRIPTION, Judgement, RowScore

Metrics = Mapping[str, float | int | None]

# (key, label, kind): kind "ratio" prints as a percentage, "ms" as milliseconds, "num" as a number.
METRIC_ROWS: tuple[tuple[str, str, str], ...] = (
    ("n", "questions", "num"),
    ("n_answerable", "answerable", "num"),
    ("n_unanswerable", "unanswerable", "num"),
    ("n_errors", "errors (system raised)", "num"),
    ("accuracy", "answer accuracy (answerable)", "ratio"),
    ("refusal_accuracy", "refusal accuracy (unanswerable)", "ratio"),
    ("false_refusal_rate", "false-refusal rate (answerable)", "ratio"),
    ("answer_words_mean", "answer length, words (mean)", "num"),
    ("answer_words_p50", "answer length, words (p50)", "num"),
    ("n_citations", "citations", "num"),
    ("quote_validity", "quote validity", "ratio"),
    ("citation_recall", "citation recall (gold evidence cited)", "ratio"),
    ("citation_precision", "citation precision (lexical judge)", "ratio"),
    ("claim_support", "answer sentences supported by their citations", "ratio"),
    ("k", "k (passages returned)", "num"),
    ("recall_at_1", "retrieval recall@1", "ratio"),
    ("recall_at_k", "retrieval recall@k", "ratio"),
    ("mrr", "retrieval MRR", "ratio"),
    ("answer_recall_at_k", "a gold answer in the top-k passages", "ratio"),
    ("retrieve_ms_p50", "retrieval p50", "ms"),
    ("retrieve_ms_p95", "retrieval p95", "ms"),
    ("first_token_ms_p50", "time to first token p50", "ms"),
    ("first_token_ms_p95", "time to first token p95", "ms"),
    ("total_ms_p50", "total p50", "ms"),
    ("total_ms_p95", "total p95", "ms"),
)

BAR_METRICS = (
    "accuracy",
    "refusal_accuracy",
    "false_refusal_rate",
    "quote_validity",
    "citation_recall",
    "citation_precision",
    "claim_support",
    "recall_at_1",
    "recall_at_k",
    "mrr",
    "answer_recall_at_k",
)

LATENCY_DESCRIPTION = (
    "Latency is wall-clock time measured by the harness around each question (in-process: "
    "Pipeline.stream; --url: POST /ask/stream). Time to first token is the first streamed text delta, or "
    "the final answer when nothing was streamed (refusals, extractive answers). Retrieval time is the "
    "engine's own timings_ms.retrieve."
)
REFUSAL_DESCRIPTION = (
    "Refusals are scored separately: a refusal (answered=false) on an unanswerable question is correct "
    "(refusal accuracy); on an answerable question it counts as a false refusal and as a wrong answer. "
    "Answer accuracy: some accepted answer, SQuAD-normalised, is a substring of the normalised answer text."
)


@dataclass(frozen=True)
class Record:
    """One question of the run: its gold row, what the system said, and how it scored."""

    gold: GoldRow
    reply: Reply
    score: RowScore
    quotes_valid: tuple[bool, ...]  # per citation, in answer order
    judgements: tuple[Judgement, ...]
    hits: tuple[bool, ...]  # per passage, in rank order

    @property
    def passed(self) -> bool:
        """Right answer to an answerable question, or a refusal of an unanswerable one."""
        return bool(self.score.correct) if self.gold.answerable else not self.score.answered

    def to_dict(self) -> dict[str, Any]:
        a = self.reply.answer
        supported = {j.n: j.supported for j in self.judgements}
        return {
            **self.gold.to_dict(),
            "passed": self.passed,
            "answer": a.get("answer", ""),
            "answered": a.get("answered"),
            "mode": a.get("mode", ""),
            "model": a.get("model", ""),
            "error": self.reply.error,
            "citations": [
                {**c, "quote_valid": v, "supported": supported.get(c.get("n"))}
                for c, v in zip(a.get("citations", []), self.quotes_valid, strict=False)
            ],
            "passages": [
                {k: p.get(k) for k in ("doc_id", "chunk_id", "score")} | {"hit": h, "text": p.get("text", "")}
                for p, h in zip(a.get("passages", []), self.hits, strict=False)
            ],
            "judgements": [
                {"claim": j.claim, "n": j.n, "quote": j.quote, "supported": j.supported}
                for j in self.judgements
            ],
            "score": self.score.to_dict(),
            "timings_ms": a.get("timings_ms", {}),
            "first_token_ms": round(self.reply.first_token_ms, 1),
            "total_ms": round(self.reply.total_ms, 1),
        }


def fmt(value: float | int | None, kind: str) -> str:
    """A metric for a table. Example: (0.875, "ratio") -> "87.5%", (None, "ms") -> "n/a"."""
    if value is None:
        return "n/a"
    if kind == "ratio":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:,.0f} ms"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def definitions() -> dict[str, str]:
    """How each family of metrics is computed, written into every report."""
    return {
        "citation_precision": JUDGE_DESCRIPTION,
        "retrieval_hit": RETRIEVAL_HIT_DESCRIPTION,
        "refusals": REFUSAL_DESCRIPTION,
        "latency": LATENCY_DESCRIPTION,
        "quote_validity": "A citation's quote is valid when it equals the cited document's text[start:end].",
        "citation_recall": "Share of answerable questions whose cited quotes contain a gold evidence phrase "
        "(normalised); a refusal cites nothing and scores 0. Not measured for SQuAD (no evidence phrases).",
    }


def write_json(
    path: Path,
    meta: Mapping[str, Any],
    metrics: Metrics,
    by_kind: Mapping[str, Metrics],
    failures: Sequence[str],
    records: Sequence[Record],
) -> None:
    """report.json: every number and every question."""
    doc = {
        "meta": dict(meta),
        "metrics": dict(metrics),
        "by_kind": {k: dict(v) for k, v in by_kind.items()},
        "threshold_failures": list(failures),
        "definitions": definitions(),
        "rows": [r.to_dict() for r in records],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def metrics_markdown(metrics: Metrics) -> str:
    """The headline metrics as a Markdown table."""
    lines = ["| metric | value |", "|---|---:|"]
    lines += [
        f"| {label} | {fmt(metrics.get(key), kind)} |" for key, label, kind in METRIC_ROWS if key in metrics
    ]
    return "\n".join(lines)


def _by_kind_markdown(by_kind: Mapping[str, Metrics]) -> str:
    lines = [
        "| kind | n | accuracy | refusal accuracy | recall@k | citation recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, m in by_kind.items():
        lines.append(
            f"| {kind} | {m['n']} | {fmt(m['accuracy'], 'ratio')} | {fmt(m['refusal_accuracy'], 'ratio')} | "
            f"{fmt(m['recall_at_k'], 'ratio')} | {fmt(m['citation_recall'], 'ratio')} |"
        )
    return "\n".join(lines)


def write_markdown(
    path: Path,
    meta: Mapping[str, Any],
    metrics: Metrics,
    by_kind: Mapping[str, Metrics],
    failures: Sequence[str],
    records: Sequence[Record],
) -> None:
    """report.md: the metric tables, the failures and the definitions."""
    parts = [f"# Evaluation: {meta.get('name', '')}", ""]
    parts += [f"- {k}: {v}" for k, v in meta.items() if not isinstance(v, dict | list)]
    parts += [
        "",
        "## Metrics",
        "",
        metrics_markdown(metrics),
        "",
        "## By kind of question",
        "",
        _by_kind_markdown(by_kind),
        "",
    ]
    if failures:
        parts += ["## Thresholds not met", ""] + [f"- {f}" for f in failures] + [""]
    wrong = [r for r in records if not r.passed]
    parts += [f"## Questions not passed ({len(wrong)} of {len(records)})", ""]
    for r in wrong:
        answer = r.reply.answer.get("answer", "").replace("\n", " ")
        gold = " | ".join(r.gold.answers) or "(unanswerable)"
        parts.append(f"- `{r.gold.id}` {r.gold.question} — gold: {gold} — got: {answer or r.reply.error}")
    parts += ["", "## Definitions", ""] + [f"- **{k}**: {v}" for k, v in definitions().items()]
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


# --- HTML ---------------------------------------------------------------------------------------------


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_metrics(metrics: Metrics, by_kind: Mapping[str, Metrics]) -> str:
    """Horizontal bars of the ratio metrics and of accuracy by kind, as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {key: label for key, label, _ in METRIC_ROWS}
    keys = [k for k in BAR_METRICS if metrics.get(k) is not None]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    values = [float(metrics[k] or 0) for k in keys]
    colors = ["#c0392b" if k == "false_refusal_rate" else "#2e86c1" for k in keys]
    axes[0].barh([labels[k] for k in keys], values, color=colors)
    for i, v in enumerate(values):
        axes[0].text(min(v + 0.01, 0.9), i, f"{100 * v:.0f}%", va="center", fontsize=8)
    axes[0].set_xlim(0, 1)
    axes[0].invert_yaxis()
    axes[0].set_title("metrics (red: lower is better)")
    kinds = list(by_kind)
    passed = [
        float((m["accuracy"] if m["n_answerable"] else m["refusal_accuracy"]) or 0) for m in by_kind.values()
    ]
    axes[1].barh(kinds, passed, color="#27ae60")
    axes[1].set_xlim(0, 1)
    axes[1].invert_yaxis()
    axes[1].set_title("passed by kind (accuracy, or refusal accuracy)")
    fig.tight_layout()
    try:
        return _png(fig)
    finally:
        plt.close(fig)


def plot_latency(records: Sequence[Record]) -> str:
    """Histograms of retrieval, first-token and total latency, as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {
        "retrieval": [r.score.retrieve_ms for r in records if r.score.retrieve_ms is not None],
        "first token": [r.score.first_token_ms for r in records if r.score.first_token_ms is not None],
        "total": [r.score.total_ms for r in records if r.score.total_ms is not None],
    }
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, (name, values) in zip(axes, series.items(), strict=True):
        if values:
            ax.hist(values, bins=min(20, max(5, len(values) // 3)), color="#8e44ad")
        ax.set_title(f"{name} (ms)")
        ax.set_xlabel("ms")
    axes[0].set_ylabel("questions")
    fig.tight_layout()
    try:
        return _png(fig)
    finally:
        plt.close(fig)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}tr.pass td.v{background:#d5f5e3}tr.fail td.v{background:#fadbd8}
.q{max-width:28em}.a{max-width:36em}blockquote{margin:4px 0;padding:2px 8px;border-left:3px solid #999;
font-size:90%}blockquote.bad{border-color:#c0392b;background:#fdedec}small{color:#666}img{max-width:100%}
"""


def _row_html(r: Record) -> str:
    e = html.escape
    a = r.reply.answer
    quotes = []
    supported = {j.n: j.supported for j in r.judgements}
    for c, valid in zip(a.get("citations", []), r.quotes_valid, strict=False):
        flags = ("valid" if valid else "INVALID offsets") + (
            ""
            if supported.get(c.get("n")) is None
            else ", supports"
            if supported[c.get("n")]
            else ", not supporting"
        )
        cls = "" if valid and supported.get(c.get("n"), True) else " class='bad'"
        quotes.append(
            f"<blockquote{cls}>[{e(str(c.get('n')))}] {e(str(c.get('quote', '')))}<br>"
            f"<small>{e(str(c.get('doc_id')))} {e(str(c.get('start')))}-{e(str(c.get('end')))}: {e(flags)}"
            f"</small></blockquote>"
        )
    history = "".join(f"<small>{e(m.role)}: {e(m.content)}</small><br>" for m in r.gold.history)
    gold = e(" | ".join(r.gold.answers)) if r.gold.answerable else "<i>unanswerable</i>"
    rank = r.score.rank
    verdict = "pass" if r.passed else "fail"
    answer = e(str(a.get("answer", ""))) or f"<i>{e(r.reply.error)}</i>"
    return (
        f"<tr class='{verdict}'><td>{e(r.gold.id)}<br><small>{e(r.gold.kind)}</small></td>"
        f"<td class='q'>{history}{e(r.gold.question)}</td><td>{gold}</td>"
        f"<td class='v'>{verdict}<br><small>{'answered' if r.score.answered else 'refused'}</small></td>"
        f"<td class='a'>{answer}<br><small>{e(str(a.get('mode', '')))}</small>{''.join(quotes)}</td>"
        f"<td class='num'>{'' if rank is None else rank or 'miss'}</td>"
        f"<td class='num'>{r.score.words}</td><td class='num'>{r.reply.total_ms:,.0f}</td></tr>"
    )


def write_html(
    path: Path,
    meta: Mapping[str, Any],
    metrics: Metrics,
    by_kind: Mapping[str, Metrics],
    failures: Sequence[str],
    records: Sequence[Record],
) -> None:
    """report.html: one self-contained page, plots embedded as base64 PNG, every text escaped."""
    e = html.escape
    metric_rows = "".join(
        f"<tr><td>{e(label)}</td><td class='num'>{e(fmt(metrics.get(key), kind))}</td></tr>"
        for key, label, kind in METRIC_ROWS
        if key in metrics
    )
    kind_rows = "".join(
        f"<tr><td>{e(k)}</td><td class='num'>{m['n']}</td>"
        f"<td class='num'>{e(fmt(m['accuracy'], 'ratio'))}</td>"
        f"<td class='num'>{e(fmt(m['refusal_accuracy'], 'ratio'))}</td>"
        f"<td class='num'>{e(fmt(m['recall_at_k'], 'ratio'))}</td></tr>"
        for k, m in by_kind.items()
    )
    meta_items = "".join(
        f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in meta.items() if not isinstance(v, dict | list)
    )
    fail_html = (
        "<h2>Thresholds not met</h2><ul>" + "".join(f"<li>{e(f)}</li>" for f in failures) + "</ul>"
        if failures
        else ""
    )
    defs = "".join(f"<dt><b>{e(k)}</b></dt><dd>{e(v)}</dd>" for k, v in definitions().items())
    rows = "".join(_row_html(r) for r in records)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation: {e(str(meta.get("name", "")))}</title>
<style>{_CSS}</style></head><body>
<h1>Evaluation: {e(str(meta.get("name", "")))}</h1>
<ul>{meta_items}</ul>
{fail_html}
<h2>Metrics</h2>
<table><tr><th>metric</th><th>value</th></tr>{metric_rows}</table>
<img alt="metric bars" src="data:image/png;base64,{plot_metrics(metrics, by_kind)}">
<h2>By kind of question</h2>
<table><tr><th>kind</th><th>n</th><th>accuracy</th><th>refusal accuracy</th><th>recall@k</th></tr>
{kind_rows}</table>
<h2>Latency</h2>
<img alt="latency histograms" src="data:image/png;base64,{plot_latency(records)}">
<h2>Questions</h2>
<table><tr><th>id</th><th>question</th><th>gold</th><th>verdict</th><th>answer and cited quotes</th>
<th>hit rank</th><th>words</th><th>total ms</th></tr>{rows}</table>
<h2>Definitions</h2><dl>{defs}</dl>
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def write_reports(
    out: Path,
    meta: Mapping[str, Any],
    metrics: Metrics,
    by_kind: Mapping[str, Metrics],
    failures: Sequence[str],
    records: Sequence[Record],
) -> list[Path]:
    """Write report.json, report.md and report.html into out; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.md", out / "report.html"]
    for writer, path in zip((write_json, write_markdown, write_html), paths, strict=True):
        writer(path, meta, metrics, by_kind, failures, records)
    return paths
