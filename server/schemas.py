"""Request and response models of the HTTP API: pydantic lives here, at the edge, and nowhere in rag/."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rag.types import Turn

_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_characters(text: str) -> str:
    # JSON can spell half of a UTF-16 pair, "\ud800": such a string cannot be encoded, embedded or stored.
    if m := _SURROGATE.search(text):
        raise ValueError(f"text holds an unpaired surrogate ({m.group()!a}): send valid Unicode")
    return text


Text = Annotated[str, AfterValidator(_whole_characters)]


class StrictModel(BaseModel):
    """Base of every request body: an unknown field or a wrong type ("3" for 3) is a client bug: refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class TurnIn(StrictModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: Text


class AskRequest(StrictModel):
    """A question, with the conversation before it so follow-ups can say "it" or "they"."""

    question: Text = Field(examples=["Where are the North Korean IT workers being sent?"])
    history: list[TurnIn] = Field(default_factory=list, description="earlier turns, oldest first")
    top_k: int | None = Field(default=None, ge=1, le=50, description="passages to return (default: settings)")

    def turns(self) -> list[Turn]:
        """The history as engine objects."""
        return [Turn(t.role, t.content) for t in self.history]


class CitationOut(BaseModel):
    """A numbered quote. Invariant: quote == GET /documents/{doc_id} text[start:end] (code points)."""

    n: int
    quote: str
    doc_id: str
    title: str
    start: int
    end: int
    score: float


class MetadataOut(BaseModel):
    """A fact from a document's metadata, not its text (the byline, the headline). Invariant: value == GET
    /documents/{doc_id} [field]."""

    doc_id: str
    title: str
    field: str
    value: str


class PassageOut(BaseModel):
    """A retrieved chunk with its retrieval score."""

    doc_id: str
    chunk_id: int
    text: str
    score: float


class AnswerOut(BaseModel):
    """The answer; `[n]` in `answer` refers to `citations[i].n`. answered=false: the documents don't say."""

    question: str
    answer: str
    answered: bool
    citations: list[CitationOut]
    metadata: list[MetadataOut] = Field(
        default_factory=list, description="what the answer says from document metadata (the byline), not quoted"
    )
    passages: list[PassageOut]
    model: str
    mode: str = Field(description='"generated", "extractive", "fallback: ...", "refused: ..." or "metadata: ..."')
    timings_ms: dict[str, float]


class TokenEvent(BaseModel):
    """Data of an SSE `token` event: text the model just wrote."""

    text: str


class ErrorOut(BaseModel):
    """Every error body, and the data of an SSE `error` event."""

    detail: str


class RequestErrorOut(BaseModel):
    """A 422: the engine's message for a question it cannot take, or pydantic's list for a malformed body."""

    detail: str | list[dict[str, Any]]


class DocumentSummary(BaseModel):
    """One indexed document, without its text."""

    doc_id: str
    title: str
    source: str
    chars: int = Field(description="length of text in code points")


class DocumentOut(BaseModel):
    """A document's cleaned text, which citation offsets index into, plus its metadata fields."""

    model_config = ConfigDict(extra="allow")  # metadata keys (date, authors, url, ...) vary by document

    doc_id: str
    title: str
    source: str
    text: str


class HealthOut(BaseModel):
    """The engine is loaded and answering."""

    status: Literal["ok"]
    documents: int
    chunks: int
    generator: str
    embedder: str


class HealthNotReady(BaseModel):
    """The engine is still loading, or failed to load (detail says how to fix it)."""

    status: Literal["loading", "error"]
    detail: str | None = None


class FeedbackIn(StrictModel):
    """A reader's rating of one answer."""

    question: Text = Field(min_length=1, max_length=4000)
    answer: Text = Field(max_length=20000)
    rating: Literal["up", "down"]
    comment: Text = Field(default="", max_length=2000)


class FeedbackOut(BaseModel):
    """A stored rating."""

    id: int
    created_at: str
    question: str
    answer: str
    rating: Literal["up", "down"]
    comment: str
