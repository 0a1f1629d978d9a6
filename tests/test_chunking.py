"""Sentences and chunks: offsets always slice the document back to the text."""

from __future__ import annotations

import pytest

from rag.chunking import chunk_sentences, split_sentences
from rag.documents import load_corpus
from rag.types import Document

from .conftest import CORPUS


@pytest.fixture(scope="module")
def article() -> Document:
    return load_corpus(CORPUS)[0][0]


def test_every_sentence_offset_slices_back(article):
    sentences = split_sentences(article)
    assert len(sentences) > 30
    for s in sentences:
        assert article.text[s.start : s.end] == s.text
        assert s.text == s.text.strip()


def test_sentences_are_in_order_and_do_not_overlap(article):
    sentences = split_sentences(article)
    for a, b in zip(sentences, sentences[1:], strict=False):
        assert a.end <= b.start
        assert b.sentence_id == a.sentence_id + 1


def test_known_sentence_is_whole(article):
    texts = [s.text for s in split_sentences(article)]
    assert any(t.startswith("A UN report published in March") and t.endswith("before the sanctions.") for t in texts)
    assert any(t.startswith("In 2017, the UN Security Council adopted Resolution 2397") for t in texts)


@pytest.mark.parametrize("max_chars", [50, 300, 700, 5000])
def test_chunks_cover_the_document(article, max_chars):
    sentences = split_sentences(article)
    chunks = chunk_sentences(article, sentences, max_chars)
    # every sentence is in exactly one chunk, in order, and chunk text is the document's own text
    covered = [sid for c in chunks for sid in range(c.first_sentence, c.last_sentence + 1)]
    assert covered == [s.sentence_id for s in sentences]
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert len(c.text) <= max_chars or c.first_sentence == c.last_sentence
    # nothing but whitespace lies between consecutive chunks
    gaps = [article.text[a.end : b.start] for a, b in zip(chunks, chunks[1:], strict=False)]
    assert all(not g.strip() for g in gaps)
    assert not article.text[: chunks[0].start].strip() and not article.text[chunks[-1].end :].strip()


def test_quotes_and_abbreviations():
    doc = Document("d", "t", "d.txt", 'Dr. Kim said "Go now." Then he left. The U.S. agreed.')
    texts = [s.text for s in split_sentences(doc)]
    for t in texts:
        assert t in doc.text
    assert texts[-1] == "The U.S. agreed."
