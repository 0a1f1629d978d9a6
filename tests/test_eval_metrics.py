"""Oracle tests: the scoring equals scores computed by hand on three tiny cases; the gold files are sound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval import metrics
from eval.gold import (
    ARTICLE_GOLD,
    CALIBRATION_GOLD,
    HOLDOUT2_GOLD,
    HOLDOUT3_GOLD,
    HOLDOUT4_GOLD,
    HOLDOUT5_GOLD,
    HOLDOUT6_GOLD,
    HOLDOUT7_GOLD,
    HOLDOUT8_GOLD,
    HOLDOUT9_GOLD,
    HOLDOUT10_GOLD,
    HOLDOUT11_GOLD,
    HOLDOUT12_GOLD,
    HOLDOUT13_GOLD,
    HOLDOUT14_GOLD,
    HOLDOUT15_GOLD,
    HOLDOUT16_GOLD,
    HOLDOUT17_GOLD,
    HOLDOUT18_GOLD,
    HOLDOUT19_GOLD,
    HOLDOUT20_GOLD,
    HOLDOUT21_GOLD,
    HOLDOUT22_GOLD,
    HOLDOUT23_GOLD,
    HOLDOUT24_GOLD,
    HOLDOUT25_GOLD,
    HOLDOUT26_GOLD,
    HOLDOUT27_GOLD,
    HOLDOUT28_GOLD,
    HOLDOUT29_GOLD,
    HOLDOUT30_GOLD,
    HOLDOUT31_GOLD,
    HOLDOUT32_GOLD,
    HOLDOUT33_GOLD,
    HOLDOUT34_GOLD,
    HOLDOUT35_GOLD,
    HOLDOUT36_GOLD,
    HOLDOUT37_GOLD,
    HOLDOUT38_GOLD,
    HOLDOUT39_GOLD,
    HOLDOUT40_GOLD,
    HOLDOUT41_GOLD,
    HOLDOUT42_GOLD,
    HOLDOUT43_GOLD,
    HOLDOUT44_GOLD,
    HOLDOUT45_GOLD,
    HOLDOUT46_GOLD,
    HOLDOUT47_GOLD,
    HOLDOUT48_GOLD,
    HOLDOUT49_GOLD,
    HOLDOUT50_GOLD,
    HOLDOUT51_GOLD,
    HOLDOUT52_GOLD,
    HOLDOUT53_GOLD,
    HOLDOUT54_GOLD,
    HOLDOUT55_GOLD,
    HOLDOUT56_GOLD,
    HOLDOUT57_GOLD,
    HOLDOUT58_GOLD,
    HOLDOUT59_GOLD,
    HOLDOUT60_GOLD,
    HOLDOUT61_GOLD,
    HOLDOUT62_GOLD,
    HOLDOUT63_GOLD,
    HOLDOUT64_GOLD,
    HOLDOUT65_GOLD,
    HOLDOUT66_GOLD,
    HOLDOUT67_GOLD,
    HOLDOUT68_GOLD,
    HOLDOUT69_GOLD,
    HOLDOUT70_GOLD,
    HOLDOUT71_GOLD,
    HOLDOUT72_GOLD,
    HOLDOUT73_GOLD,
    HOLDOUT74_GOLD,
    HOLDOUT75_GOLD,
    HOLDOUT76_GOLD,
    HOLDOUT_GOLD,
    PARAPHRASED_GOLD,
    GoldError,
    GoldRow,
    load_gold,
    parse_rows,
)

ARTICLE = Path(__file__).resolve().parents[1] / "corpus" / "000_53eae6447d86a213.txt"
GOLD_SETS = (
    ARTICLE_GOLD, CALIBRATION_GOLD, PARAPHRASED_GOLD, HOLDOUT_GOLD, HOLDOUT2_GOLD, HOLDOUT3_GOLD, HOLDOUT4_GOLD,
    HOLDOUT5_GOLD, HOLDOUT6_GOLD, HOLDOUT7_GOLD, HOLDOUT8_GOLD, HOLDOUT9_GOLD, HOLDOUT10_GOLD, HOLDOUT11_GOLD,
    HOLDOUT12_GOLD, HOLDOUT13_GOLD, HOLDOUT14_GOLD, HOLDOUT15_GOLD, HOLDOUT16_GOLD, HOLDOUT17_GOLD, HOLDOUT18_GOLD,
    HOLDOUT19_GOLD, HOLDOUT20_GOLD, HOLDOUT21_GOLD, HOLDOUT22_GOLD, HOLDOUT23_GOLD, HOLDOUT24_GOLD, HOLDOUT25_GOLD,
    HOLDOUT26_GOLD, HOLDOUT27_GOLD, HOLDOUT28_GOLD, HOLDOUT29_GOLD, HOLDOUT30_GOLD,
    HOLDOUT31_GOLD, HOLDOUT32_GOLD, HOLDOUT33_GOLD, HOLDOUT34_GOLD, HOLDOUT35_GOLD, HOLDOUT36_GOLD, HOLDOUT37_GOLD,
    HOLDOUT38_GOLD, HOLDOUT39_GOLD, HOLDOUT40_GOLD, HOLDOUT41_GOLD, HOLDOUT42_GOLD, HOLDOUT43_GOLD, HOLDOUT44_GOLD,
    HOLDOUT45_GOLD, HOLDOUT46_GOLD, HOLDOUT47_GOLD, HOLDOUT48_GOLD, HOLDOUT49_GOLD, HOLDOUT50_GOLD, HOLDOUT51_GOLD,
    HOLDOUT52_GOLD, HOLDOUT53_GOLD, HOLDOUT54_GOLD, HOLDOUT55_GOLD, HOLDOUT56_GOLD, HOLDOUT57_GOLD, HOLDOUT58_GOLD,
    HOLDOUT59_GOLD, HOLDOUT60_GOLD, HOLDOUT61_GOLD, HOLDOUT62_GOLD, HOLDOUT63_GOLD, HOLDOUT64_GOLD,
    HOLDOUT65_GOLD, HOLDOUT66_GOLD, HOLDOUT67_GOLD, HOLDOUT68_GOLD, HOLDOUT69_GOLD, HOLDOUT70_GOLD,
    HOLDOUT71_GOLD, HOLDOUT72_GOLD, HOLDOUT73_GOLD, HOLDOUT74_GOLD, HOLDOUT75_GOLD, HOLDOUT76_GOLD,
)

DOC = "North Korea sent 50,000 workers to China. They are moving to Russia."
DOCS = {"d1": DOC}
RUSSIA = "They are moving to Russia."
R_START = DOC.index(RUSSIA)


def _citation(n: int, quote: str, start: int, end: int) -> dict[str, Any]:
    return {"n": n, "quote": quote, "doc_id": "d1", "title": "T", "start": start, "end": end, "score": 0.9}


def _passage(text: str) -> dict[str, Any]:
    return {"doc_id": "d1", "chunk_id": 0, "text": text, "score": 0.5}


# Case 1: right answer, valid and supporting citation; the evidence is in the second passage.
GOLD_RIGHT = GoldRow("g1", "Where are they going?", ("Russia",), ("moving to Russia",), True)
ANSWER_RIGHT = {
    "answer": "The workers are moving to Russia [1].",
    "answered": True,
    "citations": [_citation(1, RUSSIA, R_START, R_START + len(RUSSIA))],
    "passages": [_passage("North Korea sent 50,000 workers to China."), _passage(RUSSIA)],
    "timings_ms": {"retrieve": 10.0, "generate": 90.0, "total": 100.0},
}
# Case 2: right answer, but its citation is not at its offsets and does not support the sentence.
GOLD_WRONG_CITE = GoldRow(
    "g2", "How many workers went to China?", ("50,000",), ("sent 50,000 workers",), True
)
ANSWER_WRONG_CITE = {
    "answer": "North Korea sent 50,000 workers to China [1].",
    "answered": True,
    "citations": [_citation(1, RUSSIA, 0, len(RUSSIA))],
    "passages": [_passage("North Korea sent 50,000 workers to China.")],
    "timings_ms": {"retrieve": 20.0, "generate": 180.0, "total": 200.0},
}
# Case 3: an unanswerable question, correctly refused.
GOLD_REFUSE = GoldRow("g3", "Who is the airline's CEO?", (), (), False)
ANSWER_REFUSE = {
    "answer": "The article does not say.",
    "answered": False,
    "citations": [],
    "passages": [_passage(RUSSIA)],
    "timings_ms": {"retrieve": 30.0, "generate": 0.0, "total": 30.0},
}


def _scores() -> list[metrics.RowScore]:
    return [
        metrics.score_row(GOLD_RIGHT, ANSWER_RIGHT, DOCS, first_token_ms=40.0, total_ms=100.0),
        metrics.score_row(GOLD_WRONG_CITE, ANSWER_WRONG_CITE, DOCS, first_token_ms=60.0, total_ms=200.0),
        metrics.score_row(GOLD_REFUSE, ANSWER_REFUSE, DOCS, first_token_ms=30.0, total_ms=30.0),
    ]


def test_row_scores_match_hand_computed() -> None:
    right, wrong, refuse = _scores()
    # "The workers are moving to Russia." -> content words {worker, moving, russia}; the quote has 2 of 3.
    assert (right.correct, right.words, right.quotes_valid, right.quotes_total) == (True, 6, 1, 1)
    assert (right.cites_evidence, right.pairs_supported, right.pairs_total, right.rank) == (True, 1, 1, 2)
    assert (right.claims_supported, right.claims_total, right.answer_in_passages) == (1, 1, True)
    # DOC[0:26] is "North Korea sent 50,000 wo", not the quote; the quote lacks the number 50000.
    assert (wrong.correct, wrong.words, wrong.quotes_valid, wrong.quotes_total) == (True, 7, 0, 1)
    assert (wrong.cites_evidence, wrong.pairs_supported, wrong.pairs_total, wrong.rank) == (False, 0, 1, 1)
    assert (wrong.claims_supported, wrong.claims_total, wrong.answer_in_passages) == (0, 1, True)
    assert (refuse.correct, refuse.answered, refuse.cites_evidence, refuse.rank) == (None, False, None, None)
    assert (refuse.quotes_total, refuse.pairs_total, refuse.words, refuse.answer_in_passages) == (
        0,
        0,
        5,
        None,
    )


def test_aggregate_matches_hand_computed() -> None:
    got = metrics.aggregate(_scores())
    expected = {
        "n": 3,
        "n_answerable": 2,
        "n_unanswerable": 1,
        "accuracy": 1.0,
        "refusal_accuracy": 1.0,
        "false_refusal_rate": 0.0,
        "answer_words_mean": 6.5,  # answered rows only: (6 + 7) / 2
        "answer_words_p50": 6.5,
        "n_citations": 2,
        "quote_validity": 0.5,
        "citation_recall": 0.5,
        "citation_precision": 0.5,
        "claim_support": 0.5,
        "k": 2,
        "recall_at_1": 0.5,  # ranks 2 and 1
        "recall_at_k": 1.0,
        "mrr": 0.75,  # (1/2 + 1/1) / 2
        "answer_recall_at_k": 1.0,  # "Russia" and "50,000" are each in a returned passage
        "retrieve_ms_p50": 20.0,  # [10, 20, 30]
        "retrieve_ms_p95": 29.0,  # 20 + 0.9 * (30 - 20)
        "first_token_ms_p50": 40.0,  # [30, 40, 60]
        "first_token_ms_p95": 58.0,
        "total_ms_p50": 100.0,  # [30, 100, 200]
        "total_ms_p95": 190.0,
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


def test_false_refusal_and_wrong_answer() -> None:
    refused = dict(ANSWER_RIGHT, answered=False, answer="I cannot find this in the documents.")
    wrong = dict(ANSWER_RIGHT, answer="They are moving to Mongolia [1].")
    got = metrics.aggregate([metrics.score_row(GOLD_RIGHT, a, DOCS) for a in (refused, wrong)])
    assert (got["accuracy"], got["false_refusal_rate"], got["refusal_accuracy"]) == (0.0, 0.5, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The  Cat's hat!", "cats hat"),
        ("An apple, a pear and the plum.", "apple pear and plum"),
        ("North Korea’s “blood ally”", "north koreas blood ally"),
        ("$1.1 billion", "11 billion"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert metrics.normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A [1]. B. [2]", [("A.", (1,)), ("B.", (2,))]),
        (
            "It earns $1.1 billion [1][2]. No marker here.",
            [("It earns $1.1 billion.", (1, 2)), ("No marker here.", ())],
        ),
        ("Russia [1, 3]", [("Russia", (1, 3))]),
        ("A. B [1]. C [2]. D.", [("A. B.", (1,)), ("C.", (2,)), ("D.", ())]),
        ('"It is." [1] “Yes,” he said. [2]', [('"It is."', (1,)), ("“Yes,” he said.", (2,))]),
    ],
)
def test_claims(text: str, expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert [(c.text, c.cited) for c in metrics.claims(text)] == expected


@pytest.mark.parametrize(
    ("quote", "claim", "expected"),
    [
        ("It earns between $750 million and $1.1 billion annually.", "It earns $1.1 billion a year.", True),
        ("It earns between $750 million and $1.2 billion annually.", "It earns $1.1 billion a year.", False),
        ("The workers went home.", "Russia needs skilled labor for the Far East.", False),
        ("anything", "It is so.", True),  # no content words: vacuously supported (a known weakness)
    ],
)
def test_lexical_judge(quote: str, claim: str, expected: bool) -> None:
    assert metrics.supports(quote, claim) is expected


def test_unreferenced_citation_is_judged_against_whole_answer() -> None:
    answer = {
        "answer": "They are moving to Russia.",
        "answered": True,
        "citations": [_citation(1, RUSSIA, 0, 1)],
    }
    assert [(j.n, j.supported) for j in metrics.judge_citations(answer)] == [(1, True)]


def test_dangling_marker_is_unsupported() -> None:
    answer = {"answer": "They are moving to Russia [2].", "answered": True, "citations": []}
    assert [(j.n, j.quote, j.supported) for j in metrics.judge_citations(answer)] == [(2, None, False)]


def test_squad_paragraph_overlap() -> None:
    para = " ".join(f"w{i}" for i in range(40))
    gold = GoldRow("s", "q", ("w3",), (), True, kind="squad", context=para)
    # w20..w44 has 18 8-grams, 13 of them inside the paragraph (w20..w39): 13/18 >= 0.5.
    assert metrics.passage_hits(" ".join(f"w{i}" for i in range(20, 45)), gold)
    # w30..w44: only 3 of its 8 8-grams lie inside the paragraph.
    assert not metrics.passage_hits(" ".join(f"w{i}" for i in range(30, 45)), gold)
    assert not metrics.passage_hits(" ".join(f"w{i}" for i in range(36, 60)), gold)


def test_percentile() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([5.0], 95) == 5.0
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5


# --- the gold files -------------------------------------------------------------------------------------


def _raw(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", GOLD_SETS)
def test_gold_rows_have_required_fields(path: Path) -> None:
    for d in _raw(path):
        assert {"id", "question", "answers", "evidence", "answerable"} <= d.keys(), d
        assert d["answerable"] == bool(d["answers"]) == bool(d["evidence"]), d["id"]
    load_gold(path)  # full validation: types, history roles, unique ids


@pytest.mark.parametrize("path", GOLD_SETS)
def test_gold_evidence_is_verbatim_and_contains_an_answer(path: Path) -> None:
    article = ARTICLE.read_text(encoding="utf-8")
    for row in load_gold(path):
        for phrase in row.evidence:
            assert phrase in article, (row.id, phrase)
        if row.answerable:
            assert metrics.contains_answer(article, row.answers), row.id


def test_article_gold_shape() -> None:
    rows = load_gold(ARTICLE_GOLD)
    questions = {r.question for r in rows}
    follow_ups = [r for r in rows if r.history and r.history[0].content in questions]
    assert len(rows) >= 45
    assert sum(not r.answerable for r in rows) >= 12
    assert len(follow_ups) >= 6
    assert all([m.role for m in r.history] == ["user", "assistant"] for r in follow_ups)
    assert sum(len(r.evidence) >= 2 for r in rows) >= 5  # questions needing two sentences


def test_calibration_is_balanced_and_disjoint() -> None:
    article, calibration = load_gold(ARTICLE_GOLD), load_gold(CALIBRATION_GOLD)
    assert 12 <= len(calibration) <= 60
    assert sum(r.answerable for r in calibration) == len(calibration) // 2
    assert not {r.id for r in article} & {r.id for r in calibration}
    assert not {metrics.normalize(r.question) for r in article} & {
        metrics.normalize(r.question) for r in calibration
    }
    assert not {e for r in article for e in r.evidence} & {e for r in calibration for e in r.evidence}


def test_gold_sets_do_not_share_ids() -> None:
    ids = [r.id for path in GOLD_SETS for r in load_gold(path)]
    assert len(ids) == len(set(ids))


def test_bad_gold_line_names_the_line() -> None:
    with pytest.raises(GoldError, match="x.jsonl:2: answerable rows need answers"):
        parse_rows(
            [
                '{"id": "a", "question": "q", "answers": ["x"], "evidence": [], "answerable": true}',
                '{"id": "b", "question": "q", "answers": [], "evidence": [], "answerable": true}',
            ],
            "x.jsonl",
        )
