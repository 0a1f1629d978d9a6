"""End to end through Pipeline.ask with the real index and embedder; generators real (slow) or scripted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rag.generation import EXAMPLE, ExtractiveGenerator, Generator, StopSignal
from rag.pipeline import NOT_COVERED, SECOND_QUOTE_RATIO, Pipeline
from rag.retrieval import build_query
from rag.settings import Settings
from rag.types import Answer, Turn

EARNINGS = "How much does North Korea earn from its overseas workers each year?"


class Scripted(Generator):
    """Writes a fixed text, as a model would, whatever it is asked."""

    name = "scripted"

    def __init__(self, text: str) -> None:
        self.text = text

    def stream(self, messages: list[dict[str, str]], max_new_tokens: int, stop: StopSignal) -> Iterator[str]:
        yield from self.text.split(" ")[:1]
        for word in self.text.split(" ")[1:]:
            yield " " + word


def make(index, minilm, generator: Generator) -> Pipeline:
    return Pipeline(index, minilm, generator, Settings())


def assert_quotes_valid(pipeline: Pipeline, answer: Answer) -> None:
    for c in answer.citations:
        assert pipeline.documents[c.doc_id].text[c.start : c.end] == c.quote
    ns = [c.n for c in answer.citations]
    assert ns == list(range(1, len(ns) + 1))
    for n in ns:
        assert f"[{n}]" in answer.answer


def ask_in_parts(pipeline: Pipeline, question: str) -> Answer:
    """The answer to a question that the gate refuses as a whole, so that it is answered in parts."""
    assert not pipeline.ask(question, split=False).answered
    a = pipeline.ask(question)
    assert a.answered and a.mode.startswith("parts: "), a.mode
    return a


def test_extractive_answer_quotes_the_earnings_sentence(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask(EARNINGS)
    assert a.answered
    assert "$750 million and $1.1 billion" in a.answer
    assert any("$750 million and $1.1 billion" in c.quote for c in a.citations)
    assert_quotes_valid(p, a)
    d = a.to_dict()
    assert set(d) >= {"question", "answer", "answered", "citations", "passages", "model", "timings_ms"}
    assert set(d["timings_ms"]) == {"retrieve", "generate", "total"}
    assert set(d["citations"][0]) == {"n", "quote", "doc_id", "title", "start", "end", "score"}


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "How many workers has North Korea sent to Russia so far?"],
)
def test_refuses_what_the_documents_do_not_say(article_index, minilm, question):
    a = make(article_index, minilm, ExtractiveGenerator()).ask(question)
    assert not a.answered
    assert a.citations == ()
    assert a.answer == NOT_COVERED
    assert a.mode.startswith("refused")


def test_planted_unsupported_answer_falls_back_to_a_quote(article_index, minilm):
    p = make(article_index, minilm, Scripted("North Korea earns $5 billion a year from workers in France [1]."))
    a = p.ask(EARNINGS)
    assert a.answered
    assert a.mode.startswith("fallback")
    assert "$5 billion" not in a.answer and "France" not in a.answer
    assert "$750 million" in a.answer
    assert_quotes_valid(p, a)


def test_invented_fact_on_borderline_evidence_is_refused(article_index, minilm):
    p = make(article_index, minilm, Scripted("The visa arrangements cost $500 [1]."))
    a = p.ask("What do the visa arrangements cost?")
    assert not a.answered and a.citations == ()
    assert a.mode.startswith("refused: the answer states 500")


def test_answer_naming_no_one_for_who_on_borderline_evidence_is_refused(article_index, minilm):
    p = make(article_index, minilm, Scripted("The UN report was published in March [1]."))
    a = p.ask("Who was behind the UN report published in March?")
    assert not a.answered and a.citations == ()
    assert a.mode == "refused: the answer gives no person although the question asks for one"


def test_answer_naming_no_one_on_strong_evidence_is_refused_too(article_index, minilm):
    # the source's sentence matches the question well, but it never names the source: "Who is the source ...?"
    # is refused by the gate; a wording it lets through is refused once the model names no one
    p = make(article_index, minilm, Scripted("The source familiar with the matter told the JoongAng Ilbo [1]."))
    a = p.ask("Who is the source who told the JoongAng Ilbo about China's repatriation demand?")
    assert not a.answered and a.citations == ()
    assert a.mode.startswith("refused: evidence does not name the source")
    question = "Who is that source who told the JoongAng Ilbo about China's repatriation demand?"
    gate = p.retriever.gate(question, p.retriever.evidence(question, question, p.retrieve(question, k=6),
                                                           minilm.embed(question)), p.settings.min_evidence_score)
    assert gate.best is not None and gate.best.score >= p.settings.sure_evidence_score
    a = p.ask(question)
    assert not a.answered and a.citations == ()
    assert a.mode == "refused: the answer gives no person although the question asks for one"


def test_answer_from_a_weaker_sentence_falls_back_to_the_best_quote_and_the_one_chosen(article_index, minilm):
    class CopiesLast(Generator):
        """Answers with most of the last numbered sentence: supported by what it cites, but off the question.

        (A copy of the whole sentence is rejected earlier, by the verifier.)
        """

        name = "copies-last"

        def stream(self, messages, max_new_tokens, stop):  # type: ignore[no-untyped-def]
            last = messages[-1]["content"].split("\n\nQuestion:")[0].splitlines()[-1]
            n, text = last.split("] ", 1)
            ws = text.split()
            yield f"{' '.join(ws[: max(4, len(ws) * 7 // 10)])} {n}]."

    p = make(article_index, minilm, CopiesLast())
    a = p.ask("What does Russia need skilled labour for?")
    assert a.answered
    assert a.mode == "fallback: the answer rests on weaker evidence than the best sentence"
    assert any("Russia requires skilled labor for its Far East development" in c.quote for c in a.citations)
    # the sentence the model answered from is quoted too, after the best one if it comes later in the text
    assert len(a.citations) == 2
    ranked = p.retriever.evidence(a.question, a.question, p.retrieve(a.question, k=6), minilm.embed(a.question))
    last = [e.sentence.text for e in ranked][: p.settings.max_evidence][-1]
    assert last in {c.quote for c in a.citations}
    assert [c.start for c in a.citations] == sorted(c.start for c in a.citations)
    assert_quotes_valid(p, a)


def test_a_quote_goes_on_into_the_sentence_that_continues_the_quotation(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("What nickname does the researcher say North Korea uses for China?")
    assert a.answered
    quotes = [c.quote for c in a.citations]
    assert any("said Oh Gyeong-seob, a researcher" in q for q in quotes)
    assert any("its so-called blood ally" in q for q in quotes)  # the researcher's next sentence
    assert_quotes_valid(p, a)
    # and the other way round: the sentence that says who is speaking comes with the rest of the quotation
    a = p.ask("Who said North Korea can restore relations with its so-called blood ally whenever necessary?")
    quotes = [c.quote for c in a.citations]
    assert any("said Oh Gyeong-seob, a researcher" in q for q in quotes)
    assert_quotes_valid(p, a)


def test_an_answer_repeating_the_worked_example_falls_back_to_a_quote(article_index, minilm):
    # the example's numbers are in no evidence, but the model echoed the prompt rather than invent a fact:
    # no reason to refuse a question the evidence answers
    p = make(article_index, minilm, Scripted(EXAMPLE[-1]["content"]))
    a = p.ask("What has Pyongyang been striving to maintain?")
    assert a.answered
    assert a.mode == "fallback: the answer repeats the prompt's worked example"
    assert "foreign currency earnings" in a.answer
    assert_quotes_valid(p, a)


def test_answer_citing_no_sentence_about_the_asked_noun_falls_back_to_a_quote(article_index, minilm):
    # The sentence cited is supported and scores well enough, but it speaks of no president.
    answer = "China recently demanded the repatriation of North Korean workers, a source told the JoongAng Ilbo [2]."
    p = make(article_index, minilm, Scripted(answer))
    a = p.ask("Which Russian president paid a visit to North Korea recently?")
    assert a.mode == "fallback: the answer cites no sentence about the president asked for"
    assert "Vladimir Putin" in a.answer
    assert_quotes_valid(p, a)


@pytest.mark.parametrize(
    ("answer", "mode"),
    [
        # "a friendly basketball game" is the game its sentence speaks of: an answer says which
        ("It was a game in the southeast region [1].", "fallback: the answer does not say which game"),
        ("North Korea called off a basketball game [1].", "generated"),
    ],
)
def test_an_answer_to_which_thing_says_what_its_sentence_tells_it_by(article_index, minilm, answer, mode):
    p = make(article_index, minilm, Scripted(answer))
    a = p.ask("What game did North Korea call off with a Chinese team?")
    assert a.mode == mode
    assert "basketball" in a.answer
    assert_quotes_valid(p, a)


@pytest.mark.parametrize(
    ("answer", "mode"),
    [
        # words of the sentence about departures at the airport, cited as if the caption said them
        ("The second photo shows the departure of many North Korean workers [1].",
         "fallback: the answer about a photo says what no caption says"),
        ("The second photo shows North Korean workers' luggage at the airport [1].", "generated"),
    ],
)
def test_an_answer_about_a_photo_says_only_what_its_caption_says(article_index, minilm, answer, mode):
    p = make(article_index, minilm, Scripted(answer))
    a = p.ask("What is shown in the second photo at the Beijing airport?")
    assert a.mode == mode
    assert "luggage" in a.answer
    assert_quotes_valid(p, a)


def test_a_photo_credit_is_quoted_after_its_caption(article_index, minilm):
    p = make(article_index, minilm, Scripted("The photos are credited to a source [1]."))
    a = p.ask("How are the pictures credited?")
    assert a.mode == "extractive"  # the model never sees the credit line: it is too short to be evidence
    assert [c.quote for c in a.citations][1:] == ["[JOONGANG PHOTO]"]
    assert "as shown in this photo" in a.citations[0].quote
    assert a.citations[1].start == a.citations[0].end + 1
    assert_quotes_valid(p, a)


def test_a_photo_credit_asked_in_words_far_from_the_caption_is_still_quoted(article_index, minilm):
    # the question scores below the threshold against every caption: the credit line is what it asks for
    p = make(article_index, minilm, Scripted("JOONGANG PHOTO [1]."))
    a = p.ask("What credit label appears at the end of the photo captions?")
    assert a.answered and a.mode == "extractive"
    assert a.citations[-1].quote == "[JOONGANG PHOTO]"
    assert_quotes_valid(p, a)


def test_a_yes_or_no_question_is_answered_by_quoting_the_sentence_that_settles_it(article_index, minilm):
    # a small model gets the "no" wrong: the sentence says "under false identities"
    p = make(article_index, minilm, Scripted("Yes, they were hired under their real identities [1]."))
    a = p.ask("Did the IT workers get hired by overseas IT companies under their real identities?")
    assert a.answered and a.mode == "extractive"
    assert "real identities" not in a.answer
    assert "under false identities" in a.citations[0].quote
    assert_quotes_valid(p, a)


def test_supported_generated_answer_is_kept_and_renumbered(article_index, minilm):
    p = make(article_index, minilm, Scripted("North Korea earns between $750 million and $1.1 billion a year [4]."))
    a = p.ask(EARNINGS)
    assert a.mode == "generated"
    assert a.answer == "North Korea earns between $750 million and $1.1 billion a year [1]."
    assert "$1.1 billion" in a.citations[0].quote
    assert_quotes_valid(p, a)


def test_stream_yields_deltas_then_one_answer(article_index, minilm):
    p = make(article_index, minilm, Scripted("North Korea earns between $750 million and $1.1 billion [1]."))
    items = list(p.stream(EARNINGS))
    assert all(isinstance(i, str) for i in items[:-1]) and len(items) > 2
    assert isinstance(items[-1], Answer)
    assert "".join(items[:-1]) == "North Korea earns between $750 million and $1.1 billion [1]."


def test_follow_up_uses_the_previous_turn(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    history = [Turn("user", "Why is China sending the North Korean workers home?"),
               Turn("assistant", "China enforces UN sanctions [1].")]
    alone = p.retrieve("Which resolution is that?")
    followed = p.retrieve("Which resolution is that?", history)
    assert any("sanctions" in x.chunk.text for x in followed[:2])
    assert [x.chunk.chunk_id for x in alone] != [x.chunk.chunk_id for x in followed]


def test_follow_up_uses_the_names_in_the_previous_answer(article_index, minilm):
    # "that country" is named only in the answer: with it, the sentence on why Russia wants the workers
    # ranks higher among the evidence the model sees
    p = make(article_index, minilm, ExtractiveGenerator())
    question = "Why does that country want them?"
    asked = Turn("user", "Where are the North Korean workers who must leave China expected to go?")
    answered = Turn("assistant", "They are expected to be sent to Russia [1].")

    def rank(history: list[Turn]) -> int:
        query = build_query(question, history)
        qvec = minilm.embed(query)
        found = p.retriever.evidence(question, query, p.retriever.retrieve(query, 6, qvec), qvec)
        return next(i for i, e in enumerate(found) if "skilled labor" in e.sentence.text)

    assert build_query(question, [asked, answered]).endswith("go? Russia Why does that country want them?")
    assert rank([asked, answered]) < min(rank([asked]), p.settings.max_evidence)
    # a bare name answers too, but not the capitalised word that opens an answer
    bare = Turn("assistant", "Russia.")
    assert build_query(question, [asked, bare]).endswith("go? Russia Why does that country want them?")
    assert build_query("Why?", [asked, Turn("assistant", "The IT sector.")]).endswith("go? IT Why?")
    # a refusal in the history adds nothing to the query
    assert build_query("Why?", [Turn("user", "Who won them?"), Turn("assistant", NOT_COVERED)]) == "Who won them? Why?"


def test_timeout_returns_the_extractive_answer(article_index, minilm):
    class Slow(Generator):
        name = "slow"

        def stream(self, messages, max_new_tokens, stop):  # type: ignore[no-untyped-def]
            while not stop.is_set():
                stop._event.wait(0.01)
                yield ""

    settings = Settings(generation_timeout_s=0.2)
    p = Pipeline(article_index, minilm, Slow(), settings)
    a = p.ask(EARNINGS)
    assert a.mode == "fallback: generation timed out"
    assert "$750 million" in a.answer
    assert_quotes_valid(p, a)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 2001])
def test_bad_questions_raise_input_error(article_index, minilm, bad):
    from rag.errors import InputError

    with pytest.raises(InputError):
        make(article_index, minilm, ExtractiveGenerator()).ask(bad)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "history", "expect"),
    [
        (EARNINGS, [], ["$750 million", "$1.1 billion"]),
        ("Where are the North Korean IT workers being sent?", [], ["Russia"]),
        ("Which UN resolution banned employing North Korean workers?", [], ["2397"]),
    ],
)
def test_real_model_answers_with_valid_citations(qwen_pipeline, question, history, expect):
    a = qwen_pipeline.ask(question, history)
    assert a.answered, a.mode
    for fragment in expect:
        assert fragment in a.answer, (a.answer, a.mode)
    assert a.citations
    assert_quotes_valid(qwen_pipeline, a)


@pytest.mark.slow
def test_real_model_refuses_off_topic(qwen_pipeline):
    a = qwen_pipeline.ask("What is the capital of France?")
    assert not a.answered and a.citations == ()


@pytest.mark.slow
def test_small_model_path_is_verified(article_index, minilm):
    """SmolLM2 hallucinates; whatever it writes, what is shown is supported or a verbatim quote."""
    from rag.generation import make_generator

    settings = Settings()
    p = Pipeline(article_index, minilm, make_generator("smollm2", settings.model_dir), settings)
    a = p.ask(EARNINGS)
    assert a.answered
    assert "$750 million" in "".join(c.quote for c in a.citations)
    assert_quotes_valid(p, a)


def test_a_question_asking_two_things_is_answered_part_by_part(article_index, minilm):
    # no one sentence says both, so the question as a whole fails the gate; each part passes on its own
    p = make(article_index, minilm, ExtractiveGenerator())
    question = ("About how many North Korean workers had been deployed to China, and how much does North Korea "
                "earn per year from overseas workers?")
    a = ask_in_parts(p, question)
    assert "around 50,000 workers" in a.answer and "$750 million and $1.1 billion" in a.answer
    assert_quotes_valid(p, a)
    assert len({(c.start, c.end) for c in a.citations}) == len(a.citations)  # a quote both parts cite, once
    assert {c.chunk.chunk_id for c in a.passages} >= {
        next(c for c in article_index.chunks if c.first_sentence <= s.sentence_id <= c.last_sentence).chunk_id
        for s in article_index.sentences for q in a.citations if (s.start, s.end) == (q.start, q.end)
    }


def test_a_part_the_documents_do_not_answer_is_said_so(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("About how many North Korean workers had been deployed to China, and what is the capital of France?")
    assert a.answered and "around 50,000 workers" in a.answer
    assert a.answer.endswith("The documents don't answer “What is the capital of France?”")
    assert_quotes_valid(p, a)


def test_a_part_an_answer_leaves_out_is_asked_on_its_own(article_index, minilm):
    # the earnings sentence passes for the whole question but holds no count of workers sent
    p = make(article_index, minilm, ExtractiveGenerator())
    question = ("How much does North Korea earn annually from overseas workers, and roughly how many workers had it "
                "sent to China?")
    whole = p.ask(question, split=False)
    assert whole.answered and "around 50,000 workers" not in whole.answer, whole.answer
    a = p.ask(question)
    assert a.mode.startswith("parts: ") and a.answer.startswith(whole.answer)
    assert "around 50,000 workers" in a.answer
    assert_quotes_valid(p, a)


def test_a_country_named_by_another_fact_is_found_first(article_index, minilm):
    # the sentence on Russia's labor needs outranks the one on the matches, which then fail the gate
    p = make(article_index, minilm, ExtractiveGenerator())
    question = ("In which city did North Korea play friendlies against the country that needs skilled labor for its "
                "Far East development?")
    a = ask_in_parts(p, question)
    assert "in Moscow on July 12 and July 15" in a.answer
    assert "Russia requires skilled labor for its Far East development" in a.answer
    assert_quotes_valid(p, a)


def test_a_described_country_the_documents_do_not_name_is_refused(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("In which city did North Korea play friendlies against the country that won the 2018 World Cup?")
    assert not a.answered and not a.citations


def test_the_byline_is_answered_from_metadata_without_a_quote(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("Who are the reporters credited in the byline?")
    assert a.answered
    assert a.mode == "metadata: authors"
    assert a.citations == ()  # the byline is not body text: nothing to quote
    (fact,) = a.metadata
    doc = p.documents[fact.doc_id]
    assert (fact.field, fact.value, fact.title) == ("authors", doc.metadata["authors"], doc.title)
    assert "Chung Yeong-Gyo and Seo Ji-Eun" in a.answer
    assert a.to_dict()["metadata"] == [{"doc_id": doc.doc_id, "title": doc.title, "field": "authors",
                                        "value": "Chung Yeong-Gyo, Seo Ji-Eun"}]


def test_a_byline_question_on_documents_without_authors_goes_to_the_gate(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    doc = next(iter(p.documents.values()))
    doc.metadata.pop("authors")  # the document object is shared with the index: restore it after
    try:
        a = p.ask("Who wrote the article?")
    finally:
        doc.metadata["authors"] = "Chung Yeong-Gyo, Seo Ji-Eun"
    assert not a.answered
    assert a.metadata == ()


def test_a_byline_part_keeps_its_metadata_beside_the_other_parts_quotes(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("Who wrote the article, and when was it updated?")
    assert a.answered
    assert [m.field for m in a.metadata] == ["authors"]
    assert any("August 1" in c.quote for c in a.citations)
    assert_quotes_valid(p, a)


@pytest.mark.parametrize(
    ("question", "field", "said"),
    [
        ("What email address is given for the reporter?", "contact", "seo.jieun1@joongang.co.kr"),
        ("Under what section of the site does this story appear?", "section", "National > North Korea"),
        ("According to the headline, where are the workers probably going?", "title",
         "With China's order to leave, North Korean workers likely headed to Russia"),
    ],
)
def test_the_contact_section_and_headline_come_from_metadata(article_index, minilm, question, field, said):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask(question)
    assert a.answered and a.citations == ()
    assert [(m.field, m.value) for m in a.metadata] == [(field, said)]
    assert said in a.answer


def test_a_question_in_chat_shorthand_is_answered_and_echoed_as_typed(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    typed = "what yr did the UN Security Council adopt Resolution 2397"
    a = p.ask(typed)
    assert a.answered and "2017" in a.answer
    assert a.question == typed
    assert_quotes_valid(p, a)
    a = p.ask("what section is this under")
    assert a.question == "what section is this under"
    assert [m.field for m in a.metadata] == ["section"]


def test_the_name_of_a_source_the_article_leaves_unnamed_is_refused(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("whats the name of the source who talked to the JoongAng Ilbo")
    assert not a.answered and a.citations == ()
    assert "does not name the source" in a.mode
    a = p.ask("What is the name of the researcher quoted on equidistant diplomacy?")  # named beside his title
    assert a.answered and "Oh Gyeong-seob" in a.answer


def test_a_quoted_count_comes_with_the_sentence_that_goes_on_about_it(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("Roughly how many workers had North Korea sent to China?")
    quotes = [c.quote for c in a.citations]
    assert any("around 50,000 workers" in q for q in quotes)
    assert any("this number is believed to have increased" in q for q in quotes)
    assert_quotes_valid(p, a)


def test_a_fallback_quotes_the_runner_up_too_when_it_scores_nearly_as_well(article_index, minilm):
    # the model answers from the last numbered sentence, a weak one; the best and the runner-up score alike,
    # and the runner-up is the one that says why
    p = make(article_index, minilm, Scripted("Russia is expected to employ North Korean workers [4]."))
    question = "Why does Russia want these workers?"
    ranked = p.retriever.evidence(question, question, p.retrieve(question, k=6), minilm.embed(question))
    best, runner_up = ranked[0], ranked[1]
    assert runner_up.score >= SECOND_QUOTE_RATIO * best.score
    a = p.ask(question)
    assert a.mode.startswith("fallback")
    quotes = {c.quote for c in a.citations}
    assert {best.sentence.text, runner_up.sentence.text} <= quotes
    assert any("Russia requires skilled labor" in q for q in quotes)
    assert_quotes_valid(p, a)


def test_a_place_typed_in_lower_case_is_read_as_a_name(article_index, minilm):
    p = make(article_index, minilm, ExtractiveGenerator())
    a = p.ask("capital of canada")
    assert not a.answered and a.mode == "refused: the documents never mention canada"
    assert a.question == "capital of canada"
