"""What kind of fact a question asks for, and whether a text holds a fact of that kind."""

from __future__ import annotations

import re
from collections.abc import Callable

from .places import countries, country_words, is_country_in, new_places
from .text import STOPWORDS, for_matching, irregular_past, name_in, proper_names, same_sense, terms

_NUMBER_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundreds?"
    r"|thousands?|millions?|billions?|dozens?|half|twice|double|triple"
)
_NUMBER_WORDS = rf"\b({_NUMBER_WORD})\b"
_NUMBER_WORDS_SET = frozenset(_NUMBER_WORD.replace("s?", "").split("|"))
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
CALENDAR_NAMES = rf"{_MONTHS}|{_WEEKDAYS}"
_DATE = re.compile(
    rf"\b({CALENDAR_NAMES}|yesterday|today|"
    r"(19|20)\d\d|\d{4}s|century|decades?|years?|months?|weeks?|ago|since|last|recently|earlier|"
    r"spring|summer|autumn|fall|winter)\b",
    re.IGNORECASE,
)
# "In what year ...": only that unit of time answers; "the 1960s" does not say which year
_DATE_UNIT = re.compile(r"^\s*(?:in |during |on |at )?(?:what|which) (?:exact |specific |calendar |precise )?"
                        r"(year|month|day|date|weekday|time(?! (?:of|period|frame|span|line)\b))s?\b( of the week)?",
                        re.IGNORECASE)
_YEAR = r"(?<![\w-])(1\d|20)\d\d(?![\w-])"
_UNIT_FACT = {
    "year": re.compile(_YEAR),
    "month": re.compile(rf"\b({_MONTHS})\b", re.IGNORECASE),
    "day": re.compile(rf"\b({CALENDAR_NAMES}|yesterday|today|tomorrow)\b", re.IGNORECASE),
    "weekday": re.compile(rf"\b({_WEEKDAYS})\b", re.IGNORECASE),
    # a time of day: "What time did the flight leave?" is not answered by "in mid-July"
    "time": re.compile(r"\b\d{1,2}(:\d\d)?\s*(a\.?m\b|p\.?m\b)|\b\d{1,2}:\d\d\b|\bo'clock\b|\b(noon|midnight)\b",
                       re.IGNORECASE),
    # a day of a month: "On what date ...?" is not answered by "on Wednesday" or "in June"
    "date": re.compile(
        rf"\b(({_MONTHS})\.? \d{{1,2}}\b|\d{{1,2}} ({_MONTHS}))|\b\d{{1,2}}/\d{{1,2}}\b|\b\d{{4}}-\d\d-\d\d\b",
        re.IGNORECASE,
    ),
}
# digits that are not part of a name such as "Covid-19", or a number word
_HAS_NUMBER = re.compile(rf"(?<![\w-])\d|{_NUMBER_WORDS}", re.IGNORECASE)
# Named things that a country's name does not name: companies, newspapers, ... and UN bodies
_ORGANISATIONS = (r"compan(y|ies)|firms?|newspapers?|papers?|outlets?|publications?|magazines?|broadcasters?|"
                  r"agenc(y|ies)|airlines?|banks?|brands?|universit(y|ies)|"
                  r"ministr(y|ies)|organi[sz]ations?|publishers?|channels?|websites?")
_BODIES = r"bod(y|ies)|panels?|councils?|committees?"
_ORGANISATION = re.compile(rf"\b({_ORGANISATIONS}|{_BODIES})\b", re.IGNORECASE)
# the title of a report, a book or a film is a name, and a country's name is no title
_TITLE_OF = re.compile(r"^\s*what (is|was|are|were) the titles? of\b", re.IGNORECASE)
# Things known by their names: "Which Russian companies ..." is answered by naming companies. A team is
# known by its name, but "which teams" asks what kind: "the women's football teams of both countries". A
# body counts only in lower case: "Which UN Security Council resolution" asks for a resolution.
_NAMED = rf"{_ORGANISATIONS}|exchanges?|team|parties|party|clubs?|(?-i:{_BODIES})"
# Up to three words between "which" and a place type, none a verb: "Which Russian city", but not
# "Which UN resolution prohibits countries ..." (lower-case words ending in -s or -ed are taken for verbs)
_BEFORE_TYPE = r"(?:(?![a-z]+(?:[^s]s|ed)\b)\w+ ){0,3}"
# "What does each country gain ...": a verb right after "what" means the noun is not what is asked for
_NO_VERB = r"(?!(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could)\b)"
# "What kind of companies ...": a kind, not a name, is asked for
_NO_KIND = r"(?!(?:kinds?|types?|sorts?) of\b)"
# What the question asks for, by its wording. Example: "How many workers ..." -> "number".
_ASKS = (
    ("number", re.compile(r"^\s*(how (many|much|long|old|far|often)|"
                          r"what (is |was |are |were )?(the )?"
                          r"(exact |total |approximate |final )?(percentage|share|number|amount|proportion|sum|"
                          r"scores?))\b",
                          re.IGNORECASE)),
    ("date", re.compile(r"^\s*(when\b|(in |during |on |at )?(what|which) (exact |specific |calendar |precise )?"
                        r"(years?|months?|days?|weekdays?|dates?|decades?|century|"
                        r"time(?! (?:of|period|frame|span|line)\b))\b)",
                        re.IGNORECASE)),
    ("place", re.compile(r"^\s*(where\b|(to |in |from |at )?(what|which) " + _NO_VERB + _BEFORE_TYPE + r"(country|"
                         r"countries|city|cities|capitals?|place|region|province|town)\b)", re.IGNORECASE)),
    ("person", re.compile(r"^\s*(who|whom)\b", re.IGNORECASE)),
    ("name", re.compile(r"^\s*(what (is|was|are|were) the (names?|titles?) of\b|(\w+ )?(what|which) " + _NO_VERB
                        + _NO_KIND + r"([\w.'-]+ ){0,2}(" + _NAMED + r")\b)", re.IGNORECASE)),
)
# "Which city ...", "To which country ...": only a city (or a country) answers these; a capital is a city.
# The words before the type may name a country: "Which Russian city" is answered by a city in Russia.
_PLACE_TYPE = re.compile(
    r"^\s*(?:to |in |from |at )?(?:what|which) (" + _BEFORE_TYPE + r")(cit|countr|town|capital)(?:y|ies|s)?\b",
    re.IGNORECASE,
)
# A part of a country or of the world, written in lower case: "a team in the southeast region"
_DIRECTION = re.compile(r"\b((?:north|south)(?:-?(?:east|west))?(?:ern)?|(?:east|west)(?:ern)?)\b")
# The period an amount is counted over: "How much does a worker earn per month?" is not answered by what
# the workers earn annually.
_PERIODS = {
    period: re.compile(pattern, re.IGNORECASE)
    for period, pattern in (
        ("day", r"\b(daily|(a|one|per|each|every) day)\b"),
        ("week", r"\b(weekly|(a|one|per|each|every) week)\b"),
        ("month", r"\b(monthly|(a|one|per|each|every) month)\b"),
        ("year", r"\b(annual(ly)?|yearly|(a|one|per|each|every) year|per annum)\b"),
    )
}
# Capitalised but not names of a place or person: "photographed in mid-July" does not say where.
_CALENDAR = re.compile(rf"\b({CALENDAR_NAMES})\b", re.IGNORECASE)
# A count asked for as it stands now is not one the text gives for an earlier time: "How many workers are
# in China right now?" is not answered by "The country had earlier deployed around 50,000 workers".
_NOW = re.compile(r"\b(currently|right now|at present|at the moment|these days|so far|to date)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(had|was|were|did|earlier|previously|formerly|originally|once)\b", re.IGNORECASE)
_EARLIER = re.compile(r"\b(earlier|previously|formerly|originally|once)\b", re.IGNORECASE)
# "How long ...?" is answered by a stretch of time, not by a year: "for three years", "since 2017"
_HOW_LONG = re.compile(r"^\s*how long\b(?! ago)", re.IGNORECASE)
_DURATION = re.compile(
    rf"\b(\d[\d,.]*|{_NUMBER_WORD}|a|an|several|many|few)[\s-]+(years?|months?|weeks?|days?|hours?|minutes?|"
    r"decades?|centur(y|ies))\b|\bsince\b",
    re.IGNORECASE,
)
# "How old is the researcher?" is answered by an age ("52-year-old", "aged 52", "Oh Gyeong-seob, 52,"), not by
# the "1960s" of what he said
_AGE_ASKED = re.compile(r"^\s*how old\b", re.IGNORECASE)
_AGE = re.compile(r"\b\d{1,3}[\s-]+years?[\s-]+old\b|\baged \d{1,3}\b|\bage (?:of )?\d{1,3}\b|[A-Za-z], \d{1,3},",
                  re.IGNORECASE)
# "What were the scores of the matches?" is answered by a score such as "2-1" or "3 to 1", not by "two matches"
_SCORE_ASKED = re.compile(r"\bscores?\b", re.IGNORECASE)
# "What share of its income comes from IT workers?" is answered by a percentage or a fraction, not by an amount
_SHARE_ASKED = re.compile(r"^\s*(?:what|which) (?:is |was |are |were )?(?:the )?(?:\w+ )?(percentage|share|proportion|"
                          r"fraction|portion)\b", re.IGNORECASE)
_SHARE = re.compile(r"%|\b(percent|per cent|half|third|thirds|quarter|quarters|fifth|tenth|majority|minority|"
                    r"most|share|proportion|fraction)\b", re.IGNORECASE)
_SCORE = re.compile(r"(?<![\w-])\d{1,3}\s*(?:-|–|—|to)\s*\d{1,3}(?![\w-])")
# ("What is the exact number of IT specialists ...?" counts too; "the number of the resolution" names it)
_HOW_MANY = re.compile(r"^\s*(?:how many|(?:what (?:is|was) )?(?:what |the )?"
                       r"(?:exact |precise |total )?number of(?!\s+(?:the|that|this|its|their|a|an)\b))\s+(.*)$",
                       re.IGNORECASE)
# a count and the three words after it. Example: "around 50,000 workers to China" -> ("50,000", " workers to China")
_COUNT = re.compile(rf"(?<![\w$-])(\d[\d,.]*|\b(?:{_NUMBER_WORD}))\b((?:\W+\w+){{0,3}})", re.IGNORECASE)


# A run of capitalised words, and a title before a noun and a name: "North Korean leader Kim Jong-un"
NAME_RUN = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*"
TITLED = rf"(?P<title>{NAME_RUN})\s+(?P<role>[a-z]+)\s+(?P<name>{NAME_RUN})"
_TITLED = re.compile(TITLED)


# A country's institution named in a question: "Russia's foreign ministry", "the North Korean government"
_INSTITUTION = re.compile(
    r"((?:[A-Z][\w'.-]*\s+)+)(?:foreign\s+|defen[cs]e\s+)?"
    r"(government|ministry|embassy|spokes(?:person|man|woman)|parliament|state media)\b"
)


def institutions(question: str) -> list[tuple[frozenset[str], str]]:
    """(countries, noun) for each institution of a country that the question names.

    Example: "How did Russia's foreign ministry respond?" -> [({"russia"}, "ministry")];
    "Who spoke for the government?" -> []
    """
    found = []
    for m in _INSTITUTION.finditer(for_matching(question)):
        owners = countries(m.group(1), capitals=True)
        if owners:
            found.append((frozenset(owners), m.group(2).lower()))
    return found


def names_institution(text: str, owners: frozenset[str], noun: str) -> bool:
    """Whether the text names that institution of one of those countries: a spokesman for a spokesperson.

    Example: ("Chinese Foreign Ministry spokesperson Lin Jian said", {"china"}, "ministry") -> True;
    ("Russia is expected to employ North Korean workers", {"russia"}, "government") -> False
    """
    said = terms(noun)[0] if not noun.startswith("spokes") else "spokes"
    return any(t.startswith(said) for t in terms(text)) and bool(owners & countries(text, capitals=True))


def other_countrys_roles(question: str, text: str) -> list[tuple[str, str]]:
    """(role, name) for each name the text gives a role of another country than the question gives it.

    Example: ("Which Russian leader visited?", "North Korean leader Kim Jong-un turned to Russia.")
    -> [("North Korean leader", "Kim Jong-un")]
    """
    found = []
    for m in _TITLED.finditer(for_matching(text)):
        role, theirs = m["role"], countries(m["title"], capitals=True)
        asked = re.search(rf"((?:[A-Z][\w'-]*\s+)+){re.escape(role)}\b", question) if theirs else None
        ours = countries(asked.group(1), capitals=True) if asked else set()
        if ours and not ours & theirs:
            found.append((f"{' '.join(m['title'].split())} {role}", m["name"]))
    return found


def other_period(question: str, text: str) -> bool:
    """Whether the text gives an amount per another period than the question asks ("annually" for "monthly")."""
    asked = {p for p, pattern in _PERIODS.items() if pattern.search(question)}
    given = {p for p, pattern in _PERIODS.items() if pattern.search(text)}
    return bool(asked and given and not asked & given)


# "last year" is not "this year": a time relative to now that the question names must be the text's
_RELATIVE_TIME = re.compile(r"\b(this|last|next|previous|past|coming)\s+(year|month|week)\b", re.IGNORECASE)
_SAME_RELATIVE = {"previous": "last", "past": "last", "coming": "next"}


def _relative_times(text: str) -> set[tuple[str, str]]:
    return {(_SAME_RELATIVE.get(w.lower(), w.lower()), u.lower()) for w, u in _RELATIVE_TIME.findall(text)}


def other_relative_time(question: str, text: str) -> str | None:
    """The time relative to now that the text names in place of the question's, or None.

    Example: ("How many exchanges did they hold last year?", "over 20 public exchanges this year alone") ->
    "this year"; the same text for "... this year?" -> None
    """
    asked = _relative_times(question)
    given = _relative_times(text)
    if not asked or asked & given:
        return None
    units = {u for _, u in asked}
    return next((f"{w} {u}" for w, u in sorted(given) if u in units), None)


# "How much does each worker get paid?" asks for an amount per person, which a total does not give
_PER_HEAD_ASKED = re.compile(r"\b(?:each|per|every|individual|average|single)\s+"
                             r"(?:(?!(?:from|to|in|of|for|at|by|with|its|their|year|month|week|day)\b)[\w-]+\s+){0,3}?"
                             r"(?:workers?|persons?|people|employees?|laborers?|labourers?|specialists?|heads?)\b"
                             r"|\bapiece\b", re.IGNORECASE)
_PER_HEAD = re.compile(r"\b(?:each|per|apiece|average|individual(?:ly)?|a head|monthly|wages?|salar(?:y|ies))\b",
                       re.IGNORECASE)


def per_head_missing(question: str, text: str) -> bool:
    """Whether the question asks for an amount per person and the text gives none, only a total.

    Example: ("How much does each IT worker get paid?", "North Korea earns between $750 million and $1.1
    billion annually from its overseas workers") -> True
    """
    return bool(_PER_HEAD_ASKED.search(question)) and not _PER_HEAD.search(text)


def asks_time_unit(question: str) -> bool:
    """Whether the question asks for a year, a month, a day or a date ("On which day of the week ...?")."""
    return time_unit(question) is not None


def time_unit(question: str) -> str | None:
    """The unit of time a "what year/month/day/date" question asks for; "weekday" for a day of the week."""
    if not (m := _DATE_UNIT.match(_asked(question))):
        found = _fragment_kind(question)  # "Resolution 2397 adoption month?"
        return found[1] if found and found[0] == "date" else None
    if m.group(2):
        return "weekday"
    unit = m.group(1).lower()
    # "On which exact day in early July ...?" asks for a day of the month: "early July" does not say it
    return "date" if unit == "day" and re.search(r"\b(exact|precise|calendar)\b", m.group(0), re.IGNORECASE) else unit


def calendar_word(word: str) -> bool:
    """Whether the word names a month or a weekday: capitalised, but not a person or a place."""
    return bool(_CALENDAR.fullmatch(word))


# A clause before the question word: "After scrapping the game, where did it play?"
_LEAD_CLAUSE = re.compile(
    r"^[^,?]*,\s*((?:in |on |at |to |from |during )?(?:where|when|who|whom|which|what|how)\b.*)$",
    re.IGNORECASE | re.DOTALL,
)


# A request for a fact put as a command: "Name the Russian city ...", "Give the exact date ...", "List the sectors"
# ("Give the name China uses ..." is read as typed)
_COMMAND = re.compile(r"^\s*(?:please,?\s+)?(?:name|give(?: me)?|tell me|list|state|identify|provide|mention|cite)\s+"
                      r"(?!(?:(?:the|a|an)\s+)?names?\b|of\b)(?:(?:the|a|an)\s+)?"
                      r"(?!(?:who|whom|whose|what|which|when|where|why|how|whether|if|about)\b)(?=\w)", re.IGNORECASE)
_BOTH = re.compile(r"\band (?:the|a|an|his|her|its|their)\b", re.IGNORECASE)
# A question asked in the place of its answer ("Source spoke on which day?", "Kim visited which country?"):
# the question word and the few words after it end the question, which opens with no asking word
_OPENS_ASKING = re.compile(r"^\W*(?:where|when|who|whom|whose|which|what|how|why|is|are|was|were|do|does|did|has|"
                           r"have|had|can|could|will|would|should|name|list|tell|give|describe|explain)\b",
                           re.IGNORECASE)
# ("The team which won?" is a relative clause: a verb follows "which")
_ECHO = re.compile(r"\b((?:(?:to|in|on|at|from|for|by|during|with) )?(?:(?:what|which)(?!\s+(?:is|are|was|were|do|does|"
                   r"did|has|have|had|will|would|can|could|won|\w+ed)\b)|whom|who|where|when|how many|how much)\b"
                   r"(?:\s+[\w'-]+){0,3}\s*[?.!]*\s*)$", re.IGNORECASE)


# A request wrapped around the question: "Tell me how many ...", "Can you tell me who ...", "Please say when ..."
_REQUEST = re.compile(r"^\s*(?:please,?\s+)?(?:(?:can|could|would) you\s+(?:please\s+)?)?(?:tell me|say|let me know|"
                      r"do you know|i (?:want|would like|'d like) to know)\s+(?=(?:how|what|which|who|whom|whose|"
                      r"when|where|why)\b)", re.IGNORECASE)


# Chat shorthand and contractions typed without their apostrophe, and what they stand for: "whats the name of
# the source" asks what "what is the name of the source" asks. Only whole words are replaced.
_SHORTHAND = {
    "whats": "what is", "whos": "who is", "wheres": "where is", "whens": "when is", "hows": "how is",
    "whys": "why is", "how come": "why", "isnt": "is not", "arent": "are not", "wasnt": "was not",
    "werent": "were not", "dont": "do not", "doesnt": "does not", "didnt": "did not", "hasnt": "has not",
    "havent": "have not", "u": "you", "ur": "your", "yr": "year", "yrs": "years", "govt": "government",
    "ppl": "people", "abt": "about", "bc": "because", "thru": "through", "id": "identity", "ids": "identities",
    "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth",  # "what's in the 2nd photo"
}
_SHORTHAND_WORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SHORTHAND), key=len, reverse=True)) + r")\b(?!')",
                             re.IGNORECASE)


def expand_shorthand(question: str) -> str:
    """The question with chat shorthand spelled out; other text unchanged.

    Only lower-case or capitalised forms are read as shorthand, and "IDs" ("ID" stays). Examples: "whats the name of the
    source" -> "what is the name of the source"; "how come the move matters" -> "why the move matters";
    "what yr was that adopted" -> "what year was that adopted"
    """

    def spelled(m: re.Match[str]) -> str:
        word = m.group(1)
        if not (word.islower() or word[0].isupper() and word[1:].islower() or word == "IDs"):
            return word
        full = _SHORTHAND[word.lower()]
        return full[0].upper() + full[1:] if word[0].isupper() and word[1:].islower() else full

    return _SHORTHAND_WORD.sub(spelled, question)


_CONTRACTED = re.compile(r"\b(what|who|where|when|which|how)'s\b", re.IGNORECASE)
# An estimate asked for by a word before the question word: "Roughly when was the photo taken?", "About how
# many ...?" (the kind patterns read the question without it)
_HEDGED = re.compile(r"^\s*(?:roughly|approximately|about|around|exactly|precisely|just)\s+"
                     r"(?=(?:when|where|who|whom|which|what|how)\b)", re.IGNORECASE)


def _asked(question: str) -> str:
    """The part of the question that asks: after a semicolon, the clause that follows it, and after a
    leading clause, the question word and what follows; a request around it ("Tell me how many ...") is
    left out.

    Examples: "It called off a game; in which city did it play instead?" -> " in which city did it play
    instead?"; "When the game was cancelled, where did they play?" -> "where did they play?"
    """
    asked = _REQUEST.sub("", for_matching(question).rsplit(";", 1)[-1])
    if not _BOTH.search(asked):  # "Name the researcher and the spokesperson" asks for two things
        asked = _COMMAND.sub("what ", asked)  # "Name the Russian city where ..." -> "what Russian city where ..."
    asked = _CONTRACTED.sub(r"\1 is", asked)  # "What's the name ...?" -> "What is the name ...?"
    asked = _HEDGED.sub("", asked)  # "Roughly when was ...?" -> "when was ...?"
    if m := _LEAD_CLAUSE.match(asked):
        return m.group(1)
    if (not _OPENS_ASKING.match(asked) and (m := _ECHO.search(asked)) and not _ASKING_WORD.search(asked[:m.start()])
            and not re.search(r"[.!?:]\s*$", asked[:m.start()])):  # "... in June. Who is that president?"
        # "Source spoke on which day?" -> "on which day Source spoke?"
        return f"{m.group(1).rstrip(' ?.!')} {asked[:m.start()].strip()}?"
    return asked


# Head nouns found by asked_noun() that a sentence answers without using them: "What term does he use?",
# and measures answered by a number ("What is the duration of ...")
_META_NOUNS = frozenset(
    """term word phrase expression name names title episode event incident thing things stuff way manner example
    adjective adjectives verb verbs noun nouns adverb language wording label description
    reason role step measure method means approach strategy tactic effort efforts aspect area field issue topic
    matter factor nickname estimate end ends top bottom range fixture fixtures setup
    point idea group category else official officials person people man woman individual figure
    body form purpose goal result effect change feature one ones case cases circumstance circumstances
    situation situations condition conditions mechanism mechanisms scheme schemes segment segments
    precedent precedents analyst analysts expert experts rule rules project projects setting rift belonging
    activity activities
    belongings
    time date dates day days weekday year years month months decade century period
    duration length size height width depth distance speed rate degree temperature cost price value level
    weight age type types kind kinds sort variety""".split()
)
_META_TERMS = frozenset(t for w in _META_NOUNS for t in terms(w))
_DETERMINERS = frozenset(
    """the a an its his her their our this that these those each every most least main major largest biggest
    smallest highest lowest best worst key primary only same other exact total seldom often
    first second third fourth fifth last next""".split()
)
# Words that end up as the "noun" when a verb the stemmer does not know goes unnoticed: "Which Chinese
# force fought together with ..." -> "together", "Which foreign leader came ..." -> "came". The noun phrase
# was not found, so nothing is checked.
_NOT_NOUNS = frozenset(
    """together next alongside along against across around instead also still already now then again later
    ago first ever never just even""".split()
)
_PARTITIVES = frozenset("kind kinds type types sort sorts part parts form forms".split())
# Where a noun phrase after "which"/"what" ends: a verb, an auxiliary or a preposition
_AUXILIARIES = frozenset(
    """is are was were be been do does did has have had will would can could should may might must of in on at
    for from to with by about besides during under after before between behind than that who which whose whom
    where when""".split()
)
_WHICH_NOUN = re.compile(r"^\s*(?:(?:to|in|from|at|on|for|with|by|under|of) )?(?:what|which) (.*)$", re.IGNORECASE)
_THE_NOUN = re.compile(r"^\s*(?:what|who) (?:is|was|are|were) the (.*)$", re.IGNORECASE)


# Where a question asks its second question: "Which airline did they use, and where were departures seen?"
_SECOND_ASK = re.compile(
    r",?\s+and\s+(?:(?:say|tell me|state)\s+)?"  # "..., and say in which month ..."
    r"(?=(?:(?:in|on|at|to|from|since|for|under|with|by|during|after|before|roughly|about|approximately|around|"
    r"exactly) )?"
    r"(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|has|have|had|do|does|did)\b)",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"^\s*(?:(?:in|on|at|to|from|since|for|about|roughly|according to [^,]+,) )?"
    r"(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|will|name|"
    r"list|give|tell me)\b",
    re.IGNORECASE,
)
MIN_PART_WORDS = 3


def parts(question: str) -> list[str]:
    """The two questions a question joins with "and", each ending in "?"; [] when it asks one thing.

    Example: "Which airline did they use, and where were many departures confirmed?" -> ["Which airline did
    they use?", "Where were many departures confirmed?"]; "Who won, and by how much?" -> [] (too short)
    """
    m = _SECOND_ASK.search(question)
    if not m:
        return []
    first, second = question[: m.start()].strip(" ,"), question[m.end():].strip()
    # the first question may follow a leading clause: "Apart from IT, which sectors' workers are leaving, and ..."
    lead = _LEAD_CLAUSE.match(first)
    if not (_QUESTION_WORD.match(first) or lead and _QUESTION_WORD.match(lead.group(1))) or min(
        len(first.split()), len(second.split())
    ) < MIN_PART_WORDS:
        return []
    return [first.rstrip("?.") + "?", second[0].upper() + second[1:].rstrip("?.") + "?"]


# past participles that end a noun phrase as "-ed" does: "What was the flight number shown in the photo?"
_PARTICIPLES = frozenset("shown seen given taken written known done gone drawn driven grown hidden spoken stolen "
                         "thrown chosen broken begun sworn".split())


def asked_noun(question: str) -> str | None:
    """The noun a "which/what X" or "what/who is the X of" question asks about, when it names a topic.

    The documents must use that word, or one close in meaning, to answer the question. Nouns that an answer
    need not repeat ("which term", "what kind of") and the kinds handled by holds() give None.
    Examples: "Which Chinese province hosted the most workers?" -> "province";
    "What is the population of North Korea?" -> "population"; "What term does he use?" -> None
    """
    kind = asks_for(question)
    asked = _asked(question)
    if kind in ("number", "date", "name") or (kind == "place" and _PLACE_TYPE.match(asked)):
        return None
    m = _THE_NOUN.match(asked) or _WHICH_NOUN.match(asked)
    if not m:
        return None
    head = None
    pieces = [p.strip("?,.;:!\"'()") for p in m.group(1).split()][:6]
    i = 0
    while i < len(pieces):
        raw = pieces[i]
        w = raw.lower()
        nxt = pieces[i + 1].lower() if i + 1 < len(pieces) else ""
        if not raw.isalpha() or w in _AUXILIARIES:
            break
        if w in _PARTITIVES and nxt == "of":
            i += 2
            continue
        if raw[0].isupper() and head is not None:  # a name after the noun opens a clause: "visa China let ..."
            break
        if nxt in _DETERMINERS and pieces[i + 1][:1].isupper():
            # an echoed question's own words follow the noun: "which weapons programs The workforce ... funds?"
            head = w
            break
        if raw[0].isupper() or w in _DETERMINERS or w in _NUMBER_WORDS_SET:  # "Chinese", "its", "main", "two"
            i += 1
            continue
        # a verb or adverb ends the noun phrase: "What happened", "What force changes the ...",
        # "What problem consists of ...", "What castle currently houses ..."
        if (w.endswith(("ed", "ly")) or w in _PARTICIPLES or nxt in _DETERMINERS or (w.endswith("s") and nxt == "of")
                or head is not None and irregular_past(w)):  # "Which Chinese force fought side by side ..."
            break
        # a noun and its verb: "What T cells help ...", "Which resolution forbids member states ..."
        # (but "What kind of visa arrangements is ..." ends on the noun)
        if head is not None and (
            head.endswith("s") and not w.endswith("s")
            or not head.endswith("s") and w.endswith("s") and nxt.isalpha() and nxt not in _AUXILIARIES
        ):
            break
        if w.endswith("ing") and nxt.isalpha() and nxt not in _AUXILIARIES:  # "Which booming markets ..."
            i += 1
            continue
        if w == "head" and nxt == "of" and i + 2 < len(pieces) and pieces[i + 2].lower() in ("state", "government"):
            head = "leader"  # "Which head of state visited?" is answered by "President Vladimir Putin"
            break
        head = w
        i += 1
    if head is None or head in STOPWORDS or head in _NOT_NOUNS or irregular_past(head) or head in _META_NOUNS:
        return None
    stem = terms(head)
    if not stem or stem[0] in _META_TERMS:  # "changes" is the meta noun "change"
        return None
    return stem[0]


# ("Who is the source that talked to the paper?" asks for a name too)
_NAME_OF_THE = re.compile(r"^\s*(?:(?:what (?:is|was|are|were) )?(?:the )?(?:full |exact )?(?:names?|titles?) of|"
                          r"who (?:is|was|are|were) the) (.*)$", re.IGNORECASE)


# "Name the source who told the paper." asks for a name, where "Give the source ..." asks what it is
_NAME_THE = re.compile(r"^\s*(?:please,?\s+)?name (?:the|a|an) (.*)$", re.IGNORECASE)


def named_thing(question: str) -> str | None:
    """What a "what is the name (or title) of X" question wants named, as asked_noun() gives it.

    Examples: "What is the title of the UN report released in March?" -> "report"; "Name the source who told the
    paper." -> "source"
    """
    asked = for_matching(question)  # ("Name the researcher and the spokesperson" names two people)
    m = _NAME_OF_THE.match(_asked(question)) or (None if _BOTH.search(asked) else _NAME_THE.match(asked))
    if not m:
        return None
    thing = re.sub(r"\s+(?:that|who|which)\b.*$", "", m.group(1))  # "the source that talked to ..." -> "source"
    return asked_noun(f"Which {thing}")


_SORT_OF = re.compile(r"\b(?:kind|type|sort)s? of ((?:[\w'-]+ ?){1,3})", re.IGNORECASE)


def sort_asked(question: str) -> list[str]:
    """The terms of what a "what kind of X" question asks the kind of, up to the verb after it.

    Example: "What kind of sporting event did North Korea call off?" -> ["sporting", "event"]
    """
    m = _SORT_OF.search(_asked(question))
    if not m:
        return []
    out = []
    for w in m.group(1).split():
        if w.lower() in _AUXILIARIES or w[:1].isupper():
            break
        out.append(w)
    return terms(" ".join(out))


_ARTICLES = frozenset("a an the its his her their our this that these those".split())
_PHRASE_WORD = re.compile(r"[\w'’-]+|[^\w\s]")


def which_words(noun: str, text: str, question: str) -> set[str]:
    """The terms that tell which of the noun the text means, before it in its noun phrase and not in the question:
    the words between an article (or a possessive) and the noun. An answer to "which X" says one of them.

    Examples: ("game", "North Korea recently canceled a friendly basketball game with a Chinese team", "What game
    did North Korea call off?") -> {"friendly", "basketball"}; ("visit", "after President Vladimir Putin's visit
    to North Korea", "Which visit is meant?") -> {"putin"}; ("resolution", "the UN Security Council adopted
    Resolution 2397", ...) -> set() (no article opens a phrase of lower-case words before it)
    """
    asked = set(terms(question))
    found: set[str] = set()
    pieces = _PHRASE_WORD.findall(for_matching(text))
    for i, w in enumerate(pieces):
        own = terms(w)
        if not own or noun not in same_sense(own[0]):  # the noun itself, or a word of its sense
            continue
        between: list[str] = []
        for j in range(i - 1, max(i - 8, -1), -1):
            before = pieces[j]
            if before.lower() in _ARTICLES:
                found |= {t for b in between for t in terms(b) if t not in asked}
                break
            if before.lower().endswith(("'s", "’s")):  # "Putin's visit": the owner tells which
                found |= {t for b in [before, *between] for t in terms(b) if t not in asked}
                break
            if not re.fullmatch(r"[a-z][\w-]*", before):  # a name or a clause's end: "the UN ... adopted Resolution"
                break
            between.insert(0, before)
    return found


# A relative clause that describes something by another fact: "the country whose president visited North
# Korea in June", "the country that needs skilled labor for its Far East development"
_DESCRIBED = re.compile(
    r"\b(?:the|a|an|its|their) (?:[\w'-]+ ){0,2}?(?:country|nation|city|government|state)\s+"
    r"(?:that|which|whose|where|to which|in which|with which|from which|it|north korea|pyongyang)\b([^,;?]*)",
    re.IGNORECASE,
)


_MAIN_VERB = re.compile(r"\s(?:is|are|was|were|has|have|had|will|would|can|could|does|did|do|should|may|might)\b",
                        re.IGNORECASE)


def described(question: str) -> str:
    """The clauses of a question that describe a country by another fact, which other evidence may hold.

    A clause ends at a comma or at an auxiliary after its own verb, where the question goes on.
    Example: "The country whose president visited North Korea in June is expected to hire what?" ->
    "president visited North Korea in June"
    """
    return " ".join(_clause(m).strip() for m in _DESCRIBED.finditer(question))


def _clause(m: re.Match[str]) -> str:
    """The describing clause of a _DESCRIBED match, up to an auxiliary after its own verb, unstripped."""
    clause = m.group(1)
    if (verb := _MAIN_VERB.search(clause, 1)) and len(clause[: verb.start()].split()) >= 2:
        clause = clause[: verb.start()]
    return clause


_ASKING_WORD = re.compile(r"\b(what|which|who|whom|when|where|why|how)\b", re.IGNORECASE)
# How to ask which country a describing clause means, by the word that opens the clause
_WHICH_COUNTRY = {"that": "Which country", "which": "Which country", "whose": "Which country's",
                  "where": "In which country", "to which": "To which country", "in which": "In which country",
                  "with which": "With which country", "from which": "From which country"}
_COUNTRY_HEAD = re.compile(rf"\w+ (?:[\w'-]+ ){{0,2}}?(country|nation)\s+({'|'.join(_WHICH_COUNTRY)})\b", re.IGNORECASE)


def describing(question: str) -> tuple[str, str] | None:
    """A phrase of the question that names a country by another fact, and a question that asks which
    country that is; None when the question has no such phrase.

    Example: "In which city did North Korea play the country that needs skilled labor for its Far East
    development?" -> ("the country that needs skilled labor for its Far East development", "Which country
    needs skilled labor for its Far East development?")
    """
    for m in _DESCRIBED.finditer(question):
        head = _COUNTRY_HEAD.match(m.group(0))
        if head is None:
            continue
        clause = _clause(m)
        phrase = question[m.start(): m.start(1) + len(clause)].strip()
        clause = clause.strip()
        # a clause that runs on into what the question asks ("... needs skilled labor for what purpose") is
        # not cut off here: the gate's bridge handles it
        if len(clause.split()) < 2 or _ASKING_WORD.search(clause) or re.search(r"[—.:]", clause):
            continue
        return phrase, f"{_WHICH_COUNTRY[head.group(2).lower()]} {clause}?"
    return None


_NAME_OF = re.compile(r"^(?:full |exact )?names? of (?:the |this |that )?", re.IGNORECASE)


def asked_phrase(question: str) -> set[str]:
    """The terms of the few words after "which"/"what" (or "what is the"): what the question asks about.

    Example: "Which news agency carried the spokesperson's remarks?" -> {"news", "agency", "carried"}
    """
    asked = _asked(question)
    m = _THE_NOUN.match(asked) or _WHICH_NOUN.match(asked)
    if not m:
        return set()
    phrase = _NAME_OF.sub("", m.group(1))  # "What is the name of the spokesperson ...?" asks about him
    return set(terms(" ".join(phrase.split()[:3])))


# "Who is Kim Jong-un?" asks what he is ("North Korean leader"), not for a person: the name is given
_WHO_IS_NAMED = re.compile(r"^\s*(?i:who (?:is|was|are|were)) (?:[A-Z][\w.'-]*(?:\s+|\s*,\s*|\s+and\s+|\s*&\s*)?)+"
                           r"[?.!]*\s*$")


def asks_for(question: str) -> str | None:
    """'number', 'date', 'place', 'person' or None: the kind of fact the question's wording requires."""
    asked = _asked(question)
    if _WHO_IS_NAMED.match(asked):
        return None
    for kind, pattern in _ASKS:
        if pattern.search(asked):
            return kind
    found = _fragment_kind(question)
    return found[0] if found else None


# A question typed as a phrase, with no question word ("Air Koryo flight number?", "Resolution 2397 adoption
# month?"), asks for the kind its noun names. It does not open with a word that starts a question or a
# request, and has no question word anywhere ("Source spoke on which day?" is read as usual).
_NOT_FRAGMENT = re.compile(
    r"^\W*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must|name|list|tell|"
    r"give|describe|explain|please|according|in|on|at|to|for|from|during|besides|apart|after|before|since|under|"
    r"by|with|between|among|of|if|and|or|but|so)\b|\b(?:what|which|who|whom|whose|when|where|why|how)\b",
    re.IGNORECASE,
)
_FRAGMENT_NOUNS = (
    ("number", re.compile(r"\b(?:numbers?|amounts?|totals?|counts?|pay|salar(?:y|ies)|wages?|scores?|"
                          r"percentages?)\b", re.IGNORECASE)),
    # not a period ("earnings per year") nor a time the phrase itself gives ("matches this year")
    ("date", re.compile(r"(?<!\bper )(?<!\ba )(?<!\beach )(?<!\bevery )(?<!\bthis )(?<!\blast )(?<!\bnext )"
                        r"\b(years?|months?|days?|dates?)\b", re.IGNORECASE)),
    ("place", re.compile(r"\b(?:cit(?:y|ies)|countr(?:y|ies)|provinces?|towns?|destinations?|locations?|"
                         r"venues?)\b", re.IGNORECASE)),
)
FRAGMENT_WORDS = 12  # longer text without a question word is a statement, not a question typed as a phrase


def _fragment_kind(question: str) -> tuple[str, str] | None:
    """For a question typed as a phrase, the kind of fact its noun asks for and that noun, singular.

    Examples: "Air Koryo flight number?" -> ("number", "number"); "Resolution 2397 adoption month?" ->
    ("date", "month"); "Lin Jian's role?" -> None; "Source spoke on which day?" -> None
    """
    q = for_matching(question)
    if len(q.split()) > FRAGMENT_WORDS or _NOT_FRAGMENT.search(q):
        return None
    for kind, pattern in _FRAGMENT_NOUNS:
        if m := pattern.search(q):
            return kind, m.group(0).lower().removesuffix("s")
    return None


def _count_modifiers(question: str, noun: str) -> set[str]:
    """The words right before a counted noun of a "how many" question that say which of them it counts.

    Example: ("How many cryptocurrency exchanges have they targeted?", "exchange") -> {"cryptocurrency"}:
    "over 20 public exchanges" is no count of them
    """
    m = _HOW_MANY.match(_asked(question))
    if not m:
        return set()
    names = proper_names(question)
    ws = [w for w in m.group(1).split() if w.isalpha() or "-" in w]
    found: set[str] = set()
    for i, w in enumerate(ws):
        if terms(w) == [noun]:
            for before in reversed(ws[:i]):
                t = terms(before)
                if not t or name_in(t[0], names):
                    break
                found.add(t[0])
            break
    return found


# "How much cryptocurrency ...?": what an amount is of, which the sentence giving the amount must say
_HOW_MUCH = re.compile(r"^\s*how much ([a-z][\w-]*)\b", re.IGNORECASE)
_ANY_AMOUNT = frozenset("money cash more less longer time".split())


def measured(question: str) -> str | None:
    """The noun a "how much" question asks the amount of, when it names one.

    Examples: "How much cryptocurrency have they stolen?" -> "cryptocurrency"; "How much money do they make?"
    -> None (any sum is money); "How much does North Korea earn?" -> None
    """
    if not (m := _HOW_MUCH.match(_asked(question))):
        return None
    word = m.group(1).lower()
    if word in _AUXILIARIES or word in _ANY_AMOUNT or word in STOPWORDS or irregular_past(word) or word.endswith("ed"):
        return None
    return word


def counted(question: str) -> list[str]:
    """What a "how many" question counts: its first content terms that are not names.

    Example: "How many North Korean workers were in China?" -> ["worker"]
    """
    m = _HOW_MANY.match(_asked(question))
    if not m:
        return []
    names = proper_names(question)
    out = []
    # "how many women's football friendlies": three words naming what is counted, the noun coming third
    phrase = m.group(1).split()[:3]
    longest = 3 if len(phrase) == 3 and all(
        terms(w) and not w.lower().endswith(("ed", "ing")) for w in phrase) else 2
    for t in terms(m.group(1))[:4]:
        if name_in(t, names):
            continue
        out.append(t)
        if len(out) == longest:
            break
    return out


# "What did Kim Jong-un say about ...": only a sentence that reports what someone said can answer it
_THE_PAGE = re.compile(r"(?:the|this) (?:article|story|piece|passage|text|report|page)", re.IGNORECASE)
_SAID_BY = re.compile(
    r"^\s*what (?:did|does|do|has|have|had|will|would) (.{1,80}?) (?:say|tell|state|announce|claim|comment)\b",
    re.IGNORECASE,
)
_SPEECH = re.compile(
    r"\b(said|says|told|tells|stated|states|announced|claimed|claims|noted|added|commented|wrote|remarked|"
    r"denied|denies|replied|insisted|warned|according to|quoted)\b|[\"“”]",
    re.IGNORECASE,
)


def speaker(question: str) -> str | None:
    """Whose words a "what did X say" question asks for.

    Example: "What did Kim Jong-un say?" -> "Kim Jong-un"
    """
    m = _SAID_BY.match(_asked(question))
    if not m or _THE_PAGE.fullmatch(m.group(1)):  # "What does the article say ...?" asks what the text says
        return None
    return m.group(1)


def reports_speech(text: str, who: str) -> bool:
    """Whether the text reports someone's words and names the speaker's names (or country) itself.

    Example: ("Kim Jong-un has reportedly turned to Russia.", "Kim Jong-un") -> False: no one is quoted
    """
    if not _SPEECH.search(text):
        return False
    said = set(terms(text)) | country_words(text)
    return all(name_in(n, said) for n in proper_names(f"The {who}") | country_words(who, capitals=False))


# The last word of the name of a place that is no organisation: "Beijing Capital International Airport"
_FACILITIES = frozenset(
    "airport station port harbour harbor square street road avenue bridge province region city island river "
    "mountain sea ocean district county".split()
)


def long_names(text: str) -> list[list[str]]:
    """The words, as written, of each name of several capitalised words in the text.

    Example: "at Beijing Capital International Airport in mid-July" -> [["Beijing", "Capital", "International",
    "Airport"]]
    """
    return [ws for run in re.findall(NAME_RUN, for_matching(text)) if len(ws := run.split()) > 1]


def facility_words(text: str) -> set[str]:
    """The words of names of places such as airports and streets, lower-case.

    Example: "at Beijing Capital International Airport" -> {"beijing", "capital", "international", "airport"}
    """
    found = set()
    for name in long_names(text):
        ws = [w.removesuffix("'s").lower() for w in name]
        if ws[-1] in _FACILITIES:
            found.update(ws)
    return found


# News outlets: names ending in one of these words ("the JoongAng Ilbo", "Yonhap News Agency"), and wire
# services known by one word
_OUTLET_HEADS = frozenset(
    "daily ilbo shimbun times post news agency herald journal gazette tribune telegraph guardian press review "
    "weekly magazine broadcasting network television radio chronicle observer".split()
)
_WIRES = frozenset("Reuters Bloomberg AFP AP Xinhua Yonhap Kyodo TASS KCNA Interfax".split())
_OUTLET_ASKED = re.compile(
    r"^\s*(?:(?:to|in|by|from|with|for|of) )?(?:what|which) (?:[\w'-]+ ){0,2}?"
    r"(newspapers?|papers?|outlets?|publications?|media|dailies|magazines?|broadcasters?|"
    r"(?:news|press|wire) (?:agenc(?:y|ies)|services?|outlets?|organi[sz]ations?))\b",
    re.IGNORECASE,
)


def asks_outlet(question: str) -> bool:
    """Whether the question asks which newspaper, news agency or other outlet.

    Example: "Which newspaper did the source speak to?" -> True; "Which agency monitored them?" -> False
    """
    return bool(_OUTLET_ASKED.match(_asked(question)))


def outlets(text: str) -> set[str]:
    """The names of news outlets in the text, as written.

    Example: "told the JoongAng Ilbo, an affiliate of the Korea JoongAng Daily" -> {"JoongAng Ilbo",
    "Korea JoongAng Daily"}
    """
    plain = for_matching(text)
    found = {" ".join(ws) for ws in long_names(plain) if ws[-1].lower() in _OUTLET_HEADS}
    return found | {w for w in re.findall(r"[A-Z][\w-]*", plain) if w in _WIRES}


# A sentence that reports words names who said them, to whom and when outside the quotation marks
_QUOTED = re.compile(r'"[^"]*"')
_REPORTING = re.compile(r"\b(said|says|told|tells|added|according to|quoted|stated|announced|briefing)\b",
                        re.IGNORECASE)
# Words of "which outlet" and "which day" questions that any reported statement matches
REPORT_WORDS = frozenset(
    terms("day days week weekday newspaper paper outlet publication agency news media press wire service "
          "speak spoke talk talked tell say report reported quote quoted remark")
)


def attribution(text: str) -> str:
    """The words of a sentence outside its quotation marks when they say who said something; "" when the
    sentence reports no one's words.

    Example: 'China "recently demanded ...," a source familiar with the matter told the JoongAng Ilbo ... on
    Wednesday.' -> 'China   a source familiar with the matter told the JoongAng Ilbo ... on Wednesday.'
    """
    outside = _QUOTED.sub(" ", for_matching(text))
    return outside if _REPORTING.search(outside) else ""


def quoted(text: str) -> str:
    """The words of a sentence inside its quotation marks."""
    return " ".join(_QUOTED.findall(for_matching(text)))


# Words with which a question asks what someone said, not about them: "According to Lin, ...", "Which decade did
# the researcher point to?"
_ABOUT_WORDS = re.compile(r"\b(?:according|per|said|say|says|saying|told|tell|tells|mention\w*|quot\w+|cit(?:e|es|ed|"
                          r"ing)|describ\w+|call\w*|refer\w*|point\w*|not(?:e|es|ed)|claim\w*|remarks?|comment\w*|"
                          r"stat(?:e|es|ed|ement)|add\w*|brought|bring|rais\w+|highlight\w*|words?|view|"
                          r"example|precedent|speak\w*|spoke|talk\w*|recall\w*|argu\w+|believ\w+|think\w*|"
                          r"predict\w*|expect\w*|warn\w*|den(?:y|ies|ied|ial))\b", re.IGNORECASE)


def asks_what_was_said(question: str) -> bool:
    """Whether the question asks what someone said: "According to Lin, which anniversary ...?" -> True; "How long
    has Lin Jian served as spokesperson?" -> False."""
    return bool(_ABOUT_WORDS.search(question))


# A question about a statement itself: "On which day did the source talk to the paper?"
_STATEMENT = re.compile(r"\b(speak|spoke|spoken|speaking|talk\w*|tell|told|say|said|brief\w*|remarks?|comment\w*|"
                        r"quot\w+|interview\w*)\b", re.IGNORECASE)


# Speaking as an act, without what was said: "When did Oh make his comments?", "When was the briefing given?"
_SPEAKING_ACT = re.compile(r"\b(?:make|made|give|gave|deliver(?:ed)?|offer(?:ed)?) "
                           r"(?:his|her|their|the|these|those|its|such|any) (?:comments?|remarks?|statements?)\b|"
                           r"\b(?:briefings?|interviews?|press conferences?)\b", re.IGNORECASE)


def asks_about_speaking(question: str) -> bool:
    """Whether the question asks about someone's speaking as an act, not about what they said; asked with "when",
    it asks when they spoke.

    Examples: "When did Oh Gyeong-seob make his comments?" -> True; "When did Lin say the army fought?" -> False
    """
    return bool(_SPEAKING_ACT.search(_asked(question)))


def asks_about_report(question: str) -> bool:
    """Whether the question asks which outlet carried a statement, or on which day it was made."""
    return asks_outlet(question) or time_unit(question) in ("day", "weekday")


def asks_about_statement(question: str) -> bool:
    """Whether the question asks about someone's speaking: which outlet, or "when did the source tell ...".

    Example: "On which day did the source talk to the paper?" -> True; "On which day did China demand it?" ->
    False
    """
    return asks_outlet(question) or bool(_STATEMENT.search(_asked(question)))


# "some factories in China" does not say which factories; "other sectors, such as construction" does
_VAGUE = r"(?:some|various|several|many|certain|other|numerous|a few|a number of|unnamed|unspecified)"
_THEN_NAMED = (r"(?!\w|(?:\s+(?:in|of|from|at)(?:\s+[A-Z][\w-]*)+)?"
               r"(?:\s*,?\s*(?:such as|including|like|namely|called|named)\b|\s*[:(]))")


def _every_mention(text: str, noun: str, phrase: Callable[[str], str]) -> bool:
    """Whether the text mentions the noun and every mention stands in the phrase built around its stem."""
    stem = re.escape(noun[:-1] if noun.endswith("y") else noun)
    plain = for_matching(text)
    mentions = re.findall(rf"\b{stem}\w*", plain, re.IGNORECASE)
    return bool(mentions) and len(re.findall(phrase(stem), plain, re.IGNORECASE)) == len(mentions)


def only_vaguely(text: str, noun: str) -> bool:
    """Whether the text speaks of the noun only as some of them, without saying which.

    Example: ("which even caused unrest in some factories in China", "factory") -> True
    """
    return _every_mention(text, noun, lambda stem: rf"\b{_VAGUE}\s+(?:[\w-]+\s+)?{stem}\w*{_THEN_NAMED}")


def only_unnamed(text: str, noun: str) -> bool:
    """Whether the text speaks of the noun only as one it does not name: "a source familiar with the matter", not
    "Oh Gyeong-seob, a researcher" or "a team called ...".

    Examples: ("a source familiar with the matter told the JoongAng Ilbo", "source") -> True;
    ("said Oh Gyeong-seob, a researcher at the institute", "researcher") -> False
    """
    # "a", "another" or "the" ("the source added") and up to two words before the noun, not after a name and its
    # comma, and no name after it
    return _every_mention(text, noun, lambda stem: rf"(?<![A-Za-z],\s)(?<![A-Za-z],)\b(?:an?|another|the)\s+"
                                                   rf"(?:[\w-]+\s+){{0,2}}{stem}\w*(?!\s+(?-i:[A-Z])){_THEN_NAMED}")


# "Why ...?" is answered by a sentence that gives a reason or a purpose
_WHY = re.compile(r"^\s*(why\b|for what (reason|purpose)\b|what (was |is )?(the )?(reason|cause|motive|purpose)\b)",
                  re.IGNORECASE)
_REASON = re.compile(
    r"\b(because|since|as|due to|owing to|thanks to|amid|after|following|given|in response|so that|in order|"
    r"to [a-z]+|reasons?|results?|resulted|prompt\w*|led|leads|causes?|caused|seeks?|sought|aims?|aimed|intent|"
    r"needs?|requires?|benefits?|signals?|fund\w*|for (?:its|their|the|his|her|maximum) [a-z]+)\b",
    re.IGNORECASE,
)


# "Who wrote the article?", "Which reporters are credited in the byline?": who wrote the document itself
_BYLINE_WORD = re.compile(r"\bbylin(?:e|es|ed)\b", re.IGNORECASE)
_AUTHORSHIP = re.compile(r"\b(wrote|written|authored|penned|reporters?|journalists?|authors?|writers?|credited)\b",
                         re.IGNORECASE)
# "this" alone, at the end or before where the page is filed, is the page itself: "who wrote this",
# "what section is this under"
_THIS_PAGE = r"\bthis(?=\s*[?.!]*\s*$| (?:under|in|filed|listed|posted|published)\b)"
_THIS_PIECE = re.compile(r"\b(?:this|the|that) (?:news )?(?:article|story|piece)\b|\b(?:article|story|piece)'s\b|"
                         + _THIS_PAGE, re.IGNORECASE)
# another written thing, or a credit that is not the byline: "Who wrote the UN report?", "the photo's credit"
_OTHER_WORK = re.compile(r"\b(reports?|novels?|books?|plays?|poems?|resolutions?|letters?|laws?|songs?|scripts?|"
                         r"code|languages?|statements?|columns?|photos?|photographs?|pictures?|images?|captions?)\b",
                         re.IGNORECASE)
_ASKS_WHO = re.compile(r"^\s*(?:who|whom|whose names?|name|list|(?:which|what) (?:reporters?|journalists?|writers?|"
                       r"authors?|people|persons?|names?)|what (?:is|are|was|were) the (?:names?|byline)|"
                       r"what (?:the |this |that )?(?:(?:article|story|piece|page)'s )?bylines?)\b",
                       re.IGNORECASE)


_PHOTO = re.compile(r"\b(?:photos?|photographs?|photographed|pictures?|pictured|images?|captions?)\b", re.IGNORECASE)


def asks_about_photo(question: str) -> bool:
    """Whether the question speaks of a photo on the page, which its caption describes.

    Examples: "What does the other airport photo show?" -> True; "Who took the workers' passports?" -> False
    """
    return bool(_PHOTO.search(question))


_YES_NO = re.compile(r"^\W*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b(?! you\b)",
                     re.IGNORECASE)


def asks_yes_no(question: str) -> bool:
    """Whether the question is answered by yes or no: "Did the border closures stop new workers too?".

    Examples: "Has China's stance changed?" -> True; "Can you tell me who spoke?" -> False
    """
    return bool(_YES_NO.match(_asked(question)))


_CREDIT_WORD = re.compile(r"\bcredit(?:s|ed)?\b", re.IGNORECASE)


def asks_photo_credit(question: str) -> bool:
    """Whether the question asks how a photo on the page is credited.

    Examples: "How are the pictures credited?" -> True; "Who supplied the photos?" -> False
    """
    return asks_about_photo(question) and bool(_CREDIT_WORD.search(question))


_WHO_DOES = re.compile(r"^\W*who\s+([a-z][\w'-]*)", re.IGNORECASE)
# Verbs of speaking and telling, which any attribution says ("Who spoke for the government?" - "Lin Jian said";
# "Who tipped off the paper?" - "a source ... told the JoongAng Ilbo"), and
# verbs too light to say what someone did ("Who came up with that figure?")
_SPEAKING_OR_LIGHT = frozenset(
    "say says said speak speaks spoke spoken tell tells told add adds added report reports reported hear hears "
    "heard claim claims claimed state states stated announce announces announced note notes noted comment "
    "comments commented quote quotes quoted talk talks talked inform informs informed tip tips tipped brief briefs "
    "briefed reveal reveals revealed disclose discloses disclosed leak leaks leaked mention mentions mentioned "
    "explain explains explained describe describes described "
    "come comes came get gets got make makes made give gives gave put puts let lets hand hands handed".split()
)


def who_does(question: str) -> str | None:
    """The verb of a "who" question, lower-cased, unless a form of "be", "have" or "do", a verb of speaking or a
    light verb.

    Examples: "Who coaches the women's team?" -> "coaches"; "Who is the spokesperson?" -> None; "Who spoke for
    the government?" -> None
    """
    m = _WHO_DOES.match(_asked(question))
    verb = m.group(1).lower() if m else ""
    return verb if terms(verb) and verb not in _SPEAKING_OR_LIGHT else None


# What a question narrows itself to: "specifically from its IT workers", "IT workers alone", "in Russia specifically"
_ONLY_AFTER = re.compile(r"\b(?:specifically|solely|exclusively|only|just) (?:from|by|for|to|of|in|on|among|at) "
                         r"((?:[\w'-]+ ?){1,5})", re.IGNORECASE)
_ONLY_BEFORE = re.compile(r"((?:[\w'-]+ ){1,4})(?:alone|in particular|specifically(?= *(?:[?,.;:]|$)))\b",
                          re.IGNORECASE)
_WORD = re.compile(r"[\w'-]+")


def _content_run(words: list[str]) -> list[str]:
    """The words up to the first stopword after the leading stopwords ("its IT workers each" -> "IT workers");
    an acronym is no stopword."""
    run: list[str] = []
    for w in words:
        if w.lower() in STOPWORDS and not (len(w) > 1 and w.isupper()):
            if run:
                break
            continue
        run.append(w)
    return run


def narrowed_to(question: str) -> set[str]:
    """Terms of what the question narrows itself to ("specifically", "alone"), which an answer must itself be
    about: a sentence about all of the country's workers does not say what its IT workers alone earn.

    Examples: "How much does North Korea make specifically from its IT workers each year?" -> {"it", "worker"};
    "How much do North Korea's IT workers alone bring in?" -> {"north", "korea", "it", "worker"};
    "What specifically caused the strain?" -> set()
    """
    q = for_matching(question)
    found: list[str] = []
    for m in _ONLY_AFTER.finditer(q):
        found += _content_run(_WORD.findall(m.group(1)))
    for m in _ONLY_BEFORE.finditer(q):
        found += reversed(_content_run(list(reversed(_WORD.findall(m.group(1))))))
    return set(terms(" ".join(found)))


_CONTACT = re.compile(r"\b(?:e-?mail|contact)\b", re.IGNORECASE)
_CONTACT_OF = re.compile(r"\b(?:bylines?|reporters?|journalists?|authors?|writers?|article|story|piece)\b",
                         re.IGNORECASE)
_HEADLINE = re.compile(r"\bheadlines?\b|\btitle (?:of|for) (?:this|the|that) (?:news )?(?:article|story|piece)\b|"
                       r"\b(?:article|story|piece)'s title\b", re.IGNORECASE)
# "What is the title printed at the top of this story?" (not "the title of the person who spoke")
_TITLE_ASKED = re.compile(r"^\W*(?:what|which) (?:is|was) (?:the )?(?:\w+ )?title\b(?! of (?!(?:this|the|that) "
                          r"(?:news )?(?:article|story|piece|page)\b))", re.IGNORECASE)
_AT_TOP = re.compile(r"\b(?:at|on) the top\b", re.IGNORECASE)
# "Whose name is beside the reporter's photo?": the byline's photo shows one of its authors
_REPORTER_PHOTO = re.compile(r"\b(?:reporters?|journalists?|authors?|writers?)(?:'s|s')? (?:photos?|pictures?|"
                             r"images?|headshots?)\b", re.IGNORECASE)
_SECTION = re.compile(r"\b(?:section|category|desk)\b", re.IGNORECASE)
_SECTION_OF = re.compile(r"\b(?:site|website|page|article|story|piece|filed)\b|" + _THIS_PAGE, re.IGNORECASE)


def asks_metadata(question: str) -> str | None:
    """The document metadata field a question asks for, if any: "authors" (the byline), "contact" (the
    byline's e-mail address), "section" (where the site files the story) or "title" (the headline).

    Examples: "Who wrote the article?" -> "authors"; "What email address is listed in the byline?" ->
    "contact"; "Under what section of the site does this story appear?" -> "section"; "Per the headline,
    where are the workers headed?" -> "title"; "Which section of the resolution bans the workers?" -> None
    """
    if _HEADLINE.search(question) and not _OTHER_WORK.search(question):
        return "title"  # "According to the headline, ...": the lead clause names it
    q = _asked(question)
    if _REPORTER_PHOTO.search(q) and _ASKS_WHO.match(q):
        return "authors"
    if _TITLE_ASKED.match(q) and (_THIS_PIECE.search(q) or _AT_TOP.search(q)) and not _OTHER_WORK.search(q):
        return "title"
    if _OTHER_WORK.search(q):
        return None
    if _CONTACT.search(q) and _CONTACT_OF.search(q):
        return "contact"
    if _SECTION.search(q) and _SECTION_OF.search(q):
        return "section"
    return "authors" if asks_byline(question) else None


def asks_byline(question: str) -> bool:
    """Whether the question asks who wrote the document itself: the byline, which is metadata, not text.

    Example: "Who are the reporters on this story?" -> True; "Who wrote the novel Pride and Prejudice?" -> False;
    "When was the article written?" -> False
    """
    q = _asked(question)
    if not (_ASKS_WHO.match(q) or _ASKS_WHO.match(question)) or _OTHER_WORK.search(q):
        return False
    return bool(_BYLINE_WORD.search(q) or _AUTHORSHIP.search(q) and _THIS_PIECE.search(q))


def asks_why(question: str) -> bool:
    """Whether the question asks for a reason or a purpose."""
    return bool(_WHY.match(_asked(question)))


def gives_reason(text: str) -> bool:
    """Whether the text gives a reason or purpose: "as this sector has become ...", "Given the rise in ..."."""
    return bool(_REASON.search(for_matching(text)))


# People named by what they do, as a group: "Intelligence agencies have been monitoring ...", "Experts predict"
_GROUP = re.compile(r"\b(agencies|experts|officials|analysts|authorities|researchers|diplomats|scientists|lawmakers)\b",
                    re.IGNORECASE)


# "Exactly how many", "the precise number": a count the text gives as an estimate does not answer it
_EXACT = re.compile(r"\b(exactly|precisely|exact|precise)\b", re.IGNORECASE)
_APPROXIMATE = frozenset("around about roughly approximately nearly almost some over under estimated".split())


def holds(text: str, kind: str | None, question: str = "", known: str = "") -> bool:
    """Whether `text` contains a fact of that kind.

    A count must be a number (not money) followed closely by what the question counts, and an amount per
    month, day, week or year must not be given for another of these periods; a place, person
    or name must be a name the question does not already contain, and for "which city" or "which
    country" a city or a country.
    """
    if kind == "number":
        if _SCORE_ASKED.search(_asked(question)):
            return bool(_SCORE.search(for_matching(text)))
        if _SHARE_ASKED.match(_asked(question)):
            return bool(_SHARE.search(for_matching(text)))
        if other_period(question, text):
            return False
        if _NOW.search(question) and not _PAST.search(question) and _EARLIER.search(text):
            return False
        if _HOW_LONG.match(_asked(question)):
            return bool(_DURATION.search(text))
        if _AGE_ASKED.match(_asked(question)):
            return bool(_AGE.search(text))
        nouns = counted(question)
        exact = bool(_EXACT.search(question))
        if nouns:
            plain = for_matching(text)
            for m in _COUNT.finditer(plain):
                before = plain[: m.start()].split()
                if before and before[-1][:1].isupper() and len(before) > 1:
                    continue  # part of a name: "Resolution 2397", "Covid 19"
                if exact and (before and before[-1].lower() in _APPROXIMATE or not m.group(1)[0].isdigit()):
                    continue  # "Exactly how many ...?" is not answered by "around 50,000" nor by "hundreds"
                after = set(terms(m.group(2)))
                said = set(terms(text))
                # "How many games ...?" counts "two friendly matches"
                if any((name_in(n, after) or same_sense(n) & after) and not _count_modifiers(question, n) - said
                       for n in nouns):
                    return True
            return False
        return bool(_HAS_NUMBER.search(text))
    if kind == "date":
        unit = time_unit(question)
        fact = _UNIT_FACT.get(unit) if unit else None
        return bool((fact or _DATE).search(text))
    if kind == "person" and (group := _GROUP.search(text)) and not re.search(
        rf"\b{group.group(1)[:5]}", question, re.IGNORECASE
    ):
        return True  # "Who has been monitoring the developments?" "Intelligence agencies have been ..."
    if kind in ("place", "person", "name"):
        text = _CALENDAR.sub(" ", text)
        if kind == "place" and (wanted := _PLACE_TYPE.match(_asked(question))):
            if wanted.group(2).lower() == "countr":
                return bool(new_places(text, "country", question))
            place = "capital" if wanted.group(2).lower() == "capital" else "city"
            return bool(new_places(text, place, question, within=countries(wanted.group(1))))
        if kind == "place" and any(d not in question.lower() for d in _DIRECTION.findall(text)):
            return True  # "in the southeast region"
        # A country the question names another way is not new: "US" for "United States", "Pyongyang" for
        # "North Korea"; neither is the capital of a country it names.
        # the earlier turns of a follow-up (`known`) may name it in any case and position: "Capital
        # International Airport" after a question mark still names the airport
        asked = proper_names(question) | country_words(f"{question} {known}") | set(terms(known))
        # a country opening the sentence is a name too: "Russia is expected to hire them."
        named = proper_names(text) | country_words(text, capitals=False)
        if kind == "name" and asks_outlet(question):
            # "Which newspaper did the source speak to?" is answered by a newspaper's name
            return any(not name_in(o, asked) for o in outlets(text))
        if kind == "name" and (_ORGANISATION.search(_asked(question)) or _TITLE_OF.match(_asked(question))):
            # a country is no company, newspaper or airline: "Which US companies hired them?" is not
            # answered by "IT companies in the United States" ("a Chinese team" does name a team); nor is a
            # place: "Which airline ...?" is not answered by "Beijing Capital International Airport"
            in_names = country_words(text) | facility_words(text)
            named = {n for n in named if n not in in_names and not countries(n.capitalize(), capitals=True)}
        return any(not name_in(n, asked) and not is_country_in(n, asked) for n in named)
    return True
