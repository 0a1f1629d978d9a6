"""Scoring of answer dicts (`Answer.to_dict()`) against gold rows: pure functions, no models, no I/O.

Answer accuracy, retrieval hits and citation recall compare texts after SQuAD normalisation. Citation
precision uses a lexical judge, described in JUDGE_DESCRIPTION, in the spirit of ALCE (Gao et al., 2023).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .gold import GoldRow

Json = dict[str, Any]

JUDGE_DESCRIPTION = (
    "Citation precision (ALCE-style, lexical judge). The answer is split into claims: its sentences, each "
    "uncited sentence joined to the next cited one, since a [n] marker covers the text written after the "
    "previous marker; citations no marker refers to are judged against the whole answer. A citation "
    "supports its claim when its quote contains every number of the claim and at least half of the claim's "
    "content words (SQuAD-normalised, stop words removed, plural -s ignored). Precision = supporting "
    "(claim, citation) pairs / all pairs; a marker with no matching citation is an unsupported pair. "
    "Claim support (ALCE's citation recall) = share of claims whose cited quotes, joined, support them. "
    "Weakness: word overlap is not entailment. A quote that repeats the sentence's words but negates them, "
    "attributes them to someone else or answers a different question still passes, because answer sentences "
    "reuse the question's words and so do the passages retrieved for it; a correct paraphrase with synonyms "
    "(labour/labor, returned/repatriated) fails; spelled-out numbers are not compared. It is a cheap, "
    "deterministic lower bar, not the NLI model ALCE uses."
)

RETRIEVAL_HIT_DESCRIPTION = (
    "A passage hits when it contains a gold evidence phrase (both SQuAD-normalised). For SQuAD rows, whose "
    "gold is a paragraph, a passage hits when the overlap coefficient of the word 8-gram sets of passage and "
    "paragraph, |A and B| / min(|A|, |B|), is at least 0.5: the passage lies mostly inside the paragraph, or "
    "the paragraph mostly inside the passage, whatever the chunk boundaries."
)

# Example: "[1]", "[2][3]", "[1, 2]"
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A marker with the space before it, so "Russia [1]." becomes "Russia."
_SPACED_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
# A sentence ends at . ! ? (and any closing quotes) followed by whitespace or the end, taking the markers
# written after it. "1.1 billion" does not end a sentence because no space follows the dot.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)")
# Example: "$1.1 billion" -> "1.1", "50,000" -> "50000", "71st" -> "71"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ARTICLES = re.compile(r"\b(a|an|the)\b")

STOP_WORDS = frozenset(
    """
    a an the and or but if then so as of at by for with about against between into through during before
    after above below to from up down in out on off over under again further once here there when where why
    how all any both each few more most other some such no nor not only own same than too very can will just
    should now is are was were be been being have has had having do does did doing i me my we our you your
    he him his she her it its they them their what which who whom this that these those am would could also
    said says according
    """.split()
)

SUPPORT_SHARE = 0.5  # share of a sentence's content words its quote must contain
NGRAM = 8
OVERLAP_MIN = 0.5


def normalize(text: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation (ASCII and Unicode), drop a/an/the, squeeze spaces."""
    text = text.lower()
    text = "".join(
        " " if c.isspace() else c
        for c in text
        if c not in string.punctuation and not unicodedata.category(c).startswith("P")
    )
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def strip_markers(text: str) -> str:
    """The answer text without its [n] citation markers."""
    return " ".join(_SPACED_MARKER.sub("", text).split())


def markers(text: str) -> list[int]:
    """Citation numbers a text refers to, in order. Example: "a [1][2]. b [1, 3]" -> [1, 2, 1, 3]."""
    return [int(n) for m in _MARKER.finditer(text) for n in m.group(1).split(",")]


def answer_words(answer: Json) -> int:
    """Length of the answer in words, markers excluded."""
    return len(strip_markers(answer.get("answer", "")).split())


def contains_answer(text: str, accepted: Iterable[str]) -> bool:
    """Some accepted answer, normalised, is a substring of the normalised text."""
    norm = normalize(strip_markers(text))
    return any(a and a in norm for a in (normalize(x) for x in accepted))


def is_correct(answer: Json, gold: GoldRow) -> bool | None:
    """Answered (answered=true) with some accepted answer in the text; None for unanswerable questions."""
    if not gold.answerable:
        return None
    return bool(answer.get("answered")) and contains_answer(answer.get("answer", ""), gold.answers)


def quote_valid(citation: Json, documents: Mapping[str, str]) -> bool:
    """The quote is exactly the cited document's text[start:end] (unknown documents are invalid)."""
    text = documents.get(citation.get("doc_id", ""))
    start, end, quote = citation.get("start"), citation.get("end"), citation.get("quote")
    if text is None or not isinstance(start, int) or not isinstance(end, int) or not quote:
        return False
    return 0 <= start <= end <= len(text) and text[start:end] == quote


def cites_evidence(answer: Json, gold: GoldRow) -> bool | None:
    """Citation recall of a row: a gold evidence phrase lies inside a cited quote; None if no evidence."""
    if not gold.answerable or not gold.evidence:
        return None
    quotes = [normalize(c.get("quote", "")) for c in answer.get("citations", [])]
    phrases = [normalize(e) for e in gold.evidence]
    return any(p and p in q for p in phrases for q in quotes)


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer (markers removed) and the citation numbers attached to it."""

    text: str
    cited: tuple[int, ...]


def claims(answer_text: str) -> list[Claim]:
    """Split an answer into claims: sentences, each uncited sentence joined to the next cited one.

    A marker covers the text written since the previous marker, so a quoted passage of several sentences
    cited once at its end is one claim. Example: "A. B [1]. C [2]. D." -> ["A. B." (1,), "C." (2,), "D." ()].
    """
    out: list[Claim] = []
    pending: list[str] = []  # uncited sentences waiting for the next marker
    start = 0
    ends = [m.end() for m in _SENTENCE_END.finditer(answer_text)] + [len(answer_text)]
    for end in ends:
        piece = answer_text[start:end]
        start = end
        text, cited = strip_markers(piece), tuple(dict.fromkeys(markers(piece)))
        if not text and not cited:
            continue
        if not cited:
            pending.append(text)
            continue
        out.append(Claim(" ".join([*pending, text]).strip(), cited))
        pending = []
    out += [Claim(t, ()) for t in pending]
    return out


def _stem(word: str) -> str:
    # Plural -s only: "workers" ~ "worker", leaves "is"/"has" alone (short words).
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def numbers(text: str) -> set[str]:
    """Numbers written with digits. Example: "$1.1 billion, 50,000 and 71st" -> {"1.1", "50000", "71"}."""
    return {n.replace(",", "") for n in _NUMBER.findall(strip_markers(text))}


def content_words(text: str) -> set[str]:
    """Normalised, stemmed words that are neither stop words nor numbers."""
    return {_stem(w) for w in normalize(text).split() if w not in STOP_WORDS and not w.isdigit()}


def supports(quote: str, claim: str) -> bool:
    """The lexical judge: the quote has every number of the claim and at least half of its content words."""
    if not numbers(claim) <= numbers(quote):
        return False
    words = content_words(claim)
    if not words:
        return True
    return len(words & content_words(quote)) / len(words) >= SUPPORT_SHARE


@dataclass(frozen=True)
class Judgement:
    """The judge's verdict on one (answer sentence, citation) pair."""

    claim: str
    n: int
    quote: str | None  # None: the marker names no citation of the answer
    supported: bool


def judge_citations(answer: Json) -> list[Judgement]:
    """Judge every citation against the sentence it is attached to."""
    by_n = {c["n"]: c.get("quote", "") for c in answer.get("citations", [])}
    text = answer.get("answer", "")
    out: list[Judgement] = []
    used: set[int] = set()
    for claim in claims(text):
        for n in claim.cited:
            used.add(n)
            quote = by_n.get(n)
            out.append(Judgement(claim.text, n, quote, quote is not None and supports(quote, claim.text)))
    whole = strip_markers(text)
    for n, quote in by_n.items():
        if n not in used:
            out.append(Judgement(whole, n, quote, supports(quote, whole)))
    return out


def claim_support(answer: Json) -> tuple[int, int]:
    """(supported, total) answer sentences, where a sentence is supported by its cited quotes joined."""
    by_n = {c["n"]: c.get("quote", "") for c in answer.get("citations", [])}
    supported = total = 0
    for claim in claims(answer.get("answer", "")):
        if not claim.text:
            continue
        total += 1
        quotes = " ".join(by_n[n] for n in claim.cited if n in by_n)
        supported += bool(quotes) and supports(quotes, claim.text)
    return supported, total


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = normalize(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def overlaps(passage: str, context: str, n: int = NGRAM, threshold: float = OVERLAP_MIN) -> bool:
    """The word n-gram overlap coefficient of passage and paragraph is >= threshold."""
    a, b = _ngrams(passage, n), _ngrams(context, n)
    if not a or not b:
        # Shorter than n words: fall back to containment of the normalised texts.
        pa, pb = normalize(passage), normalize(context)
        return bool(pa and pb) and (pa in pb or pb in pa)
    return len(a & b) / min(len(a), len(b)) >= threshold


def passage_hits(passage_text: str, gold: GoldRow) -> bool:
    """The passage holds the gold support: an evidence phrase, or (SQuAD) the gold paragraph."""
    if gold.context:
        return overlaps(passage_text, gold.context)
    norm = normalize(passage_text)
    return any(p and p in norm for p in (normalize(e) for e in gold.evidence))


def hit_rank(answer: Json, gold: GoldRow) -> int | None:
    """1-based rank of the first hitting passage, 0 if none hits; None when retrieval is not scored."""
    if not gold.answerable or not (gold.evidence or gold.context):
        return None
    for rank, p in enumerate(answer.get("passages", []), start=1):
        if passage_hits(p.get("text", ""), gold):
            return rank
    return 0


def answer_in_passages(answer: Json, gold: GoldRow) -> bool | None:
    """Some returned passage contains an accepted answer (normalised); None for unanswerable questions."""
    if not gold.answerable:
        return None
    return any(contains_answer(p.get("text", ""), gold.answers) for p in answer.get("passages", []))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile like numpy, None for no values. Example: ([1, 2, 3, 4], 50) -> 2.5."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class RowScore:
    """Every per-question number the aggregate is made of."""

    id: str
    kind: str
    answerable: bool
    answered: bool
    correct: bool | None  # None for unanswerable questions
    words: int
    quotes_valid: int
    quotes_total: int
    cites_evidence: bool | None  # citation recall of the row; None without gold evidence
    pairs_supported: int  # citation precision numerator
    pairs_total: int
    claims_supported: int
    claims_total: int
    rank: int | None  # first hitting passage, 0 = miss, None = not scored
    answer_in_passages: bool | None  # some passage contains an accepted answer; None if unanswerable
    n_passages: int
    retrieve_ms: float | None
    first_token_ms: float | None
    total_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_row(
    gold: GoldRow,
    answer: Json,
    documents: Mapping[str, str],
    first_token_ms: float | None = None,
    total_ms: float | None = None,
) -> RowScore:
    """Score one answer; latencies measured by the caller win over the answer's own timings."""
    timings = answer.get("timings_ms") or {}
    valid = [quote_valid(c, documents) for c in answer.get("citations", [])]
    judged = judge_citations(answer) if answer.get("answered") else []
    cs, ct = claim_support(answer) if answer.get("answered") else (0, 0)
    return RowScore(
        id=gold.id,
        kind=gold.kind,
        answerable=gold.answerable,
        answered=bool(answer.get("answered")),
        correct=is_correct(answer, gold),
        words=answer_words(answer),
        quotes_valid=sum(valid),
        quotes_total=len(valid),
        cites_evidence=cites_evidence(answer, gold),
        pairs_supported=sum(j.supported for j in judged),
        pairs_total=len(judged),
        claims_supported=cs,
        claims_total=ct,
        rank=hit_rank(answer, gold),
        answer_in_passages=answer_in_passages(answer, gold),
        n_passages=len(answer.get("passages", [])),
        retrieve_ms=timings.get("retrieve"),
        first_token_ms=first_token_ms,
        total_ms=total_ms if total_ms is not None else timings.get("total"),
    )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def aggregate(scores: Sequence[RowScore]) -> dict[str, float | int | None]:
    """All headline metrics of a run; a metric is None when no row can measure it."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    answered = [s for s in scores if s.answered]
    ranked = [s for s in scores if s.rank is not None]
    recall = [s for s in scores if s.cites_evidence is not None]
    k = max((s.n_passages for s in scores), default=0)
    out: dict[str, float | int | None] = {
        "n": len(scores),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "accuracy": _ratio(sum(bool(s.correct) for s in answerable), len(answerable)),
        "refusal_accuracy": _ratio(sum(not s.answered for s in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(not s.answered for s in answerable), len(answerable)),
        "answer_words_mean": _ratio(sum(s.words for s in answered), len(answered)),
        "answer_words_p50": percentile([s.words for s in answered], 50),
        "n_citations": sum(s.quotes_total for s in scores),
        "quote_validity": _ratio(sum(s.quotes_valid for s in scores), sum(s.quotes_total for s in scores)),
        "citation_recall": _ratio(sum(bool(s.cites_evidence) for s in recall), len(recall)),
        "citation_precision": _ratio(
            sum(s.pairs_supported for s in scores), sum(s.pairs_total for s in scores)
        ),
        "claim_support": _ratio(sum(s.claims_supported for s in scores), sum(s.claims_total for s in scores)),
        "k": k,
        "recall_at_1": _ratio(sum(s.rank == 1 for s in ranked), len(ranked)),
        "recall_at_k": _ratio(sum(bool(s.rank) for s in ranked), len(ranked)),
        "mrr": _ratio(sum(1 / s.rank for s in ranked if s.rank), len(ranked)),
        "answer_recall_at_k": _ratio(sum(bool(s.answer_in_passages) for s in answerable), len(answerable)),
    }
    for name in ("retrieve_ms", "first_token_ms", "total_ms"):
        values = [v for s in scores if (v := getattr(s, name)) is not None]
        out[f"{name}_p50"] = percentile(values, 50)
        out[f"{name}_p95"] = percentile(values, 95)
    return out
