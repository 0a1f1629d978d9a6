"""Cutting documents into sentences (pysbd) and sentence-aligned chunks, with exact character offsets."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .types import Chunk, Document, Sentence


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _paragraph_spans(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each non-blank paragraph; paragraphs are separated by blank lines."""
    pos = 0
    for block in text.split("\n\n"):
        start = pos
        pos += len(block) + 2
        stripped = block.strip()
        if stripped:
            lead = len(block) - len(block.lstrip())
            yield start + lead, start + lead + len(stripped)


def split_sentences(doc: Document, first_id: int = 0) -> list[Sentence]:
    """The document's sentences in order; each satisfies doc.text[s.start:s.end] == s.text."""
    out: list[Sentence] = []
    seg = _segmenter()
    for p_start, p_end in _paragraph_spans(doc.text):
        paragraph = doc.text[p_start:p_end]
        cursor = 0
        for piece in seg.segment(paragraph):
            piece = piece.strip()
            if not piece:
                continue
            at = paragraph.find(piece, cursor)
            if at < 0:
                # pysbd returned text that is not in the paragraph verbatim: keep the rest whole.
                at, piece = cursor, paragraph[cursor:].strip()
                if not piece:
                    break
                at = paragraph.find(piece, cursor)
            start, end = p_start + at, p_start + at + len(piece)
            out.append(Sentence(first_id + len(out), doc.doc_id, start, end, piece))
            cursor = at + len(piece)
        rest = paragraph[cursor:].strip()
        if rest:  # text pysbd dropped (rare): a sentence of its own, so chunks still cover the document
            at = paragraph.find(rest, cursor)
            out.append(Sentence(first_id + len(out), doc.doc_id, p_start + at, p_start + at + len(rest), rest))
    return out


def chunk_sentences(doc: Document, sentences: list[Sentence], max_chars: int, first_id: int = 0) -> list[Chunk]:
    """Greedy runs of whole consecutive sentences of at most max_chars (a longer sentence stands alone)."""
    chunks: list[Chunk] = []
    run: list[Sentence] = []

    def close() -> None:
        start, end = run[0].start, run[-1].end
        chunks.append(
            Chunk(first_id + len(chunks), doc.doc_id, start, end, doc.text[start:end],
                  run[0].sentence_id, run[-1].sentence_id)
        )

    for s in sentences:
        if run and s.end - run[0].start > max_chars:
            close()
            run = []
        run.append(s)
    if run:
        close()
    return chunks
