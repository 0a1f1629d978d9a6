"""The verifier: every sentence of a generated answer must be supported by the evidence it cites."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .places import countries, country_words, is_capital, is_country_in
from .questions import (
    CALENDAR_NAMES,
    NAME_RUN,
    TITLED,
    asked_phrase,
    asks_for,
    asks_outlet,
    attribution,
    facility_words,
    holds,
    other_countrys_roles,
    other_period,
)
from .text import for_matching, name_in, numbers, proper_names, terms, tokens, verb_forms, words
from .types import Evidence

COPIED_SHARE = 0.9  # an answer holding this share of a sentence's words, in order, copies it
MIN_OVERLAP = 0.5  # share of an answer sentence's content terms that must occur in what it cites
# Share of the terms an answer sentence adds to the question that must occur in what it cites. The words
# it shares with the question prove nothing: "North Korea gets stable income from its cooperation with
# Russia" must take "stable income", not just "cooperation", from its sentence.
MIN_NEW_OVERLAP = 0.5

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_REFUSAL = re.compile(
    r"\b(i don'?t know|not (found|mentioned|provided|stated|specified|given|available)|no information|"
    r"(does|do) not (say|mention|specify|state|provide|contain)|cannot (answer|determine|be determined)|unknown)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verified:
    """A checked answer: `text` with markers renumbered 1..len(cited) in order of first use."""

    text: str
    cited: tuple[int, ...]  # 0-based positions in the evidence list, in citation order


@dataclass(frozen=True)
class Rejected:
    """Why a generated answer was not shown."""

    reason: str
    # True when the answer states a number or name found in none of the evidence: the model invented
    # the fact, which happens when the evidence does not hold it, so the pipeline refuses.
    invented: bool = False
    # True when the question asks who or what name and the answer names no one new. The model copies
    # names it is shown; on the gold and calibration questions, failing to name one meant the evidence
    # lacked it in 4 of 5 cases, so with borderline evidence the pipeline refuses. (For "where" it was
    # 3 of 5: no better than chance, so a missing place falls back to a quote instead.)
    unnamed: bool = False
    # The evidence position (0-based) of the sentence the answer took its words from, when that sentence is
    # worth quoting with the best one: the model found the right sentence but said the wrong part of it.
    used: int | None = None


_YES_NO = re.compile(
    r"^\s*(according to [^,]+,\s*)?(is|are|was|were|has|have|had|do|does|did|can|could|will|would|should)\b",
    re.IGNORECASE,
)


# A word that limits the number after it: "over 20", "around 50,000", "nearly 3"
_QUALIFIED = re.compile(
    r"\b(over|more than|fewer than|less than|nearly|almost|around|about|approximately|roughly|some|at least|"
    r"at most|up to|under)\s+\$?(\d[\d,]*(?:\.\d+)?)",
    re.IGNORECASE,
)
# A word that places the month or weekday after it: "last September", "early July", "mid-July"
_TIME_QUALIFIED = re.compile(rf"\b(last|early|late|mid|next|this)[\s-]+({CALENDAR_NAMES})\b", re.IGNORECASE)
# "How much more does it earn than before?" is answered by a ratio or a difference, not by the amount alone.
_COMPARES = re.compile(
    r"\b(how (much|many) (more|less|fewer|higher|lower|bigger|larger|smaller)|how many times|compared? (with|to)|"
    r"in comparison)\b",
    re.IGNORECASE,
)
_RATIO = re.compile(
    r"\b(times|twice|double[sd]?|triple[sd]?|quadruple[sd]?|half|\w+fold|percent|per cent|"
    r"(more|less|fewer|higher|lower|bigger|larger|smaller|greater) than)\b|%",
    re.IGNORECASE,
)


# "What name does China use for the Korean War?", "What does China call the war?": another name for a thing
_NAME_FOR = re.compile(
    r"^\s*(what|which) (other )?name (do|does|did|is|was)\b|^\s*what (do|does|did) [\w' ]{1,40} call\b|"
    r"^\s*what (is|was) [\w' ]{1,30}\bname for\b",
    re.IGNORECASE,
)
# "Which anniversary ...?" (also "According to Lin, which armistice anniversary ...?"): told by its number
_ANNIVERSARY = re.compile(r"\b(what|which) (?:[\w-]+ ){0,3}?anniversary\b", re.IGNORECASE)
# "Where was the flight headed?": a destination, which the evidence writes after "to" or "for"
_DESTINATION_ASKED = re.compile(r"\b(bound|headed|heading|destined|destination)\b", re.IGNORECASE)
# "What kind of game ...": the noun whose kind is asked for
_KIND_OF = re.compile(r"\b(?:kind|type|sort)s? of (\w+)", re.IGNORECASE)


def _vocabulary(text: str) -> set[str]:
    """The text's terms, plus the names of the countries it names by capital or demonym.

    Example: "Pyongyang has been striving ..." -> {"pyongyang", "striving", ..., "north", "korea"}: an answer
    may say "North Korea" for "Pyongyang", as news writing does the other way round.
    """
    return set(terms(text)) | country_words(text)


def _named(name: str, vocabulary: set[str]) -> bool:
    """Whether a name occurs in the vocabulary, a country also by another of its names ("U.S", "America").

    A capital is not another name of its country here: an answer that says "Pyongyang" where the evidence
    says "North Korea" is more precise than its evidence.
    """
    return name_in(name, vocabulary) or (not is_capital(name) and is_country_in(name, vocabulary))


def _invented(answer: str, texts: Sequence[str]) -> list[str]:
    """Numbers and names in the answer that occur in no evidence sentence."""
    joined = " ".join(texts)
    vocab = _vocabulary(joined)
    missing = sorted(numbers(answer) - numbers(joined))
    missing += sorted(n for n in proper_names(answer) if not _named(n, vocab))
    return missing


_CAPITAL_RUN = re.compile(r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)+")


def _names_the_kind(word: str, answer: str, question: str, texts: Sequence[str]) -> bool:
    """Whether an unsupported capitalised word is the question's own noun added to a name the evidence gives:
    "Air Koryo Airline" for "Which airline's flight ...?" names Air Koryo; "The Ministry" names nothing.
    """
    asked = set(terms(question))
    if word not in asked:
        return False
    vocab = _vocabulary(" ".join(texts))
    for run in _CAPITAL_RUN.findall(answer):
        said = terms(run)
        if word in said and any(t != word and t not in asked and t in vocab for t in said):
            return True
    return False


_REPORTING_TERMS = frozenset(terms("said says say added adds told tells stated states noted notes according"))


def _adds_nothing(answer: str, question: str) -> bool:
    """True when the answer's content words all come from the question (it restates, not answers).

    Example: question "What did the closures stop?", answer "The closures stopped." -> True.
    Yes/no questions are exempt: "No, it has not changed." answers "Has it changed?".
    """
    if _YES_NO.match(question):
        return False
    asked = set(terms(question)) | set(terms(" ".join(country_words(question))))  # "United States" for "US"
    # words that only report speech add nothing: "The source added [1]."
    said = (set(terms(answer)) - _REPORTING_TERMS) | numbers(answer)
    return all(_asked(t, asked) for t in said)


def _asked(term: str, asked: set[str]) -> bool:
    """Whether the term is one of the question's, also as a past or -ing form: "fought" is asked by "fight",
    "banning" by "bans"."""
    return name_in(term, asked) or any(f in asked for f in verb_forms(term)) or (
        len(term) > 5 and term.endswith("ing") and bool({term[:-3], f"{term[:-3]}e", term[:-4]} & asked)
    )


def _copied(answer: str, texts: Sequence[str]) -> int | None:
    """The position of the evidence sentence that the answer merely copies whole, or None.

    Example: answer 'China "recently demanded the repatriation," a source said.' for that very sentence -> 0
    """
    said = words(answer)
    for i, text in enumerate(texts):
        sentence = words(text)
        if said and len(said) >= COPIED_SHARE * len(sentence) and " ".join(said) in " ".join(sentence):
            return i
    return None


# Capital letters joined by stops, just before a stop: "U.S", "J"
_INITIALS = re.compile(r"\b(?:[A-Z]\.)*[A-Z]$")


def _segments(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences with the markers that follow each.

    Example: "Russia [1]. They need labour [2][3]." -> [("Russia.", [1]), ("They need labour.", [2, 3])]
    """
    out: list[tuple[str, list[int]]] = []
    pos = 0
    # a sentence ends at . ! or ? followed by space/end, with markers allowed on either side of the stop
    for m in re.finditer(r"((?:\s*\[\d+(?:\s*,\s*\d+)*\])*\s*[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*)(?=\s|$)", answer):
        if "[" not in m.group(1) and _INITIALS.search(answer, 0, m.start()):
            continue  # "the War to Resist U.S. Aggression": the stop of an abbreviation goes on
        piece = answer[pos : m.end()]
        pos = m.end()
        if piece.strip():
            out.append(_strip_markers(piece))
    tail = answer[pos:]
    if tail.strip():
        out.append(_strip_markers(tail))
    return [(t, ns) for t, ns in out if t.strip(" .!?") or ns]


def _strip_markers(piece: str) -> tuple[str, list[int]]:
    ns = [int(n) for m in _MARKER.finditer(piece) for n in m.group(1).split(",")]
    text = " ".join(_MARKER.sub(" ", piece).split())
    text = re.sub(r"\s+([.!?,;:])", r"\1", text)
    return text, ns


def supports(claim: str, cited_texts: Sequence[str], given: str = "") -> bool:
    """True when the cited sentences hold every number and name of the claim and most of its words.

    What the `given` text (the question) says counts as held: "China used student visas to let the workers
    stay despite the ban" answers a question that asked about the ban, which the cited sentence need not
    repeat.
    """
    joined = " ".join(cited_texts)
    if not numbers(claim) <= numbers(joined) | numbers(given):
        return False
    cited_terms = _vocabulary(joined) | _vocabulary(given)
    if not all(_named(n, cited_terms) for n in proper_names(claim)):
        return False
    claim_terms = set(terms(claim))
    if not claim_terms:
        return False
    return sum(name_in(t, cited_terms) for t in claim_terms) / len(claim_terms) >= MIN_OVERLAP


def adds_from(claim: str, cited_texts: Sequence[str], question: str, share: float = MIN_NEW_OVERLAP) -> bool:
    """True when most terms (`share` of them) the claim adds to the question occur in the cited sentences.

    Example: question "What does Russia need the workers for?", claim "Russia needs them for its Far East
    development", cited "Russia requires skilled labor for its Far East development." -> True; cited
    "Russia will use nonworker visas." -> False.
    """
    asked = _vocabulary(question)
    added = {t for t in terms(claim) if not _asked(t, asked)}
    if not added:
        return True  # a claim that adds nothing is judged by the restatement check
    cited_terms = _vocabulary(" ".join(cited_texts))
    return sum(name_in(t, cited_terms) for t in added) / len(added) >= share


def grounded(claim: str, cited_texts: Sequence[str], question: str) -> bool:
    """The cited sentences support the claim, and hold what it adds to the question.

    A yes/no question is no premise: "Yes, Russia hires them" must be all in what it cites.
    """
    given = "" if _YES_NO.match(question) else question
    return supports(claim, cited_texts, given) and adds_from(claim, cited_texts, question)


# Someone the text describes without naming: "a source familiar with the matter", "another source"
_SOMEONE = re.compile(r"\b(?:a|an|another|one|the)\s+(?:[a-z-]+\s+){0,2}(sources?|officials?|insiders?|"
                      r"photographers?|reporters?|journalists?|witness(?:es)?|diplomats?)\b", re.IGNORECASE)


def _someone_unnamed(text: str) -> set[str]:
    """The nouns of unnamed people the text speaks of. Example: "Another source said so." -> {"source"}"""
    return {t for m in _SOMEONE.finditer(text) for t in terms(m.group(1))}


def speaks_unnamed(text: str, question: str) -> bool:
    """Whether the text's words outside its quotation are said by someone unnamed whom the question does not
    mention: "Who told the paper?" and '..., a source familiar with the matter told the paper' -> True; "Who is
    the source?" -> False."""
    return bool(_someone_unnamed(attribution(text)) - set(terms(question)))


def verify(answer: str, evidence: Sequence[Evidence], question: str = "", known: str = "") -> Verified | Rejected:
    """Check a generated answer against the numbered evidence it was given (markers are 1-based).

    With the question given, the answer must also hold the kind of fact asked for (a number for
    "how many", a time for "when", a name the question lacks for "who" and "where") and say something
    the question does not already say. Names in `known` (the conversation before a follow-up) are not new.
    """
    if not answer.strip():
        return Rejected("empty answer")
    if _REFUSAL.search(answer):
        return Rejected("the model declined although the evidence passed the gate")
    texts = [e.sentence.text for e in evidence]
    plain = _MARKER.sub(" ", answer)
    if invented := _invented(plain, texts):
        # Repeating the question's own number or name ("the 50,000 workers") is unsupported, but it is not
        # the model making up the fact asked for, so it is no reason to refuse. A name the question only
        # has as a common word is made up: "Which ministry?" answered "The Ministry is ...".
        asked_numbers, asked_names = numbers(question), proper_names(question)
        made_up = any(item not in asked_numbers and not name_in(item, asked_names)
                      and not _names_the_kind(item, plain, question, texts) for item in invented)
        return Rejected(f"the answer states {', '.join(invented)}, found in no evidence", invented=made_up)
    kind = asks_for(question)
    if question and kind != "person" and (tied := _tied_names(question, texts)):
        # "Which news agency carried the spokesperson's remarks?" is not answered by "Lin Jian", whom the
        # evidence calls the spokesperson: the question already names him. ("Who ...?" asks for such a name.)
        known = f"{known} {tied}"
    question_said = f"{question} {known}"  # what the conversation already said adds nothing either
    if question and numbers(plain) and other_period(question, " ".join(texts)):
        # "What monthly wage do they earn?" answered with a yearly amount: the model made up the figure
        return Rejected("the answer gives an amount for another period than the question asks", invented=True)
    if question and (other := _other_countrys(plain, question, texts)):
        return Rejected(f"the answer names the {other}, not the one the question asks for")
    if question and not holds(plain, kind, question, known):
        # Naming only what the conversation already named, or a place for "which airline", is a wrong answer,
        # not a sign that the documents name no one: a quote of the sentence may well hold the name.
        return Rejected(f"the answer gives no {kind} although the question asks for one",
                        unnamed=kind in ("person", "name") and not holds(plain, kind, question)
                        and not facility_words(plain) - set(terms(question))
                        # "Who supplied the photo?" answered "a source": someone unnamed, whom the question
                        # did not mention, is an answer ("Who is the source?" answered so names no one)
                        and not _someone_unnamed(plain) - set(terms(question))
                        # naming someone who is no outlet for "which newspaper" is naming someone
                        and not (asks_outlet(question) and proper_names(plain) - proper_names(question)))
    if question and _NAME_FOR.search(question) and not (
        holds(plain, "name", question, known)
        and (_new_name_words(plain, question) & proper_names(" ".join(texts)))
    ):
        # "What name does China use for the Korean War?" answered "the Korean War armistice" (or "Armistice"):
        # the name asked for is one the question does not hold, written as a name in the evidence. A quote of
        # the evidence gives it; the sentence is the right one.
        return Rejected("the answer gives no name although the question asks for one")
    if question and _ANNIVERSARY.search(question) and not numbers(plain):
        # "Which anniversary does this year mark?" is answered by "the 71st", not by "the Korean War armistice"
        said = set(terms(plain))  # the sentence the answer took its words from, whatever its marker says
        used = max(range(len(texts)), key=lambda i: (len(said & set(terms(texts[i]))), -i)) if texts else None
        return Rejected("the answer gives no number although the question asks which anniversary", used=used)
    if question and _DESTINATION_ASKED.search(question) and not _gives_destination(plain, texts, question):
        # "Where was the Air Koryo flight bound?" answered with the airport it left from, not "to Pyongyang"
        return Rejected("the answer gives no destination although the question asks for one")
    if _COMPARES.search(question) and not _RATIO.search(plain):
        return Rejected("the answer makes no comparison although the question asks for one")
    if question and _adds_nothing(plain, question_said):
        return Rejected("the answer only restates the question")
    if (copied := _copied(plain, texts)) is not None and copied > 0:
        # The 0.5B model, when it cannot find the answer, often copies a whole sentence that merely shares
        # the question's words; quoting the best sentence serves the reader better.
        return Rejected(f"the answer copies sentence [{copied + 1}] instead of answering")
    order: list[int] = []  # 0-based evidence positions in order of first citation
    rendered: list[str] = []
    for claim, marks in _segments(answer):
        valid = sorted({n - 1 for n in marks if 1 <= n <= len(texts)})  # unknown markers are dropped
        if not claim.strip(" .!?"):
            continue
        if valid and not grounded(claim, [texts[i] for i in valid], question):
            # the model may cite the wrong number: accept the claim only if one sentence supports it alone
            valid = []
        if not valid:
            backing = [i for i in range(len(texts)) if grounded(claim, [texts[i]], question)]
            if not backing:
                return Rejected(f"unsupported: {claim!r}")
            valid = backing[:1]
        for i in valid:
            if i not in order:
                order.append(i)
        refs = "".join(f"[{order.index(i) + 1}]" for i in valid)
        body, end = (claim[:-1], claim[-1]) if claim[-1] in ".!?" else (claim, ".")
        body = body.rstrip(" ,;:")  # "in June, [1]." reads as a cut-off sentence
        rendered.append(f"{body} {refs}{end}")
    if not order:
        return Rejected("no sentence of the answer cites the evidence")
    cited = [texts[i] for i in order]
    sort = _KIND_OF.search(question)
    if sort and not _names_kind(plain, sort.group(1), cited, question):
        return Rejected(f"the answer does not say what kind of {sort.group(1)}")
    if dropped := _dropped_qualifier(plain, cited):
        return Rejected(f"the answer drops {dropped!r} before a number or time")
    if kind != "date" and (event := _time_without_event(plain, cited)):
        # "Which historical episode did he point to?" answered "the 1960s" from "during the Sino-Soviet split in
        # the 1960s": unless the question asks when, the time is not the thing that happened in it
        return Rejected(f"the answer gives the time of the {event} without naming it")
    if _COUNTRY_ASKED.search(question) and (nearer := _nearer_country(plain, question, cited)):
        # "Which country told the workers to go home?" answered "Russia" from "Following China's directive that
        # North Korean workers ... return home, Pyongyang has decided to relocate them to Russia": a quote of the
        # sentence lets the reader see which country did what
        return Rejected(f"the cited sentence puts {nearer.title()} nearer the question's words than the answer's "
                        f"country")
    if other := _other_clause(plain, question, cited):
        # "What does Russia need?" answered "stable foreign income" from "North Korea needs stable foreign
        # income, while Russia requires skilled labor": the words come from the clause about another country
        return Rejected(f"the answer takes its words from the cited clause about {other.title()}")
    return Verified(" ".join(rendered), tuple(order))


# A clause ends at a comma, colon or semicolon, or before "while", "whereas" or "but"
_CLAUSE_BREAK = re.compile(r"[;:,]|\b(?:while|whereas|but)\b", re.IGNORECASE)
# "What does Russia need ...": the words after the auxiliary verb begin with the question's subject
_SUBJECT = re.compile(r"^\s*(?:what|which|how|why|where|when|who)\b[^?]*?\b(?:does|do|did|is|was|are|were|has|have|"
                      r"had|will|would|can|could)\s+(?:the\s+)?(\S+(?:\s+\S+)?)", re.IGNORECASE)


def _lead_country(text: str) -> str | None:
    """The country a clause begins with, as its subject. Example: " North Korea needs income" -> north korea"""
    return next((c for c, ps in _country_positions(text).items() if ps[0] == 0), None)


def _other_clause(answer: str, question: str, cited: Sequence[str]) -> str | None:
    """The country that begins the cited clause the answer takes its words from, when the question asks about
    another country that begins a clause of the same sentence ("A needs X, while B requires Y"); else None.

    Example: ("Russia needs stable foreign income.", "What does Russia need?", ["Both benefit: North Korea
    needs stable foreign income, while Russia requires skilled labor."]) -> "north korea"
    """
    m = _SUBJECT.match(question)
    subject = countries(m.group(1), capitals=True) if m else set()
    if len(subject) != 1:
        return None
    asked = next(iter(subject))
    asked_terms = set(terms(question))
    added = {t for t in terms(answer) if t not in asked_terms and not country_words(t.title())}
    if len(added) < 2:
        return None
    for text in cited:
        clauses = [c for c in _CLAUSE_BREAK.split(text) if c.strip()]
        leads = [_lead_country(c) for c in clauses]
        if asked not in leads:
            continue
        overlap = [len(added & set(terms(c))) for c in clauses]
        best = max(range(len(clauses)), key=lambda i: overlap[i])
        if overlap[best] >= 2 and leads[best] not in (None, asked) and overlap[leads.index(asked)] < overlap[best]:
            return leads[best]
    return None


_COUNTRY_ASKED = re.compile(r"\b(?:which|what) (?:\w+ )?(?:country|countries|nation|nations)\b", re.IGNORECASE)


def _country_positions(text: str) -> dict[str, list[int]]:
    """Token positions of each country the text names (by name, demonym or capital; two-word names too)."""
    toks = [t.removesuffix("'s") for t in tokens(text)]
    found: dict[str, list[int]] = {}
    for i, tok in enumerate(toks):
        if not tok[:1].isupper():
            continue
        named = countries(tok, capitals=True)
        if i + 1 < len(toks):  # "North Korean": a country of the two words together, not of the next alone
            named |= countries(f"{tok} {toks[i + 1]}", capitals=True) - countries(toks[i + 1], capitals=True)
        for c in named:
            found.setdefault(c, []).append(i)
    return found


def _forms(term: str) -> set[str]:
    """The term, the verbs it may be a past form of, and the verb of an -ing form ("relocating": "relocate")."""
    forms = verb_forms(term)
    if term.endswith("ing") and len(term) > 5:
        forms |= {term[:-3], term[:-3] + "e"}
    return forms


def _new_name_words(answer: str, question: str) -> set[str]:
    """Words of the answer's names that are not part of a name the question holds.

    Example: ("Lin Jian's name.", "What name does China use for the war in Lin's remarks?") -> set(): "Jian"
    is the rest of the question's "Lin"
    """
    asked = proper_names(question)
    found: set[str] = set()
    for m in re.finditer(NAME_RUN, for_matching(answer)):
        run = {w.lower().removesuffix("'s") for w in m.group(0).split()}
        if not run & asked:
            found |= run
    return found & (proper_names(answer) - asked)


def _nearer_country(answer: str, question: str, cited: Sequence[str]) -> str | None:
    """Another country of the cited sentences that stands nearer the question's words than the one country
    the answer gives ("which country" questions); None when the answer's country is nearest or not alone.

    Distance is counted in words from a mention of the country to the nearest word of the question (or a
    past form of it) that is no country's. Example: ("Russia.", "Which country told the workers to go home?",
    ["Following China's directive that workers return home, Pyongyang has decided to relocate them to Russia."])
    -> "china"
    """
    asked = countries(question, capitals=True)
    said = countries(answer, capitals=True) - asked
    if len(said) != 1:
        return None
    given = next(iter(said))
    wanted = {f for t in terms(question) if not country_words(t.title()) for f in _forms(t)}
    for text in cited:
        toks = tokens(text)
        near = [i for i, tok in enumerate(toks) if set(terms(tok)) & wanted]
        places = {c: ps for c, ps in _country_positions(text).items() if c not in asked}
        if given not in places or not near:
            continue
        distance = {c: min(abs(p - j) for p in ps for j in near) for c, ps in places.items()}
        closer = [c for c in distance if distance[c] < distance[given]]
        if closer:
            return min(closer, key=lambda c: distance[c])
    return None


# A name right after a common noun ("spokesperson Lin Jian"), right before it when another name follows
# ("Foreign Ministry spokesperson Lin Jian", but not "Air Koryo flight to ..."), or before it with an article
# and at most one word between ("Oh Gyeong-seob, a researcher", "Kim, a senior official")
_TIED = re.compile(
    rf"\b(?P<noun>[a-z]+)\s+(?P<after>{NAME_RUN})|{TITLED}|"
    rf"(?P<before>{NAME_RUN}),?\s+(?:a|an|the)\s+(?P<first>[a-z]+)(?:\s+(?P<second>[a-z]+))?\b"
)


def _tied_names(question: str, texts: Sequence[str]) -> str:
    """Names that the evidence gives to someone or something the question names by a common noun.

    A name directly after the noun ("spokesperson Lin Jian"), directly before it as a title ("Foreign
    Ministry spokesperson Lin Jian") or before it with an article ("Oh Gyeong-seob, a researcher") is the
    question's own subject, not an answer. The nouns the question asks about
    ("Which researcher ...?") are left out.
    Example: ("Which news agency carried the spokesperson's remarks?", ["... spokesperson Lin Jian said
    ..., as quoted by Yonhap News Agency."]) -> "Lin Jian"
    """
    nouns = set(terms(question)) - asked_phrase(question)
    found: list[str] = []
    for text in texts:
        plain = for_matching(text)
        for start in range(len(plain)):  # overlapping: "spokesperson Lin Jian" inside "Ministry spokesperson ..."
            if start and plain[start - 1].isalnum():
                continue
            m = _TIED.match(plain, start)
            if m is None:
                continue
            name = m["after"] or m["title"] or m["before"]
            for noun in (m["noun"], m["role"], m["first"], m["second"]):
                if noun and (stem := terms(noun)) and stem[0] in nouns:
                    found.append(name)
                    break
    return " ".join(found)


def _other_countrys(answer: str, question: str, texts: Sequence[str]) -> str | None:
    """The role the answer's name holds for another country than the question's, as "North Korean leader".

    Example: ("Kim Jong-un", "Which Russian leader visited?", ["North Korean leader Kim Jong-un ..."])
    -> "North Korean leader"
    """
    said = set(terms(answer))
    for text in texts:
        for role, name in other_countrys_roles(question, text):
            if all(name_in(t, said) for t in terms(name)):
                return role
    return None


def _dropped_qualifier(answer: str, cited_texts: Sequence[str]) -> str | None:
    """A word such as "over" or "last" that the cited sentence puts before a number or a month (or weekday)
    that the answer states without it.

    "Over 20 exchanges" is not "20 exchanges", nor "around 50,000 workers" a count of exactly 50,000, and
    "since September" drops the year that "since last September" gives.
    Example: ("They held 20 exchanges.", ["They held over 20 public exchanges."]) -> "over"
    """
    said = for_matching(answer).lower()
    for text in cited_texts:
        for m in _QUALIFIED.finditer(for_matching(text)):
            qualifier, number = m.group(1).lower(), m.group(2)
            if re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,]|\.\d)", said) and not re.search(
                rf"\b{re.escape(qualifier)}\s+\$?{re.escape(number)}", said
            ):
                return qualifier
        for m in _TIME_QUALIFIED.finditer(for_matching(text)):
            qualifier, when = m.group(1).lower(), m.group(2).lower()
            if re.search(rf"\b{when}\b", said) and not re.search(rf"\b{qualifier}[\s-]+{when}\b", said):
                return qualifier
    return None


# A named thing and the year or decade it happened in: "the Sino-Soviet split in the 1960s"
_EVENT_IN_TIME = re.compile(r"((?:[A-Z][\w'-]*\s+)+[a-z]+)\s+in\s+(?:the\s+)?(\d{4}s?)\b")


def _time_without_event(answer: str, cited_texts: Sequence[str]) -> str | None:
    """A named thing that the cited sentence says happened in a year or decade the answer gives without it.

    Example: ("He pointed to the 1960s.", ["... during the Sino-Soviet split in the 1960s," said Oh.]) ->
    "Sino-Soviet split"
    """
    said = set(terms(answer))
    for text in cited_texts:
        for m in _EVENT_IN_TIME.finditer(for_matching(text)):
            event, when = " ".join(m.group(1).split()), m.group(2)
            named = {t for w in event.split() if w[:1].isupper() for t in terms(w)}
            if numbers(when) <= numbers(answer) and named and not named & said:
                return event
    return None


def _names_kind(answer: str, noun: str, cited_texts: Sequence[str], question: str) -> bool:
    """For "what kind of X": the answer uses a word that qualifies X where the cited sentences name X.

    Example: "What kind of game was cancelled?", cited "... cancelled a friendly basketball game ...":
    "The game with a Chinese team was cancelled" -> False, "A basketball game" -> True. When the cited
    sentences put no word before X, there is nothing to check.
    """
    asked = set(terms(question))
    stem = terms(noun)
    qualifiers: set[str] = set()
    for text in cited_texts:
        written = tokens(text)  # case kept: "its IT workforce" -> "it", an acronym, is a qualifier
        for i, w in enumerate(written):
            if stem and terms(w) == stem:
                qualifiers |= {t for t in terms(" ".join(written[max(0, i - 2): i])) if t not in asked}
    if not qualifiers:
        return True
    said = set(terms(answer))
    return any(name_in(q, said) for q in qualifiers)


def _gives_destination(answer: str, texts: Sequence[str], question: str) -> bool:
    """Whether the answer names a place the evidence writes after "to", "for" or "toward(s)", which the
    question does not name; True when the evidence writes no name after these words.

    Example: ("It was bound for Beijing Capital International Airport.", ["... their Air Koryo flight to
    Pyongyang at Beijing Capital International Airport ..."], "Where was the flight bound?") -> False
    """
    asked = proper_names(question)
    after = {
        m.group(1) for text in texts
        for m in re.finditer(rf"\b(?:to|for|toward|towards)\s+(?:the\s+)?({NAME_RUN})", for_matching(text))
    }
    after = {n for n in after if not name_in(n, asked)}
    if not after:
        return True
    said = set(terms(answer))
    return any(all(name_in(t, said) for t in terms(n)) for n in after)
