"""The refusal gate's check that the evidence speaks of what the question asks about (real MiniLM)."""

from __future__ import annotations

import numpy as np
import pytest

from rag.retrieval import Gate, Retriever, build_query
from rag.types import Turn


def _gate(index, embedder, question: str, min_score: float) -> Gate:
    """The gate's decision on the evidence retrieved for a question asked without history."""
    retriever = Retriever(index, embedder)
    qvec = embedder.embed(question)
    evidence = retriever.evidence(question, question, retriever.retrieve(question, 6, qvec), qvec)
    return retriever.gate(question, evidence, min_score)


@pytest.mark.parametrize(
    ("noun", "text", "says"),
    [
        ("revenue", "The sector has become a major source of illicit income.", True),
        ("programme", "It funds the nuclear and missile programs.", True),
        ("treaty", "The two leaders signed an agreement in June.", True),
        # related, but not the thing asked about
        # a caption speaks of its photo
        ("credit", "Workers queue at the airport, as shown in this photo provided by a source.", True),
        ("province", "A team in the southeast region of China cancelled the game.", False),
        ("head", "Oh Gyeong-seob is a researcher at the institute.", False),
        ("population", "North Korea earns $1.1 billion from its overseas workers.", False),
    ],
)
def test_says_allows_words_close_in_meaning(article_index, minilm, noun, text, says):
    assert Retriever(article_index, minilm).says(noun, text) is says


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("Which Russian province will take in the construction workers?", "never says province"),
        ("What is the population of North Korea?", "never says population"),
        # no sentence reports words of his
        ("What did Kim Jong-un say about the workers' return?", "quotes no words of Kim Jong-un"),
        # the summit sentence names no place; its neighbour's "Far East" is about Russia's labour needs
        ("Where was the North Korea-Russia summit held last September?", "in a sentence about something else"),
        # the basketball sentence speaks only of "a Chinese team"; the next sentence to name anything matches
        # far worse
        ("What was the name of the Chinese basketball team whose friendly with North Korea was canceled?",
         "evidence does not name the team; evidence score"),
        # the article counts the exchanges with Russia, not with China
        ("How many public exchanges have North Korea and China held this year?", "about another country"),
        # "on Wednesday" is a weekday, not a date
        ("On what exact date did China order the North Korean workers to leave?", "gives none"),
        # "how long" wants a stretch of time, not the year the resolution was adopted
        ("How long are the student visas China gave North Korean workers valid for?", "gives none"),
        # the leader who turned to Russia is North Korea's
        ("Which Chinese leader turned to Russia amid financial setbacks?", "speaks of the North Korean leader"),
        # the article reports no response of Russia's, and the Chinese government's denial is not one
        ("How did Russia's foreign ministry respond to reports that the workers are coming?",
         "never names Russia's ministry"),
        ("How did the Russian government respond to the reports?", "never names Russia's government"),
        # two matches on two dates, but no score
        ("What were the scores of the women's football matches in Moscow?", "asks for a number, evidence gives none"),
        # the report's sentence gives no title, and the resolution's sentence is about no report
        ("What is the title of the UN report released in March?", "never says report"),
        # the sentence says the game was cancelled, not why
        ("Why did North Korea cancel the friendly basketball game with the Chinese team?", "gives no reason"),
        # "unrest in some factories in China" does not say which factories
        ("Which Chinese factories experienced unrest during the pandemic?", "does not say which factory"),
        # the factory sentence names no city; the airport sentence that does shares only "workers" with it
        ("In which Chinese city did the factory unrest among North Korean workers occur?",
         "shares only common words with the question"),
        # Wednesday is the day the source told the paper of the demand, not the day China made it
        ("On what day of the week did China demand the repatriation of the workers?", "the day someone spoke of it"),
        # the sentence on the matches names countries, but says nothing of coaching them
        ("Who coaches North Korea's women's football team?", "evidence never says who coaches"),
        # the earnings sentence is about all the overseas workers, not the IT workers the question narrows to
        ("How much money does North Korea make specifically from its IT workers each year?",
         "evidence is not about it, worker in particular"),
        # his comments are dated only inside them ("in the 1960s")
        ("When did Oh Gyeong-seob make his comments?", "the time given is not when someone spoke"),
        # "Name the source" asks for the name the article never gives
        ("Name the source who told the JoongAng Ilbo about China's demand.", "evidence does not name the source"),
        ("who is the source that talked to joongang", "evidence does not name the source"),
    ],
)
def test_gate_refuses_when_the_evidence_never_names_what_is_asked(article_index, minilm, question, reason):
    gate = _gate(article_index, minilm, question, 0.0)  # no score threshold: only the other checks decide
    assert not gate.answerable, gate.best
    assert reason in gate.reason


# the answer's first word is capitalised anyway, so "Beijing" opening it is no name found by position
@pytest.mark.parametrize(
    "answer", ["At Beijing Capital International Airport.", "Beijing Capital International Airport."]
)
def test_a_follow_up_gate_wants_a_name_the_conversation_lacks(article_index, minilm, answer):
    history = [Turn("user", "At which airport were North Korean workers seen leaving China?"),
               Turn("assistant", answer)]
    question = "Which airline were they checking in with there?"
    query = build_query(question, history)
    retriever = Retriever(article_index, minilm)
    qvec = minilm.embed(query)
    evidence = retriever.evidence(question, query, retriever.retrieve(query, 6, qvec), qvec)
    gate = retriever.gate(question, evidence, 0.35, query=query)
    assert gate.answerable and gate.best is not None, gate.reason
    assert "Air Koryo" in gate.best.sentence.text


def test_gate_passes_a_paraphrased_noun(article_index, minilm):
    question = "What income does the IT sector bring the regime?"
    gate = _gate(article_index, minilm, question, 0.35)
    assert gate.answerable and gate.best is not None
    assert "illicit income" in gate.best.sentence.text


@pytest.mark.parametrize(
    ("question", "min_score", "expected"),
    [
        # the question names a capital, the article the country; or the other way round
        ("What kind of visa arrangements is Moscow expected to use to hire them?", 0.0, "nonworker visa"),
        ("Which markets did Pyongyang exploit during the pandemic?", 0.0, "cryptocurrency markets"),
        ("Whose sanctions has China been enforcing more strictly?", 0.0, "United Nations sanctions"),
        # reported words of the speaker; a city named in the sentence about the matches
        ("What did the Chinese Foreign Ministry spokesperson say about the Korean War?", 0.35, "Lin Jian said"),
        ("In which city did the women's football teams of North Korea and Russia play?", 0.35, "in Moscow"),
        # the sentence names the person asked about: it need not repeat "work"
        ("Where does Oh Gyeong-seob work?", 0.35, "a researcher at the Korea Institute"),
        # the resolution's sentence names North Korean workers, not China: no country put in China's place
        ("What is the number of the UN resolution whose sanctions Beijing is enforcing more strictly?", 0.0,
         "Resolution 2397"),
        # news shorthand for country names, also joined by a hyphen
        ("How much do NK workers abroad make for the regime each year?", 0.35, "$750 million"),
        ("In what field does the cooling of NK-China ties show up?", 0.35, "including sports"),
        # the count ranks below sentences sharing more of the question's words ("North Korea", "China")
        ("Roughly how many workers had North Korea previously sent to China?", 0.35, "around 50,000 workers"),
        # the newspaper's sentence shares few of the question's words, but it names a newspaper
        ("Which newspaper did the source familiar with the matter speak to?", 0.35, "told the JoongAng Ilbo"),
        # "June" is in the sentence about Putin's visit, which the question only refers to
        ("Under what type of visa is the country whose president visited North Korea in June expected to "
         "employ North Korean workers?", 0.35, "nonworker visa"),
        # a weekday: only two sentences hold one, and this one shares few of the question's words
        ("On which day of the week did the source speak to the paper about China's demand?", 0.35, "on Wednesday"),
        # the clause describing the country is held by the sentence it matches best, Putin's visit in June
        ("The country whose president visited North Korea in June needs skilled labor for what development?", 0.35,
         "Far East development"),
        # the denial does not say who spoke for the government; the quotation after it does
        ("Who spoke on behalf of the Chinese government when it denied rumors of strained relations with North "
         "Korea?", 0.35, "spokesperson Lin Jian said"),
        # "Covid" is said by "the pandemic"
        ("Which booming markets during Covid did the North exploit by sending out its tech workers?", 0.35,
         "cryptocurrency markets during the pandemic"),
        # "updated" is said by "Update"
        ("When was this article updated?", 0.35, "Update, August 1"),
        # "add" is said by "Added"
        ("What did the update add to the story?", 0.35, "Added comments"),
        # "deny" is said by "denied"
        ("What did Beijing officially deny?", 0.35, "denied rumors"),
        # words close in meaning count for some of theirs: "dispatched" / "deployed", "previously" / "earlier"
        ("Roughly how many workers had North Korea previously dispatched to China?", 0.35, "around 50,000 workers"),
        ("Which country is given as an example of where North Korean IT workers got jobs at tech firms?", 0.35,
         "such as in the United States"),
        # a name's last word says what it names: "Army" is a force
        ("Which force did Lin Jian say fought alongside the North Korean people and military?", 0.35,
         "People's Volunteer Army"),
        # "sent" is a word the article never uses ("deployed"): the count of workers needs no other word
        ("How many workers had North Korea sent to China?", 0.35, "around 50,000 workers"),
        # the count scores 0.42 against 0.57 for the best sentence, which holds none
        ("About how many North Korean workers had been sent to China?", 0.35, "around 50,000 workers"),
        ("About how many laborers had North Korea earlier sent to China?", 0.35, "around 50,000 workers"),
        # "leader" is close enough to "President"
        ("Which Russian leader made a trip to North Korea in June?", 0.35, "President Vladimir Putin"),
        # the outlet and the day of a statement stand beside its speaker, outside the quotation marks; the
        # sentence scores low, as the question leaves out what was said
        ("Which newspaper did the first unnamed source speak to?", 0.35, "told the JoongAng Ilbo"),
        ("On which day of the week did the source talk to the paper?", 0.35, "on Wednesday"),
        ("On which weekday did the insider speak to the paper?", 0.35, "on Wednesday"),  # an insider is a source
        ("What publication did the source familiar with the matter speak to?", 0.35, "told the JoongAng Ilbo"),
        ("Which news agency quoted the spokesperson who described a friendship forged through blood?", 0.35,
         "as quoted by Yonhap News Agency"),
        # the quotation goes on after "Jian added"; "Lin" is the rest of his name, given earlier
        ("According to Lin, what has stayed the same despite big changes in the international landscape?", 0.35,
         "remains unchanged"),
        # a continued quotation is the words of whoever the sentence before names
        ("What did Lin say remains unchanged despite big shifts in the international landscape?", 0.35,
         "remains unchanged"),
        # a caption tells when its photo was taken; "50k" is 50,000; an adjective is said without the word
        ("Roughly when was the check-in photo taken?", 0.35, "in mid-July, as shown in this photo"),
        ("has the 50k number of workers in china gone up or down", 0.35, "around 50,000 workers"),
        ("What adjective does the article use for the visa arrangements China used?", 0.35, "subversive visa"),
        # a photo's caption tells who supplied it and how it is credited, without those words; "used in the
        # story" speaks of the article, not of what it says
        ("Who supplied the photos used in the story?", 0.35, "provided by a source"),
        ("How are the pictures credited?", 0.35, "as shown in this photo"),
        # "UN" is spelled out as "United Nations"; "put out" is too light a verb to be asked about
        ("Has Beijing stepped up enforcement of UN sanctions on North Korean labor?", 0.35, "United Nations"),
        ("Who put out the March report on North Korea's earnings from laborers abroad?", 0.33, "A UN report"),
        # "UNSC" is spelled out as "UN Security Council", a name the documents do mention
        ("Which UNSC resolution outlaws hiring North Korean labor?", 0.35, "Resolution 2397"),
        # "China" after the noun opens a clause: "visa" is the noun asked about, not "let"
        ("Name one kind of visa China let North Korean workers stay on.", 0.35, "student visas"),
    ],
)
def test_gate_passes_the_sentence_that_holds_the_fact_asked_for(article_index, minilm, question, min_score, expected):
    gate = _gate(article_index, minilm, question, min_score)
    assert gate.answerable and gate.best is not None, gate.reason
    assert expected in gate.best.sentence.text


def test_word_vectors_are_cached_and_bounded(hashing_index, monkeypatch):
    from rag import retrieval
    from rag.embedding import HashingEmbedder

    monkeypatch.setattr(retrieval, "WORD_CACHE", 3)
    embedder = HashingEmbedder()
    retriever = Retriever(hashing_index, embedder)
    first = retriever._vectors(["revenue", "income"])
    assert np.allclose(first, embedder.embed_batch(["revenue", "income"]))
    again = retriever._vectors(["income", "revenue", "income"])  # from the cache, in the order asked
    assert np.allclose(again, first[[1, 0, 1]])
    retriever._vectors(["salary", "wages"])  # 4 > 3 words: the cache starts over
    assert set(retriever._word_vecs) == {"salary", "wages"}


def test_a_quotation_that_goes_on_keeps_its_speaker(article_index, minilm):
    # '"While it seeks ... its so-called blood ally ..."' follows '"...," said Oh Gyeong-seob, a researcher'
    retriever = Retriever(article_index, minilm)
    by_text = {s.text[:30]: s.sentence_id for s in article_index.sentences}
    continued = next(sid for text, sid in by_text.items() if text.startswith('"While it seeks'))
    assert {"oh", "researcher"} <= retriever._speaker_terms[continued]
    attributed = next(sid for text, sid in by_text.items() if text.startswith('"North Korea has experience'))
    assert attributed not in retriever._speaker_terms  # it names its speaker itself
    # '"...," Jian added.' names the spokesperson Lin Jian by one word; the quotation after it goes on
    added = next(sid for text, sid in by_text.items() if text.startswith("“During this process"))
    assert {"lin", "jian"} <= retriever._full_names[added]
    assert {"lin", "jian"} <= retriever._speaker_terms[added + 1]
    question = "What does the researcher say North Korea calls China?"
    qvec = minilm.embed(question)
    evidence = retriever.evidence(question, question, retriever.retrieve(question, 6, qvec), qvec)
    assert continued in [e.sentence.sentence_id for e in evidence[:4]]


def test_this_number_counts_what_the_sentence_before_counts(article_index, minilm):
    # "... deployed around 50,000 workers to China ..." then "... this number is believed to have increased ..."
    retriever = Retriever(article_index, minilm)
    this_number = next(s for s in article_index.sentences if "this number" in s.text)
    assert {"worker", "china"} <= retriever._counted[this_number.sentence_id]
    question = "Why do people think the number of North Korean workers in China has grown?"  # believed, increased
    qvec = minilm.embed(question)
    evidence = retriever.evidence(question, question, retriever.retrieve(question, 6, qvec), qvec)
    assert this_number.sentence_id in [e.sentence.sentence_id for e in evidence[:2]]


def test_a_sentence_followed_by_a_photo_credit_is_a_caption(article_index, minilm):
    retriever = Retriever(article_index, minilm)
    credit = next(s for s in article_index.sentences if s.text == "[JOONGANG PHOTO]")
    caption = article_index.sentences[credit.sentence_id - 1]
    assert caption.sentence_id in retriever._captions
    assert not any("Lin Jian" in article_index.sentences[sid].text for sid in retriever._captions)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the editor's note answers questions about changes to the article ...
        ("When was the article updated with the Chinese spokesperson's comments?", "Update, August 1"),
        # ... and is no evidence for the comments it names
        ("What is the name of the Chinese Foreign Ministry spokesperson?", "spokesperson Lin Jian said"),
    ],
)
def test_an_update_note_is_evidence_only_for_changes_to_the_article(article_index, minilm, question, expected):
    gate = _gate(article_index, minilm, question, 0.35)
    assert gate.answerable and gate.best is not None, gate.reason
    assert expected in gate.best.sentence.text


def test_the_update_note_answers_a_revision_in_other_words_but_not_the_first_publication(article_index, minilm):
    revised = _gate(article_index, minilm, "When was the story revised?", 0.33)
    assert revised.answerable and revised.best is not None, revised.reason
    assert revised.best.sentence.text.startswith("Update, August 1")
    first = _gate(article_index, minilm, "What date was the story first published, before the August update?", 0.33)
    assert not first.answerable
    assert "the date given is the update's, not the first publication's" in first.reason


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # "Seventy-one years ago" is in his words, and "Thursday" is when he spoke
        ("How long has Lin Jian served as the Chinese Foreign Ministry's spokesperson?",
         "the number given is in the words of the one the question asks about"),
        ("When did Lin Jian become a spokesperson for the Chinese Foreign Ministry?",
         "the date given is in the words of the one the question asks about"),
        ("How much cryptocurrency have North Korean IT workers stolen in total?",
         "evidence gives no amount of cryptocurrency"),
        ("How much does each North Korean IT worker get paid?",
         "question asks for an amount per person, evidence gives a total"),
        ("How many public exchanges did North Korea and Russia hold last year?", "evidence speaks of this year"),
    ],
)
def test_a_fact_of_the_asked_kind_about_something_else_is_refused(article_index, minilm, question, reason):
    gate = _gate(article_index, minilm, question, 0.33)
    assert not gate.answerable
    assert reason in gate.reason


def test_what_someone_said_is_still_answered_from_their_words(article_index, minilm):
    gate = _gate(article_index, minilm, "According to Lin Jian, how many years ago did the volunteers fight?", 0.33)
    assert gate.answerable and gate.best is not None, gate.reason
    assert "Seventy-one years ago" in gate.best.sentence.text


def test_a_question_about_who_is_quoted_matches_the_words_around_the_quotation(article_index, minilm):
    # the quotation's words dominate the sentence's vector; the words naming the speaker answer the question
    question = "Which institution does the quoted researcher work for?"
    gate = _gate(article_index, minilm, question, 0.33)
    assert gate.answerable and gate.best is not None, gate.reason
    assert "Korea Institute for National Unification" in gate.best.sentence.text
    whole = float(np.asarray(article_index.sentence_vecs[gate.best.sentence.sentence_id]) @ minilm.embed(question))
    assert gate.best.dense > whole + 0.1


def test_the_day_of_speaking_is_not_a_day_inside_the_quotation(article_index, minilm):
    gate = _gate(article_index, minilm, "Source spoke on which day?", 0.33)
    assert gate.answerable and gate.best is not None, gate.reason
    assert "on Wednesday" in gate.best.sentence.text


def test_a_kind_asked_for_is_said_by_the_cited_word_closest_to_it(article_index, minilm):
    retriever = Retriever(article_index, minilm)
    question = "What kind of sporting event did North Korea reportedly call off with a Chinese team?"
    cited = ['"I heard that North Korea recently canceled a friendly basketball game with a Chinese team in the '
             'southeast region that was previously scheduled for early July," another source familiar with the '
             "matter said."]
    sort = ["sporting", "event"]
    assert retriever.says_the_sort(sort, "A friendly basketball game [1].", cited, question)
    assert not retriever.says_the_sort(
        sort, "The Chinese team reportedly called off with a Chinese team in the southeast region [1].", cited, question
    )
    # no cited word is close to what is asked the kind of: nothing to check
    assert retriever.says_the_sort(["visa"], "Student visas [1].", ["China let them stay."], "What kind of visa?")
