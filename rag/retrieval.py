"""Finding passages (dense + BM25, fused by reciprocal rank), scoring evidence sentences, and the refusal gate."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .documents import is_update_note
from .embedding import Embedder
from .index import Index
from .places import countries, country_words, in_country_name, is_country_in
from .questions import (
    REPORT_WORDS,
    asked_noun,
    asks_about_report,
    asks_about_speaking,
    asks_about_statement,
    asks_for,
    asks_time_unit,
    asks_what_was_said,
    asks_why,
    attribution,
    calendar_word,
    described,
    gives_reason,
    holds,
    institutions,
    long_names,
    measured,
    named_thing,
    names_institution,
    narrowed_to,
    only_unnamed,
    only_vaguely,
    other_countrys_roles,
    other_relative_time,
    per_head_missing,
    quoted,
    reports_speech,
    speaker,
    who_does,
)
from .safety import looks_like_injection
from .text import (
    STOPWORDS,
    name_in,
    numbers,
    proper_names,
    same_sense,
    spelled_out,
    terms,
    tokens,
    verb_forms,
    words,
)
from .types import NOT_COVERED, Evidence, Passage, Sentence, Turn

# A question about changes to the article, which editor's notes answer
_REVISION = re.compile(r"\b(updat\w*|revis\w*|correct(ed|ion)|chang\w* (to|in) the (article|story|report)|"
                       r"editor'?s? note)\b", re.IGNORECASE)
# "When was the article first published, before the update?": the editor's note dates the change, not the article
_FIRST_PUBLISHED = re.compile(r"\b(?:first|originally|initially|original)\b[^?]*\b(?:publi\w*|posted|printed|"
                              r"released|run|ran|out)\b|\bbefore (?:the|its|that)\b[^?]*\bupdate", re.IGNORECASE)
# A sentence that is all quotation: its speaker is the one named after the previous sentence's quotation.
_BARE_QUOTE = re.compile(r'^\s*["“][^"“”]*["”]\s*$')
# What follows a quotation's closing mark: ', said Oh Gyeong-seob, a researcher at ...' or ' Jian added.'
_ATTRIBUTION = re.compile(r'["”]([^"“”]*)$')
# A photo caption: "... as shown in this photo provided by a source.", and a credit after one: "[JOONGANG PHOTO]"
_CAPTION = re.compile(r"\b(?:shown|seen|pictured) in (?:this|the) (?:photo|picture|image)\b", re.IGNORECASE)
_CREDIT = re.compile(r"^\s*\[[^\]]*\b(?:PHOTO|PHOTOS|IMAGE)\b[^\]]*\]\s*$", re.IGNORECASE)
# What a question about a photo asks that its caption says without these words: "Who supplied the
# pictures?", "How is the photo credited?", "What is depicted in the image?"
_CAPTION_TERMS = frozenset(terms("photo photograph photographed picture pictured image caption credit credited "
                                 "shown show depicted supplied provided taken captured"))
# A sentence going on about a count the sentence before gives: "... deployed around 50,000 workers to China ..."
# then "Given the rise in earnings, this number is believed to have increased over time."
_THIS_COUNT = re.compile(r"\b(?:this|that|these|the same) (?:numbers?|figures?|amounts?|totals?|sums?|counts?)\b",
                         re.IGNORECASE)
# "used in the story", "mentioned in the article": a word about the document, not about what it says
_ABOUT_DOCUMENT = re.compile(r"\b(\w+) (?:in|by|from) (?:the|this) (?:article|story|piece|text|passage)\b",
                             re.IGNORECASE)
# A run of capitalised words in an answer: "... relocate them to Russia [1]." -> "Russia"
_NAME = re.compile(r"(?<=[\s(\"'])[A-Z][\w'-]*(?: [A-Z][\w'-]*)*")
RRF_K = 60  # the constant from Cormack et al. (2009); ranks matter, raw scores of the two lists never mix
CANDIDATES = 20  # hits taken from each of the dense and BM25 lists before fusion
EVIDENCE_CHUNKS = 6  # fused passages whose sentences (and their neighbours) compete as evidence
DENSE_WEIGHT = 0.5  # evidence score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * lexical coverage
NEIGHBOUR_WEIGHT = 0.5  # a question term found only in an adjacent sentence counts this much
# A question term the sentence lacks but says in other words ("dispatched" / "deployed" 0.53, "previously" /
# "earlier" 0.58, "labourers" / "workers" 0.82) counts SOFT_WEIGHT when the MiniLM cosine of the two words
# reaches SOFT_COSINE. Measured with the extractive generator over the 2,077 gold questions: 25 more
# answerable ones answered right, 3 fewer unanswerable ones refused (cosine 0.5 / weight 0.5: 15 more and
# 22 fewer; cosine 0.55 / 0.5: 27 and 26; cosine 0.6 / 0.25: 15 and 3).
SOFT_COSINE = 0.55
SOFT_WEIGHT = 0.25
MIN_EVIDENCE_WORDS = 4  # shorter "sentences" are credits and labels such as "[JOONGANG PHOTO]"
# A word counts as saying the noun a question asks about when its MiniLM cosine reaches this. Measured:
# revenue/income 0.66, salary/wages 0.73, treaty/agreement 0.61, leader/president 0.58; province/region
# 0.55, executive/leader 0.55, head/researcher 0.30 (questions that the article does not answer).
SYNONYM_COSINE = 0.57
# The last word of a name says what kind of thing it names, so a looser cosine holds there: "force" / "Army"
# 0.44, "region" / "Far East" 0.56. On the extractive pipeline over the gold questions: 7 more answerable
# questions pass ("Which force did Lin Jian say fought alongside ...?" in four sets), 2 unanswerable ones
# ("Which Russian region will receive the construction workers?"); at 0.5, 2 and 2.
HEAD_COSINE = 0.43
WORD_CACHE = 20_000  # word vectors kept between questions
BRIDGE_SENTENCES = 2  # sentences that may hold what a clause describing a country says
OTHER_EVIDENCE = 8  # sentences that may supply a number or month of the question the candidate lacks
_DOCUMENT_WORDS = frozenset("article story piece text document passage report".split())
COMMON_TERM_SHARE = 0.25
# words that name the kind of place asked for, not what the question is about: any city "says" city
_PLACE_KINDS = frozenset("city cities province provinces region regions town towns country countries place".split())
RUNNER_UP_RATIO = 0.75  # a gate candidate must score this share of the best sentence (0.8 lost two answers)
SPECIFIC_RUNNER_UP_RATIO = 0.7  # the share for a sentence that holds the number or time asked for
# Few sentences hold a number, a time or a name, and one that does passes the gate's other checks only
# when it names what the question names; such a sentence needs this share of min_score. "Which newspaper
# did the source familiar with the matter speak to?" scores 0.32 against the sentence naming the JoongAng
# Ilbo. Measured on the gate alone: 10 more of 621 answerable gold questions pass and 1 of 256 unanswerable
# ones; on 400 SQuAD v2 questions (seeds 0 and 1) no decision changed. With place and person too, two
# unanswerable SQuAD questions passed and no answerable one.
SPECIFIC_KINDS = ("number", "date", "name")
SPECIFIC_SCORE_RATIO = 0.75
# "On which day of the week ...?" wants a weekday, which one or two sentences hold: such a sentence needs
# this share. On the gate alone, 3 more of 761 answerable gold questions pass, no unanswerable one among
# 316, and no decision changed on 400 SQuAD v2 questions (whose "what year" questions are many).
UNIT_SCORE_RATIO = 0.6


@dataclass(frozen=True)
class Gate:
    """The refusal decision and why."""

    answerable: bool
    reason: str
    best: Evidence | None
    # the sentence passed for holding the outlet or the day asked for beside its speaker: the fact is there
    # whatever the model makes of it
    reported: bool = False


def _opens_sentence(word: str) -> bool:
    """A capitalised stopword, not an acronym: "The", "To", "Its" but not "IT"."""
    return word.lower() in STOPWORDS and not word.isupper()


def build_query(question: str, history: Sequence[Turn]) -> str:
    """The retrieval query: the last user turn and the names its answer added, then the question.

    A follow-up often refers to what the previous answer named ("that country"); the rest of the answer
    is left out, or the query would find the sentence that answer quoted. Example: history [user "Where
    are the IT workers being sent?", assistant "Pyongyang is sending them to Russia [1]."], question
    "Why there?" -> "Where are the IT workers being sent? Russia Why there?"
    """
    last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    asked = set(terms(last_user))
    # the answer's first word counts too, as a short answer is often the bare name ("Russia."), but not a
    # capitalised word that only opens the sentence ("To Russia.", "The IT sector.")
    found = [] if last_answer == NOT_COVERED else _NAME.findall(f" {last_answer}")
    found = [" ".join(itertools.dropwhile(_opens_sentence, n.split())) for n in found]
    named = [n for n in dict.fromkeys(found) if n and not set(terms(n)) <= asked]
    return " ".join(part for part in (last_user, *named, question) if part)


def _mentioned(name: str, vocabulary: set[str] | dict[str, int]) -> bool:
    """Whether a name of the question occurs in the vocabulary, a capital also by its country's name.

    Example: "moscow" is mentioned by {"russia", ...}, "america" by {"united", "state", ...},
    "nk-china" by {"north", "korea", "china", ...}
    """
    if name_in(name, vocabulary):
        return True
    if "-" in name.strip("-"):  # "nk-china": each part in its own right
        return all(_mentioned(part, vocabulary) for part in name.split("-") if part)
    return is_country_in(name, vocabulary)


def _demonym(word: str) -> bool:
    """Whether the word is a people's name for a country named by several words: "korean" (North Korea)."""
    return word.endswith("an") and in_country_name(word[:-1])


def _specific_names(names: set[str]) -> set[str]:
    """The names that stand for a person or thing rather than a country or a month.

    A sentence that names one is about what the question asks: "Where does Oh Gyeong-seob work?" is
    answered by "said Oh Gyeong-seob, a researcher at ...". Example: {"oh", "gyeong-seob", "korea-russia",
    "september"} -> {"oh", "gyeong-seob"}
    """
    return {
        n for n in names
        if not all(in_country_name(p) or country_words(p.title()) or calendar_word(p) or _demonym(p)
                   for p in n.split("-") if p)
    }


def _swaps_country(asked: set[str], text: str) -> bool:
    """Whether the text keeps a country of the question but names another in place of a second one.

    Example: asked {"north korea", "china"}, "North Korea and Russia have held 20 exchanges" -> True;
    "The country had deployed 50,000 workers to China" -> False (it only leaves North Korea unsaid);
    asked {"china"} ("Beijing"), "the resolution bans hiring North Korean workers" -> False: a sentence that
    shares no country with the question names its other countries in some other role.
    """
    named = countries(text, capitals=True)
    return bool(asked & named) and bool(asked - named) and bool(named - asked)


def _soft(term: str) -> bool:
    """Whether a term is a word that may be matched by meaning: letters only, longer than three."""
    return term.isalpha() and len(term) > 3


def _with_verb_forms(found: set[str]) -> set[str]:
    """The terms and the verbs they may be past forms of: "denied" also says "deny", "added" "add".

    Forms under three letters are left out: "used" would say "us".
    """
    return found | {f for t in found for f in verb_forms(t) if len(f) >= 3}


def _in_pairs(sentences: Sequence[Sentence]) -> Iterator[tuple[Sentence, Sentence]]:
    """Each sentence with the one before it, within one document."""
    for previous, s in itertools.pairwise(sentences):
        if previous.doc_id == s.doc_id:
            yield previous, s


class Retriever:
    """Hybrid passage search and evidence scoring over one loaded Index."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._by_id = {s.sentence_id: s for s in index.sentences}
        # sentences that address the model are kept in the document but never used as evidence
        self.flagged = {s.sentence_id for s in index.sentences if looks_like_injection(s.text)}
        # An editor's note repeats the words of what it changed ("Added comments by Chinese Foreign Ministry
        # spokesperson"): it is evidence only for questions about changes to the article.
        self.notes = {s.sentence_id for s in index.sentences if is_update_note(s.text)}
        self._word_vecs: dict[str, np.ndarray] = {}
        self._attribution_vecs: dict[int, np.ndarray | None] = {}
        # "Jian added" after "spokesperson Lin Jian said": the attribution's name in full
        self._full_names = self._names_in_full(index.sentences)
        self._speaker_terms = self._speakers(index.sentences, self._full_names)
        self._counted = self._counts_before(index.sentences)
        self._captions = {s.sentence_id for s in index.sentences
                          if _CAPTION.search(s.text) or self.credit_after(s.sentence_id) is not None}

    def retrieve(self, query: str, k: int, qvec: np.ndarray | None = None) -> list[Passage]:
        """The k best chunks by reciprocal-rank fusion of FAISS (cosine) and BM25 rankings."""
        if qvec is None:
            qvec = self.embedder.embed(query)
        dense = self.index.dense_search(qvec, CANDIDATES)
        lexical = self.index.bm25_search(terms(query), CANDIDATES)
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [Passage(self.index.chunks[cid], score) for cid, score in best]

    def evidence(self, question: str, query: str, passages: Sequence[Passage], qvec: np.ndarray) -> list[Evidence]:
        """Sentences of the top passages and their neighbours, scored against the question, best first."""
        ids: set[int] = set()
        skip = self.flagged if _REVISION.search(question) else self.flagged | self.notes
        for p in passages[:EVIDENCE_CHUNKS]:
            for sid in range(p.chunk.first_sentence - 1, p.chunk.last_sentence + 2):
                s = self._by_id.get(sid)
                if (
                    s is not None
                    and s.doc_id == p.chunk.doc_id
                    and sid not in skip
                    and len(words(s.text)) >= MIN_EVIDENCE_WORDS
                ):
                    ids.add(sid)
        if not ids:
            return []
        order = sorted(ids)
        cosines = np.asarray(self.index.sentence_vecs[order], dtype=np.float32) @ qvec
        # A quotation's words dominate its sentence's vector; a question about who said it and to whom ("Which
        # institution does the quoted researcher work for?") matches the words around the quotation better
        cosines = np.maximum(cosines, self._attribution_cosines(order, qvec))
        # "in the story", "does the article say", "used in the piece": words for the document itself, which
        # its text never uses, say nothing about which sentence answers
        about = {t for m in _ABOUT_DOCUMENT.finditer(query) for t in terms(m.group(1))} | _DOCUMENT_WORDS
        weights = {t: self.index.idf(t) for t in set(terms(query))
                   if not (t in about and t not in self.index.sentence_df)}
        own = set(terms(question))
        # Terms of the current question weigh fully; terms that come only from earlier turns weigh half.
        weights = {t: w if t in own else w * 0.5 for t, w in weights.items()}
        total = sum(weights.values()) or 1.0
        # "updated" in a question matches "Update" (irregular pasts are left alone: "sent" is not "send"), and
        # "grown" matches "increased"
        forms = {t: (_with_verb_forms({t}) if t.endswith("ed") else {t}) | same_sense(t) for t in weights}
        # a question word the sentence lacks may be said by a word close in meaning ("dispatched" and
        # "deployed"): it counts SOFT_WEIGHT of its weight
        texts = {sid: terms(self._by_id[sid].text) for sid in order}
        close = self._close_terms([t for t in weights if _soft(t)], texts)
        out = []
        for sid, cos in zip(order, cosines, strict=True):
            s = self._by_id[sid]
            # what the sentence says, with who speaks in it, what "this number" counts and what a caption shows
            mine = _with_verb_forms(set(texts[sid]) | self._named_speaker(sid) | self._counted.get(sid, set())
                                    | (_CAPTION_TERMS if sid in self._captions else set()))
            near = _with_verb_forms(self._neighbour_terms(s))
            covered = sum(
                w if forms[t] & mine else (NEIGHBOUR_WEIGHT * w if forms[t] & near else
                                           SOFT_WEIGHT * w if t in close[sid] else 0.0)
                for t, w in weights.items()
            )
            lexical = covered / total
            dense = float(cos)
            out.append(Evidence(s, DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical, dense, lexical))
        out.sort(key=lambda e: (-e.score, e.sentence.sentence_id))
        return out

    def _attribution_cosines(self, order: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        """For each sentence, the cosine of the question with the words outside its quotation marks when they say
        who spoke (-1 for a sentence with no quotation). Their vectors are embedded once, when first needed."""
        cache = self._attribution_vecs
        missing = [sid for sid in order if sid not in cache]
        if missing:
            said = {sid: attribution(self._by_id[sid].text) for sid in missing}
            said = {sid: text for sid, text in said.items() if text and quoted(self._by_id[sid].text)}
            found = dict(zip(said, self.embedder.embed_batch(list(said.values())), strict=True)) if said else {}
            self._attribution_vecs = {**cache, **{sid: found.get(sid) for sid in missing}}  # a new dict: thread-safe
        vecs = self._attribution_vecs
        return np.array([float(vecs[sid] @ qvec) if vecs[sid] is not None else -1.0 for sid in order], dtype=np.float32)

    def _close_terms(self, wanted: list[str], texts: dict[int, list[str]]) -> dict[int, set[str]]:
        """For each sentence id, the wanted terms that one of its terms is close to in meaning
        (SOFT_COSINE of MiniLM word vectors), all compared in one batch.

        Example: wanted ["dispatched", "previously"], {11: ["country", "earlier", "deployed", ...]}
        -> {11: {"dispatched", "previously"}}
        """
        vocab = sorted({t for ts in texts.values() for t in ts if _soft(t)} - set(wanted))
        if not wanted or not vocab:
            return {sid: set() for sid in texts}
        near = self._cosines(wanted, vocab) >= SOFT_COSINE  # vocab x wanted
        row = {t: i for i, t in enumerate(vocab)}
        out = {}
        for sid, ts in texts.items():
            rows = [row[t] for t in set(ts) if t in row]
            hit = np.asarray(near[rows].any(axis=0)) if rows else np.zeros(len(wanted), dtype=bool)
            out[sid] = {w for w, h in zip(wanted, hit, strict=True) if h}
        return out

    @staticmethod
    def _names_in_full(sentences: Sequence[Sentence]) -> dict[int, set[str]]:
        """For each sentence whose attribution names someone by one word of a name given in full before it in the
        document, the terms of that full name.

        Example: '"...," Chinese Foreign Ministry spokesperson Lin Jian said ...' then '"...," Jian added.' ->
        the second holds {"lin", "jian"}
        """
        found: dict[int, set[str]] = {}
        earlier: dict[str, list[str]] = {}  # each document's names of several words so far
        for s in sentences:
            names = earlier.setdefault(s.doc_id, [])
            if m := _ATTRIBUTION.search(s.text):
                for name in _NAME.findall(" " + m.group(1)):
                    full = next((n for n in reversed(names) if " " not in name and name in n.split()), None)
                    if full is not None:
                        found.setdefault(s.sentence_id, set()).update(terms(full))
            names += [n for n in _NAME.findall(" " + s.text) if " " in n]
        return found

    @staticmethod
    def _speakers(sentences: Sequence[Sentence], full_names: dict[int, set[str]]) -> dict[int, set[str]]:
        """The speaker's terms for each sentence that is all quotation, taken from the attribution that
        follows the quotation before it: a quote goes on past the sentence that names who said it.

        Example: '"North Korea has experience ...," said Oh Gyeong-seob, a researcher at the Korea Institute
        for National Unification.' then '"While it seeks to strengthen ties with Russia, ... its so-called
        blood ally, whenever necessary."' -> the second holds "oh", "researcher", "institute", ... for scoring:
        it answers "What does the researcher say North Korea calls China?"
        """
        found: dict[int, set[str]] = {}
        for previous, s in _in_pairs(sentences):
            if _BARE_QUOTE.match(s.text):
                if previous.sentence_id in found:
                    found[s.sentence_id] = found[previous.sentence_id]  # the same speaker goes on
                elif (m := _ATTRIBUTION.search(previous.text)) and terms(m.group(1)):
                    found[s.sentence_id] = set(terms(m.group(1))) | full_names.get(previous.sentence_id, set())
        return found

    @staticmethod
    def _counts_before(sentences: Sequence[Sentence]) -> dict[int, set[str]]:
        """For each sentence that speaks of "this number" given by the sentence before it, that sentence's terms:
        what the number counts."""
        return {s.sentence_id: set(terms(previous.text)) for previous, s in _in_pairs(sentences)
                if _THIS_COUNT.search(s.text) and numbers(previous.text)}

    def _bridge(self, clause: str, evidence: Sequence[Evidence], top: int = BRIDGE_SENTENCES) -> set[str]:
        """Terms, numbers and countries of the evidence sentences that best match a clause, scored as
        evidence is scored against a question."""
        ids = [e.sentence.sentence_id for e in evidence]
        cosines = np.asarray(self.index.sentence_vecs[ids], dtype=np.float32) @ self.embedder.embed(clause)
        weights = {t: self.index.idf(t) for t in set(terms(clause))}
        total = sum(weights.values()) or 1.0
        scores = []
        for cos, e in zip(cosines, evidence, strict=True):
            mine = _with_verb_forms(set(terms(e.sentence.text)))
            lexical = sum(w for t, w in weights.items() if t in mine) / total
            scores.append(DENSE_WEIGHT * float(cos) + (1 - DENSE_WEIGHT) * lexical)
        found: set[str] = set()
        for i in np.argsort(scores)[::-1][:top]:
            text = evidence[int(i)].sentence.text
            found |= set(terms(text)) | numbers(text) | country_words(text)
        return found

    def is_caption(self, sentence_id: int) -> bool:
        """Whether the sentence is a photo's caption."""
        return sentence_id in self._captions

    def credit_after(self, sentence_id: int) -> Sentence | None:
        """The photo credit right after a caption ("[JOONGANG PHOTO]"), if there is one."""
        s, n = self._by_id.get(sentence_id), self._by_id.get(sentence_id + 1)
        if s is None or n is None or n.doc_id != s.doc_id or not _CREDIT.match(n.text):
            return None
        return n

    @staticmethod
    def _in_their_words(names: set[str], text: str, kind: str, question: str, known: str) -> bool:
        """Whether the fact of the asked kind is inside the quotation of someone the question names, whom the
        sentence names outside it, and not outside it (where a day is when they spoke, not when anything else
        happened to them: "When did Lin Jian become spokesperson?" is not answered by "Thursday")."""
        outside, inside = attribution(text), quoted(text)
        if not (outside and inside) or not holds(inside, kind, question, known):
            return False
        if holds(outside, kind, question, known) and (kind != "date" or asks_about_statement(question)):
            return False  # a time outside the quotation is when they spoke: it answers only a question about that
        said_by, said = set(terms(outside)), set(terms(inside))
        return any(_mentioned(n, said_by) and not _mentioned(n, said) for n in names)

    def _named_speaker(self, sentence_id: int) -> set[str]:
        """Terms naming who speaks in the sentence that it does not say itself: the speaker of a quotation that
        goes on from the sentence before, and the full name of one named by one word ("Jian added")."""
        return self._speaker_terms.get(sentence_id, set()) | self._full_names.get(sentence_id, set())

    def goes_on_about_count(self, sentence_id: int) -> bool:
        """Whether the sentence says more of a count the sentence before it gives ("this number is believed to
        have increased")."""
        return sentence_id in self._counted

    def continues_quote(self, sentence_id: int) -> bool:
        """Whether the sentence is all quotation, going on with the quotation of the sentence before it."""
        return sentence_id in self._speaker_terms

    def _neighbour_terms(self, s: Sentence) -> set[str]:
        found: set[str] = set()
        for sid in (s.sentence_id - 1, s.sentence_id + 1):
            n = self._by_id.get(sid)
            if n is not None and n.doc_id == s.doc_id:
                found.update(terms(n.text))
        return found

    def context_sentences(self, s: Sentence) -> list[str]:
        """The sentence and its neighbours in the same document, in order."""
        parts = []
        for sid in (s.sentence_id - 1, s.sentence_id, s.sentence_id + 1):
            n = self._by_id.get(sid)
            if n is not None and n.doc_id == s.doc_id:
                parts.append(n.text)
        return parts

    def context_text(self, s: Sentence) -> str:
        """The sentence with its neighbours: what a reader sees around it."""
        return " ".join(self.context_sentences(s))

    def _heads_a_name(self, noun: str, text: str) -> bool:
        """Whether a name of several words in the text ends in a word close to the noun (HEAD_COSINE): "which
        force" and "the Chinese People's Volunteer Army"."""
        heads = sorted({name[-1].lower() for name in long_names(text) if name[-1].isalpha()})
        if not heads or not noun.isalpha():
            return False
        return bool((self._cosines([noun], heads) >= HEAD_COSINE).any())

    def says(self, noun: str, text: str) -> bool:
        """Whether the text uses the noun or a word close to it in meaning ("income" for "revenue")."""
        return self.says_any([noun], text)

    def says_any(self, nouns: Sequence[str], text: str) -> bool:
        """Whether the text uses one of the nouns, or a word close in meaning to one of those made of letters.

        All the nouns are compared with the text's words in one batch of word vectors.
        """
        own = set(terms(text)) | (_CAPTION_TERMS if _CAPTION.search(text) else set())  # a caption tells of its photo
        if any(n in own for n in nouns):  # not name_in(): its prefix match takes "provided" for "province"
            return True
        wanted = [n for n in dict.fromkeys(nouns) if n.isalpha()]
        candidates = sorted({w for w in words(text) if w.isalpha() and len(w) > 2 and w not in STOPWORDS})
        if not wanted or not candidates:
            return False
        return bool((self._cosines(wanted, candidates) >= SYNONYM_COSINE).any())

    def says_the_sort(self, sort: Sequence[str], answer: str, cited: Sequence[str], question: str) -> bool:
        """For "what kind of X": the answer uses the cited words closest in meaning to X, if any are close.

        Example: ["sporting", "event"], cited "... canceled a friendly basketball game with a Chinese team ...":
        "A basketball game." -> True; "The Chinese team called off with a Chinese team." -> False
        """
        asked = set(terms(question))
        candidates = sorted({w for t in cited for w in terms(t) if w.isalpha() and w not in asked})
        wanted = [w for w in sort if w.isalpha()]
        if not candidates or not wanted:
            return True
        close = [c for c, row in zip(candidates, self._cosines(wanted, candidates), strict=True)
                 if row.max() >= SYNONYM_COSINE]
        said = set(terms(answer))
        return not close or any(c in said for c in close)

    def _cosines(self, wanted: Sequence[str], candidates: Sequence[str]) -> np.ndarray:
        """MiniLM cosine of each candidate word (rows) with each wanted word (columns), in one batch."""
        vecs = self._vectors([*wanted, *candidates])
        return vecs[len(wanted):] @ vecs[: len(wanted)].T

    def _vectors(self, ws: list[str]) -> np.ndarray:
        """Unit vectors of single words, cached. Safe to call from several request threads at once."""
        cache = self._word_vecs
        found = {w: v for w in dict.fromkeys(ws) if (v := cache.get(w)) is not None}
        missing = [w for w in dict.fromkeys(ws) if w not in found]
        if missing:
            found |= dict(zip(missing, self.embedder.embed_batch(missing), strict=True))
            if len(cache) + len(missing) > WORD_CACHE:
                self._word_vecs = {}  # a new dict: a thread still reading the old one is unaffected
            self._word_vecs.update((w, found[w]) for w in missing)
        return np.stack([found[w] for w in ws])

    def gate(
        self,
        question: str,
        evidence: Sequence[Evidence],
        min_score: float,
        look: int = 4,
        query: str = "",
        sure_score: float = 0.6,
    ) -> Gate:
        """Decide whether the documents answer the question, from the evidence alone.

        A candidate among the `look` best sentences (and, for a number or a time, the `look` best that hold
        one) passes when (1) its score reaches `min_score` (SPECIFIC_SCORE_RATIO of it for a sentence that
        holds the number, time or name asked for, UNIT_SCORE_RATIO for the year, month or day asked for),
        (2) every name and number in the question, and the noun asked about ("which province") or a word
        close to it in meaning, occur in the sentence or right around it (a number or month may come from
        other good evidence when the sentence has some of the question's names and numbers), and (3) it
        holds the kind of fact the question asks for (a count of the right thing for "how many", a time for
        "when", a name the question lacks for "who" and "where", a city or country for "which
        city/country", someone's reported words for "what did X say").
        (4) For those kinds, the sentence itself must use a word of the question (or of `query`, for a
        follow-up) besides names, or one close in meaning: the fact must not come from a sentence that only
        its neighbour ties to the question. A number or a time must not come from a sentence that puts
        another country in the place of one the question names. (5) A candidate after the first must score
        RUNNER_UP_RATIO of the best sentence: when the best match lacks the fact, a much weaker one is about
        something else; but when a sure match (`sure_score`) lacks the person asked for, the next sentence
        may name who said it, needing only SPECIFIC_SCORE_RATIO of `min_score`. Such a weaker candidate must
        also share a word with the question that is not common in the documents (in more than
        COMMON_TERM_SHARE of the sentences, as "workers" is here), or one close to it in meaning, when the
        documents use any of the question's uncommon words at all.
        (6) For "which newspaper" or "on which day" of a statement, a sentence passes whatever its score
        when the outlet or day stands outside its quotation marks beside a word of the question. (7) "Why"
        wants a word that gives a reason in or around the sentence; "which X" is not answered by "some X".
        `rag calibrate` finds the `min_score` that maximises the balanced accuracy of answer-vs-refuse on
        eval/gold/calibration.jsonl (0.35 to 0.38 there). The default, 0.33, was then chosen over all the gold
        sets, whose near misses the rules above refuse: from 0.35 it answers nine more questions that score
        0.33 to 0.35 and refuses as many as before; 0.31 gains one and loses one.
        """
        if not evidence:
            return Gate(False, "no passage matched the question", None)
        names = proper_names(question)
        nums = numbers(question)
        corpus_vocab = self.index.sentence_df
        unknown = sorted(n for n in names if not _mentioned(n, corpus_vocab))
        if unknown:  # ("UNSC" spelled out as "UN Security Council" is mentioned)
            said = " ".join(e.sentence.text for e in evidence)
            unknown = [n for n in unknown if not spelled_out(n, said)]
        if unknown:
            return Gate(False, f"the documents never mention {', '.join(unknown)}", None)
        kind = asks_for(question)
        naming = named_thing(question)  # "What is the name of the source ...?"
        noun = asked_noun(question) or naming
        who = speaker(question)
        # What the conversation asks about besides names: "Where was the summit held?" -> ["summit", "held"].
        # The query (see build_query) adds the previous question's words, which a follow-up refers back to.
        named = set(terms(" ".join(names))) | country_words(question)  # "Korea-Russia" -> korea, russia
        topic = [t for t in dict.fromkeys(terms(query or question)) if not name_in(t, named) and t not in nums]
        specific = _specific_names(names)  # a sentence naming one of these is on topic
        asked_countries = countries(question, capitals=True)
        reasons = []
        # A sentence that holds what is asked but matches the question far worse than the best one is
        # another topic: "Which US companies hired them?" is not answered by a sentence naming Russia.
        floor = max(min_score, RUNNER_UP_RATIO * evidence[0].score)
        known = query if query != question else ""  # the earlier turns of a follow-up
        fact: dict[int, bool] = {}  # sentence id -> whether it holds the kind of fact asked for

        def has_fact(e: Evidence) -> bool:
            sid = e.sentence.sentence_id
            if sid not in fact:
                fact[sid] = holds(e.sentence.text, kind, question, known)
            return fact[sid]

        candidates = list(evidence[:look])
        spoke = None
        if kind == "person" and evidence[0].score >= sure_score:
            # "Who spoke for the government when it denied the rumors?": the denial, then the words of the
            # one who spoke for it, named in the next sentence
            after = next((e for e in evidence if e.sentence.sentence_id == evidence[0].sentence.sentence_id + 1), None)
            if after is not None and _ATTRIBUTION.search(after.sentence.text) and has_fact(after):
                spoke = after
                if after not in candidates:
                    candidates.append(after)
        if kind in ("number", "date"):
            # only a few sentences hold a number or a time: the one asked for may rank below sentences that
            # share more of the question's words ("Roughly how many workers had North Korea sent to China?")
            holding = [e for e in evidence if has_fact(e)]
            candidates += [e for e in holding[:look] if e not in candidates]
        revision = bool(_REVISION.search(question))
        if revision:
            # "When was the story revised?": the editor's note says it, in words ("Update, August 1") that match
            # the question poorly; it is evidence only for such questions (see evidence)
            candidates += [e for e in evidence if e.sentence.sentence_id in self.notes and e not in candidates]
        reported: list[Evidence] | None = None
        statement = False
        # a question about when someone spoke, not about what they said
        speaking = kind == "date" and asks_about_speaking(question)
        if asks_about_report(question):
            reported = []
            # "Which newspaper did the source speak to?", "On which day did the spokesperson give the briefing?":
            # a sentence that reports words says to whom and when beside its speaker, outside the quotation
            # marks. Its score measures what was said, which such a question leaves out, so it passes on
            # holding the outlet or the day there, next to a word of the question ("source"; a word close
            # in meaning is not enough: "quoted" is close to "source"), or anywhere in it when the question
            # asks about the speaking ("When did the insider tell the paper about the demand?"), or next to
            # a name of the question when it has no other word ("Which newspaper did Lin Jian speak to?").
            # "On which day did China demand it?" is not answered by the day a source spoke of the demand.
            cues = {s for t in topic if t not in REPORT_WORDS for s in same_sense(t)}  # "insider" is a source
            statement = asks_about_statement(question)
            for e in evidence:
                outside = attribution(e.sentence.text)
                if not outside or not holds(outside, kind, question, known):
                    continue
                beside = _with_verb_forms(set(terms(outside)))
                if (
                    cues & beside
                    or statement and cues and cues & _with_verb_forms(set(terms(e.sentence.text)))
                    or not cues and any(_mentioned(n, beside) for n in names)
                ):
                    reported.append(e)
            candidates += [e for e in reported[:look] if e not in candidates]
        # numbers and months of the question said by other good evidence: a question may tie two
        # sentences together ("the country whose president visited in June")
        elsewhere = {
            w for e in evidence[:OTHER_EVIDENCE] if e.score >= min_score
            for w in (*terms(e.sentence.text), *numbers(e.sentence.text))
        } if nums or any(calendar_word(n) for n in names) else set()
        # what a clause describing a country says ("whose president visited in June") may be in the sentence
        # that the clause itself matches best
        clause = described(question)
        in_clause = proper_names(clause) | numbers(clause)
        bridge = self._bridge(clause, evidence) if in_clause else set()
        # the question's words that are not common in the documents (in more than COMMON_TERM_SHARE of the
        # sentences), checked only when the documents use one of them at all ("sent" may be said as "deployed")
        common = COMMON_TERM_SHARE * len(self.index.sentences)
        uncommon = [t for t in topic if self.index.sentence_df.get(t, 0) <= common and t not in _PLACE_KINDS]
        if not any(t in self.index.sentence_df for t in uncommon):
            uncommon = []
        narrowed = narrowed_to(question)
        # what the person a "who" question asks for does: "coaches" (and its forms), said where they are found
        verb = who_does(question) if kind == "person" else None
        verb_terms = terms(verb) if verb else []
        for e in candidates:
            # a sentence that holds the number, time or name asked for needs less of the question's wording
            threshold = floor
            if reported and e in reported or revision and e.sentence.sentence_id in self.notes:
                threshold = 0.0
            elif e is spoke:
                threshold = SPECIFIC_SCORE_RATIO * min_score
            elif kind in SPECIFIC_KINDS and has_fact(e):
                ratio = UNIT_SCORE_RATIO if kind == "date" and asks_time_unit(question) else SPECIFIC_SCORE_RATIO
                runner_up = RUNNER_UP_RATIO if kind == "name" else SPECIFIC_RUNNER_UP_RATIO
                threshold = max(ratio * min_score, runner_up * evidence[0].score)
            if e.score < threshold:
                reasons.append(f"evidence score {e.score:.2f} < {threshold:.2f}")
                continue
            context = self.context_text(e.sentence)
            sid = e.sentence.sentence_id  # "Beijing" names China; "Jian added" names Lin Jian
            ctx_terms = set(terms(context)) | country_words(context) | self._named_speaker(sid)
            # ("UN" is spelled out as "United Nations")
            missing = [n for n in sorted(names) if not _mentioned(n, ctx_terms) and not spelled_out(n, context)]
            missing += [n for n in sorted(nums) if n not in numbers(context)]
            if len(missing) < len(names) + len(nums):  # the sentence itself has some of them
                missing = [n for n in missing if not ((n in nums or calendar_word(n)) and n in elsewhere)]
            missing = [n for n in missing if not (n in in_clause and _mentioned(n, bridge))]
            # a name that is no place or acronym may be said by a common noun: "Covid" - "pandemic"
            missing = [n for n in missing if not (
                n.isalpha() and len(n) > 3 and not country_words(n.capitalize()) and not in_country_name(n)
                and self.says(n, " ".join(w for w in tokens(e.sentence.text) if w.islower()))
            )]
            if missing:
                reasons.append(f"evidence lacks {', '.join(missing)}")
                continue
            own_terms = set(terms(e.sentence.text))
            if not all(name_in(t, own_terms | self._speaker_terms.get(sid, set())) for t in narrowed):
                # "specifically from its IT workers": a sentence about all the country's workers is not it
                reasons.append(f"evidence is not about {', '.join(sorted(narrowed))} in particular")
                continue
            if noun and not self.says(noun, context) and not self._heads_a_name(noun, e.sentence.text):
                reasons.append(f"evidence never says {noun}")
                continue
            if noun and only_vaguely(e.sentence.text, noun):
                # "Which Chinese factories saw unrest?" is not answered by "unrest in some factories in China"
                reasons.append(f"evidence does not say which {noun}")
                continue
            if naming and only_unnamed(e.sentence.text, naming):
                # "What is the name of the source who told the paper?" is not answered by "a source familiar with
                # the matter told the JoongAng Ilbo", which names other things
                reasons.append(f"evidence does not name the {naming}")
                continue
            if (owned := next((f"{' '.join(sorted(c)).title()}'s {n}" for c, n in institutions(question)
                               if not any(names_institution(t, c, n) for t in self.context_sentences(e.sentence))),
                              None)):
                # "How did Russia's foreign ministry respond?" is not answered by what Russia is expected to do,
                # nor by what the Chinese government did
                reasons.append(f"evidence never names {owned}")
                continue
            if noun and (roles := [r for r, _ in other_countrys_roles(question, e.sentence.text)
                                   if terms(r.split()[-1]) == [noun]]):
                # "Which Russian leader visited?" is not answered by the sentence on "North Korean leader Kim"
                reasons.append(f"evidence speaks of the {roles[0]}")
                continue
            if not has_fact(e):
                reasons.append(f"question asks for a {kind}, evidence gives none")
                continue
            if asks_why(question) and not gives_reason(self.context_text(e.sentence)):
                # "Why did North Korea cancel the game?" is not answered by the sentence that it cancelled it
                reasons.append("question asks why, evidence gives no reason")
                continue
            if kind == "date" and e.sentence.sentence_id in self.notes and _FIRST_PUBLISHED.search(question):
                reasons.append("the date given is the update's, not the first publication's")
                continue
            if reported is not None and statement and kind == "date" and e not in reported:
                # "Source spoke on which day?" is not answered by "early July" inside the source's quotation
                reasons.append("the day given is not the day someone spoke")
                continue
            if speaking and reported is None and not holds(attribution(e.sentence.text), kind, question, known):
                # "When did Oh Gyeong-seob make his comments?" is not answered by "the 1960s" inside them
                reasons.append("the time given is not when someone spoke")
                continue
            if reported is not None and kind == "date" and not statement and e not in reported and (
                outside := attribution(e.sentence.text)
            ) and holds(outside, kind, question, known) and not holds(quoted(e.sentence.text), kind, question, known):
                # "On which day did China demand it?": the day a source told of the demand is not its day
                reasons.append("the day given is the day someone spoke of it")
                continue
            # an editor's note is about the article, which a question about its revision asks about
            names_subject = any(name_in(n, own_terms) for n in specific) or revision and sid in self.notes
            if kind and topic and not self.says_any(topic, e.sentence.text) and not names_subject:
                # the fact asked for sits in a sentence that only its neighbour ties to the question:
                # "Where was the summit held?" is not answered by the next sentence's "Far East"
                reasons.append(f"the {kind} given is in a sentence about something else")
                continue
            if (kind and uncommon and e is not evidence[0] and e is not spoke and not (reported and e in reported)
                    and not self.says_any(uncommon, e.sentence.text) and not names_subject):
                # a weaker sentence that shares only words common in the documents ("workers") with the
                # question is about something else: "In which Chinese city did the factory unrest occur?" is
                # not answered by the sentence on departures at Beijing's airport
                reasons.append(f"the {kind} given is in a sentence that shares only common words with the question")
                continue
            if kind in ("number", "date") and _swaps_country(asked_countries, e.sentence.text):
                # "How many exchanges have North Korea and China held?" is not answered by the number of
                # exchanges between North Korea and Russia
                reasons.append(f"the {kind} given is about another country")
                continue
            if kind in ("number", "date") and not who and not asks_what_was_said(question) and self._in_their_words(
                    names, e.sentence.text, kind, question, known):
                # "How long has Lin Jian served as spokesperson?" is not answered by "Seventy-one years ago" in
                # his quotation: the question asks about him, not what he said
                reasons.append(f"the {kind} given is in the words of the one the question asks about")
                continue
            if kind == "number" and (of := measured(question)) and not self.says(of, e.sentence.text):
                # "How much cryptocurrency have they stolen?" is not answered by what the workers earn
                reasons.append(f"evidence gives no amount of {of}")
                continue
            if kind == "number" and per_head_missing(question, e.sentence.text):
                # "How much does each IT worker get paid?" is not answered by what all the workers earn
                reasons.append("question asks for an amount per person, evidence gives a total")
                continue
            if (other_time := other_relative_time(question, e.sentence.text)) is not None:
                # "How many exchanges did they hold last year?" is not answered by the count for this year
                reasons.append(f"evidence speaks of {other_time}")
                continue
            if verb_terms and not (
                _with_verb_forms(set(verb_terms)) & _with_verb_forms(ctx_terms) or self.says(verb_terms[0], context)
            ):
                # "Who coaches the women's football team?" is not answered by the sentence on the matches, which
                # names countries: what the person asked for does must be said
                reasons.append(f"evidence never says who {verb}")
                continue
            if who and not reports_speech(e.sentence.text, who) and not (
                # a quotation that goes on from one that names the speaker ('"...," Jian added.' then '"..."')
                sid in self._speaker_terms and all(name_in(t, self._speaker_terms[sid]) for t in terms(who))
            ):
                reasons.append(f"evidence quotes no words of {who}")
                continue
            return Gate(True, "ok", e, reported=reported is not None and e in reported)
        return Gate(False, "; ".join(dict.fromkeys(reasons)), None)
