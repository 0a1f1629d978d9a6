"""City and country names from the packaged GeoNames data."""

from __future__ import annotations

import json

import pytest

from rag import places


def test_every_city_record_is_read():
    # the pattern must match each record of the file, or cities would silently go missing
    raw = (places._DATA / "cities15000.json").read_text(encoding="utf-8")
    assert len(places._CITY_RECORD.findall(raw)) == len(json.loads(raw))


@pytest.mark.parametrize(
    ("text", "cities", "countries"),
    [
        ("Luggage at Beijing Capital International Airport", {"beijing"}, set()),
        ("two matches in Moscow on July 12", {"moscow"}, set()),
        ("Russia requires skilled labor for its Far East development.", set(), {"russia"}),
        ("jobs in the U.S. and in North Korea's factories", set(), {"united states", "north korea"}),
        # people and small towns named like common words are not cities
        ("Kim Jong-un has reportedly turned to Russia", set(), {"russia"}),
        ("Oh Gyeong-seob of the Korea Institute for National Unification", set(), set()),
        ("São Paulo and Zürich", {"sao paulo", "zurich"}, set()),
        # demonyms name their country; close names do not
        ("Russian officials met North Korean leaders", set(), {"russia", "north korea"}),
        ("Iraqi and Australian troops", set(), {"iraq", "australia"}),
    ],
)
def test_cities_and_countries(text, cities, countries):
    assert places.cities(text) == cities
    assert places.countries(text) == countries


@pytest.mark.parametrize(
    ("text", "wanted", "question", "new"),
    [
        ("Pyongyang has decided to relocate them to Russia.", "country",
         "To which country is Pyongyang moving the workers that China told to leave?", {"russia"}),
        # the capital names its country, the demonym too
        ("North Korea is moving the workers that China told to leave.", "country",
         "To which country is Pyongyang moving the workers that China told to leave?", set()),
        ("It hosts the football teams of North Korea and Russia.", "country",
         "Which country's team did the North Korean team meet?", {"russia"}),
        ("The game with a Chinese team was cancelled.", "city", "In which Chinese city was the game?", set()),
        ("It hosted two friendly matches in Moscow.", "city", "In which city were the matches?", {"moscow"}),
        # a capital that acts stands for its government, not for a place
        ("With the borders reopened, Beijing has decided not to tolerate them.", "city",
         "In which Chinese city did factories see unrest?", set()),
        ("This follows Beijing's increased enforcement of sanctions.", "city", "In which city were they?", set()),
        # but "which capital" asks for it in any role
        ("The move aligns with Pyongyang's growing focus on Moscow.", "capital",
         "Which capital has Pyongyang focused on?", {"moscow"}),
        ("The move aligns with Pyongyang's growing focus on Novosibirsk.", "capital",
         "Which capital has Pyongyang focused on?", set()),
        ("They checked in at Beijing Capital International Airport.", "city", "In which city were they?",
         {"beijing"}),
        # a capital in the text names its country: "a growing focus on Moscow" answers with Russia
        ("Pyongyang's focus on Moscow grew after the visit to North Korea in June.", "country",
         "Which country's leader visited North Korea in June?", {"russia"}),
    ],
)
def test_new_places(text, wanted, question, new):
    assert places.new_places(text, wanted, question) == new


@pytest.mark.parametrize(
    ("city", "country", "inside"),
    [("moscow", "russia", True), ("pyongyang", "north korea", True), ("pyongyang", "russia", False),
     ("vladivostok", "russia", True), ("beijing", "north korea", False), ("atlantis", "russia", False)],
)
def test_city_in(city, country, inside):
    assert places.city_in(city, country) is inside


@pytest.mark.parametrize(
    ("text", "within", "new"),
    [
        ("Pyongyang plans to send its IT workers to Russia.", {"russia"}, set()),
        ("The teams played two friendlies in Moscow.", {"russia"}, {"moscow"}),
        ("Workers flew from Beijing to Pyongyang.", set(), {"beijing", "pyongyang"}),
    ],
)
def test_new_cities_within_countries(text, within, new):
    assert places.new_places(text, "city", "Which city did they go to?", within=within) == new


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("which russian city will the NK workers go to", "which Russian city will the NK workers go to"),
        ("capital of canada", "capital of Canada"),
        ("how many nk workers are in china", "how many NK workers are in China"),
        ("is north korea's leader kim", "is North Korea's leader kim"),
        ("what did beijing tell pyongyang", "what did Beijing tell Pyongyang"),
        # pronouns, capitals that are common words, and words that only begin like a people's name stay
        ("tell us about the male workers", "tell us about the male workers"),
        ("what does it indicate", "what does it indicate"),
        ("Which Russian city?", "Which Russian city?"),
    ],
)
def test_places_typed_in_lower_case_are_capitalised(typed, read):
    assert places.capitalise_places(typed) == read
