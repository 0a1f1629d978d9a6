"""SQuAD v2 as a second benchmark: its articles as a corpus and a seeded, balanced sample of questions."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gold import GoldRow

# The shared benchmarks folder sits beside the repository: ../shared/benchmarks/
DEFAULT_SQUAD = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "squad-v2-dev-subset.json"


@dataclass(frozen=True)
class SquadArticle:
    """One Wikipedia article: its title and its paragraphs in order."""

    title: str
    paragraphs: tuple[str, ...]


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_squad(path: Path) -> tuple[list[SquadArticle], list[GoldRow]]:
    """The articles and all questions of a SQuAD v2 file, as gold rows whose context is the paragraph."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    articles: list[SquadArticle] = []
    rows: list[GoldRow] = []
    for article in data["data"]:
        paragraphs = tuple(p["context"] for p in article["paragraphs"])
        articles.append(SquadArticle(article["title"], paragraphs))
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                impossible = bool(qa.get("is_impossible"))
                answers = () if impossible else tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                rows.append(
                    GoldRow(
                        id=qa["id"],
                        question=qa["question"],
                        answers=answers,
                        evidence=(),
                        answerable=not impossible,
                        kind="squad-unanswerable" if impossible else "squad",
                        context=p["context"],
                    )
                )
    return articles, rows


def article_markdown(article: SquadArticle) -> str:
    """One article as Markdown. Example: "Super_Bowl_50", [P1, P2] -> "# Super Bowl 50\\n\\nP1\\n\\nP2\\n"."""
    title = article.title.replace("_", " ")
    return f"# {title}\n\n" + "\n\n".join(p.strip() for p in article.paragraphs) + "\n"


def write_corpus(articles: list[SquadArticle], folder: Path) -> None:
    """One .md file per article; files whose content is already right are left untouched (stable mtimes)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, article in enumerate(articles):
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in article.title)
        path = folder / f"{i:02d}_{safe}.md"
        text = article_markdown(article)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def sample_balanced(rows: list[GoldRow], n: int, seed: int) -> list[GoldRow]:
    """n questions, half answerable and half not (the odd one answerable), drawn with a fixed seed."""
    rng = random.Random(seed)
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    n_ans = min(n - n // 2, len(answerable))
    n_un = min(n // 2, len(unanswerable))
    picked = rng.sample(answerable, n_ans) + rng.sample(unanswerable, n_un)
    rng.shuffle(picked)  # interleaved, so a --limit or an interrupted run stays balanced
    return picked
