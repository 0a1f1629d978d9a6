"""rag/text.py: matching normalisation keeps offsets, folds accents, and finds terms, names and numbers."""

from __future__ import annotations

import pytest

from rag.text import for_matching, numbers, proper_names, same_sense, spelled_out, terms


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Yesün Temür’s", "Yesun Temur's"),
        ("Ögedei\u00a0Khan – “Great Khan”", 'Ogedei Khan - "Great Khan"'),
        ("São Paulo café", "Sao Paulo cafe"),
        # no plain Latin base, or more than one letter: left as they are
        ("Straße, ﬁle, Москва, 北京", "Straße, ﬁle, Москва, 北京"),
    ],
)
def test_for_matching_keeps_length_and_folds_accents(text: str, matched: str) -> None:
    assert for_matching(text) == matched
    assert len(for_matching(text)) == len(text)  # offsets into the matched text are offsets into the original


def test_terms_keep_words_with_non_ascii_letters_whole() -> None:
    assert terms("Zürich Straße workers") == ["zurich", "straße", "worker"]
    assert terms("Москва и Пекин") == ["москва", "и", "пекин"]


def test_a_dotted_abbreviation_is_one_name_as_terms_read_it() -> None:
    # an answer quoting "War to Resist U.S. Aggression" must not hold a name "u" its evidence lacks
    assert "u.s" in proper_names("China's War to Resist U.S. Aggression") & set(terms("Resist U.S. Aggression"))
    assert "u" not in proper_names("China's War to Resist U.S. Aggression")


def test_accented_names_match_their_plain_spelling() -> None:
    assert proper_names("Who was Ögedei's wife?") == proper_names("Who was Ogedei's wife?") == {"ogedei"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1.1 billion and 50,000 workers", {"1.1", "50000"}),
        ("the 4th ruler", {"4"}),
        ("the fourth ruler", {"4"}),
        ("in the twelfth century", {"12"}),
        ("When did he first go back for a second time?", set()),
    ],
)
def test_numbers_in_digits_and_ordinal_words(text: str, expected: set[str]) -> None:
    assert numbers(text) == expected


def test_words_of_one_sense_stand_for_each_other():
    assert {"increased", "rise", "grow"} <= same_sense("grown")
    assert "believed" in same_sense("thought")
    assert "increased" not in same_sense("fell")
    assert "relation" in same_sense("relationship")
    assert "called" in same_sense("term")  # "What term does he use?" and "its so-called blood ally"
    assert same_sense("workers") == {"workers"}  # senses list stems
    assert "worker" in same_sense("laborer")


def test_thousands_written_with_k_are_numbers():
    assert numbers("has the 50k number of workers gone up") == {"50000"}


@pytest.mark.parametrize(
    ("acronym", "text", "spelled"),
    [
        ("un", "Beijing's increased enforcement of United Nations sanctions", True),
        ("unsc", "In 2017, the UN Security Council adopted Resolution 2397", True),
        ("unsc", "the United Nations Security Council", True),
        ("un", "the United States and North Korea", False),
        ("us", "a UN report", False),
    ],
)
def test_an_acronym_spelled_out_by_initials(acronym: str, text: str, spelled: bool) -> None:
    assert spelled_out(acronym, text) is spelled
