"""The noun a question asks about, which the evidence must use (or a word close in meaning)."""

from __future__ import annotations

import pytest

from rag.questions import asked_noun


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which Chinese province hosted the most North Korean workers?", "province"),
        ("What is the population of North Korea?", "population"),
        ("Who is the head of the Korea Institute for National Unification?", "head"),
        ("What visa fee does Russia charge?", "fee"),
        ("Which booming markets did North Korea take advantage of?", "market"),
        ("Under what kind of visa arrangements will Russia employ them?", "arrangement"),
        ("What part of its workforce will Pyongyang send on?", "workforce"),
        ("What force changes an object's direction of travel?", "force"),
        ("Which problem consists of both inflationary and deflationary impacts?", "problem"),
        ("What type of T cells help with both innate and adaptive immunity?", "cell"),
        ("Which UN resolution forbids member states from hiring them?", "resolution"),
        # after a semicolon comes what is asked
        ("It called off a game; which team did it play instead?", None),
        # nouns an answer does not repeat: meta nouns, measures, times, and kinds holds() checks
        ("What term does the researcher use for China?", None),
        ("What is the duration of the academic year?", None),
        ("In what cases can the EU not override German law?", None),
        ("On which two dates did the matches take place?", None),
        ("Which newspaper did the source speak to?", None),
        ("In which city were the matches?", None),
        ("How many workers had North Korea deployed?", None),
        # no noun: a verb follows "what", or the question is not a which/what question
        ("What happened in some Chinese factories?", None),
        ("What has Beijing been enforcing?", None),
        ("Why are the workers going to Russia?", None),
    ],
)
def test_asked_noun(question, noun):
    assert asked_noun(question) == noun
