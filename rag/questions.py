"""What kind of fact a question asks for, and whether a text holds a fact of that kind."""

from __future__ import annotations

import re

from .text import for_matching, name_in, proper_names

_NUMBER_WORDS = (
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?"
    r"|thousands?|millions?|billions?|dozens?|half|twice|double|triple)\b"
)
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b({_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"(19|20)\d\d|\d{4}s|century|decades?|years?|months?|weeks?|ago|since|last|recently|earlier|"
    r"spring|summer|autumn|fall|winter)\b",
    re.IGNORECASE,
)
# digits that are not part of a name such as "Covid-19", or a number word
_HAS_NUMBER = re.compile(rf"(?<![\w-])\d|{_NUMBER_WORDS}", re.IGNORECASE)
# What the question asks for, by its wording. Example: "How many workers ..." -> "number".
_ASKS = (
    ("number", re.compile(r"^\s*(how (many|much|long|old|far|often)|what (percentage|share|number|amount|"
                          r"proportion|sum))\b", re.IGNORECASE)),
    ("date", re.compile(r"^\s*(when\b|(in |during |on )?(what|which) (year|month|day|date|decade|century)\b)",
                        re.IGNORECASE)),
    ("place", re.compile(r"^\s*(where\b|(to |in |from )?(what|which) (country|countries|city|place|region)\b)",
                         re.IGNORECASE)),
    ("person", re.compile(r"^\s*(who|whom)\b", re.IGNORECASE)),
)


def asks_for(question: str) -> str | None:
    """'number', 'date', 'place', 'person' or None: the kind of fact the question's wording requires."""
    for kind, pattern in _ASKS:
        if pattern.search(for_matching(question)):
            return kind
    return None


def holds(text: str, kind: str | None, question: str = "") -> bool:
    """Whether `text` contains a fact of that kind (a place or person must be a name the question lacks)."""
    if kind == "number":
        return bool(_HAS_NUMBER.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind in ("place", "person"):
        asked = proper_names(question)
        return any(not name_in(n, asked) for n in proper_names(text))
    return True
