"""Text normalisation and tokenisation shared by ingestion, BM25, the refusal gate and the verifier."""

from __future__ import annotations

import re
import unicodedata

# One character in, one character out, so offsets into normalised text equal offsets into the original.
_MATCH_TABLE = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",
        "\u202f": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves according said says say tell told does did
    many much kind sort way get got give given make made""".split()
)

# letters and digits of any script ("Straße", "Москва"), numbers kept whole ("1.1", "50,000")
_TOKEN = re.compile(r"[^\W_]+(?:[.,'][^\W_]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_THOUSANDS = re.compile(r"\b(\d+)k\b", re.IGNORECASE)  # "50k" is 50,000


class _Fold(dict[int, str]):
    """Accented Latin letters to their plain letter, one character each: "Ögedei" -> "Ogedei".

    Filled on first sight of each character; a character without a plain Latin base maps to itself.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        parts = unicodedata.normalize("NFKD", char)
        base, marks = parts[:1], parts[1:]
        # a letter plus accents only: "ü" -> "u"; ligatures such as "ﬁ" (two letters) stay as they are
        plain = base if base.isascii() and base.isalpha() and all(unicodedata.combining(m) for m in marks) else char
        self[code] = plain
        return plain


_FOLD = _Fold()


def for_matching(text: str) -> str:
    """Same length as `text`, with no-break spaces, curly quotes and dashes made plain and accents dropped.

    Example: "Yesün Temür’s" -> "Yesun Temur's"
    """
    text = text.translate(_MATCH_TABLE)
    return text if text.isascii() else text.translate(_FOLD)


def _stem(token: str) -> str:
    # A light stemmer: enough to match "workers"/"worker", "earns"/"earn", "relations"/"relation".
    # Example: "countries" -> "country", "workers" -> "worker", "north's" -> "north"
    if token.endswith("'s"):
        token = token[:-2]
    if token.isdigit() or len(token) <= 3:
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Word tokens as written, numbers kept whole ("1.1", "50,000")."""
    return _TOKEN.findall(for_matching(text))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, numbers kept whole ("1.1", "50,000")."""
    return [w.lower() for w in tokens(text)]


def terms(text: str) -> list[str]:
    """Content terms for BM25 and overlap checks: stopwords dropped, lightly stemmed, numbers unified.

    Acronyms survive the stopword list: "IT workers" -> ["it", "worker"], "it works" -> ["work"].
    """
    out = []
    for raw in _TOKEN.findall(for_matching(text)):
        w = raw.lower()
        if w in STOPWORDS and not (len(raw) > 1 and raw.isupper()):
            continue
        if w[0].isdigit():
            out.append(w.replace(",", ""))
        else:
            out.append(_stem(w))
    return out


# Ordinals written out, so "the 4th ruler" and "the fourth ruler" state the same number. "first" and
# "second" are left out: "when did it first ..." and "a second time" are rarely about a position.
_ORDINALS = {
    word: str(n) for n, word in enumerate(
        "third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth "
        "sixteenth seventeenth eighteenth nineteenth twentieth".split(), start=3)
}


def numbers(text: str) -> set[str]:
    """Numbers written in digits or as ordinals, separators removed.

    Example: "$1.1 billion, 50,000, the fourth" -> {"1.1", "50000", "4"}; "4th" -> {"4"}; "50k" -> {"50000"}
    """
    plain = _THOUSANDS.sub(lambda m: m.group(1) + "000", for_matching(text))
    found = {m.replace(",", "") for m in _NUMBER.findall(plain)}
    return found | {_ORDINALS[w] for w in map(str.lower, _TOKEN.findall(plain)) if w in _ORDINALS}


# A capitalised word, or an abbreviation with dots ("U.S", as terms() reads "U.S.")
_NAME = re.compile(r"\b(?:[A-Z]\.)+[A-Z]\b|\b[A-Z][a-zA-Z]*(?:[-'][A-Za-z]+)*\b")


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial or stopwords, lower-cased and stemmed.

    Example: "Why did China tell the workers to leave?" -> {"china"}
    """
    text = for_matching(text)
    found: set[str] = set()
    for m in _NAME.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in ".!?:\"'([":
            continue  # sentence-initial capital says nothing
        w = m.group(0).lower()
        if w in STOPWORDS or w == "i":
            continue
        found.add(_stem(w))
    return found


# Past forms that the light stemmer cannot bring back to the verb: "fought" for "fight".
_IRREGULAR = dict(
    pair.split(":")
    for pair in (
        "became:become began:begin brought:bring built:build came:come chose:choose did:do drew:draw "
        "fell:fall felt:feel fought:fight found:find gave:give got:get grew:grow had:have held:hold "
        "kept:keep knew:know led:lead left:leave lost:lose made:make meant:mean met:meet paid:pay "
        "ran:run rose:rise said:say saw:see sent:send sold:sell spent:spend spoke:speak stood:stand "
        "struck:strike taught:teach thought:think told:tell took:take understood:understand went:go "
        "won:win wrote:write"
    ).split()
)


def irregular_past(word: str) -> bool:
    """Whether the word is a past form the stemmer cannot bring back to its verb ("came", "fought")."""
    return word.lower() in _IRREGULAR


def verb_forms(term: str) -> set[str]:
    """The term and the verbs it may be a past form of.

    Example: "fought" -> {"fought", "fight"}; "used" -> {"used", "use", "us"}; "banned" -> {..., "ban"}
    """
    forms = {term}
    if term in _IRREGULAR:
        forms.add(_IRREGULAR[term])
    elif term.endswith("ied") and len(term) > 4:
        forms.add(term[:-3] + "y")
    elif term.endswith("ed") and len(term) > 3:
        forms |= {term[:-1], term[:-2]}
        if term[-3] == term[-4]:  # "banned" -> "ban"
            forms.add(term[:-3])
    return forms


# Words of one sense that questions put for the text's: "thought to have grown" for "believed to have increased",
# "What term does he use for the relationship?" for "relations with China, its so-called blood ally".
# Word vectors put these pairs too far apart (grown/increased 0.42, thought/believed 0.45).
_SENSES = (
    "grow grew grown growing increase increased increasing rise rose risen rising climb climbed climbing",
    "think thought believe believed consider considered",
    "decrease decreased decreasing decline declined declining fall fell fallen falling drop dropped dropping "
    "shrink shrank shrunk shrinking",
    "relation relationship tie",
    "call called calling term refer referred referring",
    "game match matche fixture",  # "matches" stems to "matche"
    "worker laborer labourer employee",  # "How many laborers ...?" counts "around 50,000 workers"
    "source insider informant",  # "Which newspaper did the insider speak to?"
)
_SENSE = {w: frozenset(group.split()) for group in _SENSES for w in group.split()}


def same_sense(term: str) -> frozenset[str]:
    """The words of the term's sense, the term among them; just the term when it has none listed.

    Example: "grown" -> {"grow", "increase", "increased", "rise", ...}
    """
    return _SENSE.get(term, frozenset((term,)))


def same_name(a: str, b: str) -> bool:
    """Terms that name the same thing, allowing demonyms and inflection.

    Example: ("korean", "korea") -> True, ("chinese", "china") -> True, ("russia", "ukraine") -> False
    """
    if a == b:
        return True
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= 4 and n >= 0.6 * min(len(a), len(b))


def name_in(name: str, vocabulary: set[str] | dict[str, int]) -> bool:
    """Whether a (stemmed, lower-case) name occurs in a set of terms, up to `same_name`."""
    return name in vocabulary or any(same_name(name, t) for t in vocabulary if t[:1] == name[:1])


# Capitalised words in a row, with the small words a name may hold: "United Nations Security Council",
# "Ministry of Foreign Affairs"
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'-]*(?:\s+(?:(?:of|and|for|the)\s+)*[A-Z][\w'-]*)*")
_NAME_FILLERS = frozenset({"of", "and", "for", "the"})


def spelled_out(acronym: str, text: str) -> bool:
    """Whether the text spells out the acronym as capitalised words whose initials it is.

    Examples: ("un", "enforcement of United Nations sanctions") -> True; ("unsc", "the United Nations Security
    Council") -> True; ("unsc", "the UN Security Council") -> True
    """
    letters = acronym.lower().replace(".", "")
    if len(letters) < 2 or not letters.isalpha():
        return False
    for run in _CAPITALISED_RUN.findall(text):
        # an acronym in the run gives all its letters: "UN Security Council" spells out "UNSC"
        initials = "".join(w.lower() if w.isupper() else w[0].lower() for w in run.split() if w not in _NAME_FILLERS)
        if len(initials) >= len(letters) and letters in initials:
            return True
    return False
