"""The data objects that flow through the engine: Document → Sentence → Chunk → Passage → Citation → Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Document:
    """A cleaned source document; every offset in the engine points into `text`."""

    doc_id: str
    title: str
    source: str  # path of the file relative to the corpus folder
    text: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document. Invariant: document.text[start:end] == text."""

    sentence_id: int  # global, 0-based, in corpus order
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A run of consecutive sentences of one document. Invariant: document.text[start:end] == text."""

    chunk_id: int  # global, 0-based; row chunk_id of the FAISS index
    doc_id: str
    start: int
    end: int
    text: str
    first_sentence: int  # sentence_id of its first sentence
    last_sentence: int  # sentence_id of its last sentence (inclusive)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused retrieval score."""

    chunk: Chunk
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.chunk.doc_id,
            "chunk_id": self.chunk.chunk_id,
            "text": self.chunk.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class Evidence:
    """A candidate evidence sentence with its relevance score (cosine and BM25 blended, 0..1)."""

    sentence: Sentence
    score: float
    dense: float  # cosine similarity with the question
    lexical: float  # share of the question's content words found in the sentence


@dataclass(frozen=True)
class Citation:
    """A numbered quote. Invariant: quote == document(doc_id).text[start:end]."""

    n: int
    quote: str
    doc_id: str
    title: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass(frozen=True)
class MetadataFact:
    """A fact about a document from its metadata, not its text: the byline, the headline. Invariant: value ==
    document(doc_id).metadata[field], or document(doc_id).title for the field "title"."""

    doc_id: str
    title: str
    field: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str


# The answer text when the documents do not cover a question
NOT_COVERED = "The documents don't say. I found nothing in them that answers this question."


@dataclass(frozen=True)
class Answer:
    """What `Pipeline.ask` returns; `[n]` markers in `answer` refer to `citations[i].n`."""

    question: str
    answer: str
    answered: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    model: str
    timings_ms: dict[str, float]
    # why the answer took the form it has: "generated", "extractive", "fallback: ...", "refused: ...", "metadata"
    mode: str = ""
    # what the answer says from the documents' metadata rather than their text ("Who wrote the article?")
    metadata: tuple[MetadataFact, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "answered": self.answered,
            "citations": [c.to_dict() for c in self.citations],
            "metadata": [m.to_dict() for m in self.metadata],
            "passages": [p.to_dict() for p in self.passages],
            "model": self.model,
            "mode": self.mode,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
