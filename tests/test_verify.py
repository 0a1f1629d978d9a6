"""The verifier accepts supported answers and rejects planted unsupported ones."""

from __future__ import annotations

import pytest

from rag.types import Evidence, Sentence
from rag.verify import Rejected, Verified, speaks_unnamed, supports, verify


def _one(text: str, score: float = 0.7) -> list[Evidence]:
    """The text as the only evidence sentence."""
    return [Evidence(Sentence(0, "d", 0, len(text), text), score, score, score)]


EVIDENCE = [
    Evidence(Sentence(0, "d", 0, 10, "North Korea earns between $750 million and $1.1 billion annually from its "
                      "overseas workers."), 0.8, 0.8, 0.8),
    Evidence(Sentence(1, "d", 11, 20, "In 2017, the UN Security Council adopted Resolution 2397."), 0.5, 0.5, 0.5),
    Evidence(Sentence(2, "d", 21, 30, "Pyongyang plans to send its IT workers to Russia."), 0.4, 0.4, 0.4),
]


@pytest.mark.parametrize(
    ("answer", "text", "cited"),
    [
        ("North Korea earns $750 million to $1.1 billion a year from overseas workers [1].",
         "North Korea earns $750 million to $1.1 billion a year from overseas workers [1].", (0,)),
        # a marker after the full stop, and a second sentence citing another source: renumbered in order of use
        ("The IT workers are being sent to Russia. [3] Resolution 2397 was adopted in 2017 [2].",
         "The IT workers are being sent to Russia [1]. Resolution 2397 was adopted in 2017 [2].", (2, 1)),
        # an unknown marker is dropped and the claim attached to the one sentence that supports it
        ("The workers are sent to Russia [7].", "The workers are sent to Russia [1].", (2,)),
        # a clause cut off before the marker ends cleanly
        ("Resolution 2397 was adopted in 2017, [2].", "Resolution 2397 was adopted in 2017 [1].", (1,)),
        # a wrong marker is replaced by the supporting sentence
        ("Resolution 2397 was adopted in 2017 [1].", "Resolution 2397 was adopted in 2017 [1].", (1,)),
    ],
)
def test_supported_answers(answer, text, cited):
    result = verify(answer, EVIDENCE)
    assert isinstance(result, Verified), result
    assert result.text == text
    assert result.cited == cited


def test_an_answer_is_cited_to_the_sentence_holding_what_it_adds():
    evidence = [
        Evidence(Sentence(0, "d", 0, 9, "Both countries benefit from this cooperation: North Korea needs stable "
                          "foreign income, while Russia requires skilled labor."), 0.6, 0.6, 0.6),
        Evidence(Sentence(1, "d", 10, 19, "Russia is expected to employ North Korean workers through similar "
                          "nonworker visa arrangements."), 0.5, 0.5, 0.5),
    ]
    question = "What does North Korea get out of its labor cooperation with Russia?"
    claim = "North Korea gets out of its labor cooperation with Russia through nonworker visa arrangements."
    # sentence 1 shares half the answer's words, but only sentence 2 holds what it adds to the question
    assert supports(claim, [evidence[0].sentence.text])
    result = verify(claim[:-1] + " [1].", evidence, question)
    assert isinstance(result, Verified) and result.cited == (1,)


def test_an_answer_whose_additions_no_sentence_holds_is_rejected():
    # it shares most words with sentence 1, but "visa arrangements" is in no evidence sentence
    question = "What does North Korea earn from its overseas workers?"
    answer = "North Korea earns from its overseas workers through visa arrangements [1]."
    assert isinstance(verify(answer, EVIDENCE, question), Rejected)
    assert isinstance(verify(answer, EVIDENCE), Verified)  # without the question, only overlap is checked


@pytest.mark.parametrize(
    "answer",
    [
        "North Korea earns $2 billion a year [1].",  # a number the evidence does not hold
        "The workers are being sent to Ukraine [3].",  # a name the evidence does not hold
        "The capital of France is Paris [1].",
        "I don't know based on the provided context.",
        "",
        "Russia [3]. Paris is lovely in spring [2].",  # one good sentence does not carry a bad one
    ],
)
def test_unsupported_answers_are_rejected(answer):
    assert isinstance(verify(answer, EVIDENCE), Rejected)


@pytest.mark.parametrize(
    ("claim", "cited", "ok"),
    [
        # a capital stands for its country ("Pyongyang said" is news writing for "North Korea said"), not
        # the other way round, and it stands for no other country
        ("Since June, North Korea sends its IT workers to Russia", "Since June, Pyongyang sends its IT workers to "
         "Russia.", True),
        ("Since June, Pyongyang sends its IT workers to Russia", "Since June, North Korea sends its IT workers to "
         "Russia.", False),
        ("Since June, China sends its IT workers to Russia", "Since June, Pyongyang sends its IT workers to Russia.",
         False),
    ],
)
def test_a_capital_names_its_country(claim, cited, ok):
    assert supports(claim, [cited]) is ok


def test_supports_needs_content_overlap():
    assert supports("Resolution 2397 banned weapons trade exports", [EVIDENCE[1].sentence.text]) is False
    assert supports("The UN Security Council adopted Resolution 2397", [EVIDENCE[1].sentence.text])


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("Where are the IT workers being sent?", "The IT workers are being sent to Russia [3].", True),
        # copies words from the evidence but names no place: not an answer to "where"
        ("Where are the IT workers being sent?", "Pyongyang plans to send its IT workers [3].", False),
        ("How much does North Korea earn?", "North Korea earns from its overseas workers [1].", False),
        ("How much does North Korea earn?", "North Korea earns $750 million to $1.1 billion [1].", True),
        ("When was Resolution 2397 adopted?", "Resolution 2397 was adopted in 2017 [2].", True),
    ],
)
def test_answer_must_hold_the_kind_of_fact_asked_for(question, answer, ok):
    assert isinstance(verify(answer, EVIDENCE, question), Verified) is ok


@pytest.mark.parametrize(
    ("question", "kind", "text", "ok"),
    [
        ("How many workers had North Korea deployed to China?", "number",
         "The country had earlier deployed around 50,000 workers to China.", True),
        # money is not a count, and a number inside a name counts nothing
        ("How many workers had North Korea deployed to China?", "number",
         "North Korea earns $750 million from its overseas workers.", False),
        ("How many Security Council members voted for it?", "number",
         "In 2017, the council adopted Resolution 2397, banning UN member states from hiring them.", False),
        ("How many spectators watched the matches?", "number", "It hosted two friendly matches in Moscow.", False),
        ("About how many IT specialists were among them?", "number", "About 50,000 workers were among them.", False),
        # a count asked for as it stands now is not one given for an earlier time
        ("How many workers are in China right now?", "number", "It had earlier sent 50,000 workers to China.", False),
        ("How many workers had been sent to China?", "number", "It had earlier sent 50,000 workers to China.", True),
        # "how long" wants a stretch of time, not a year
        ("How long are the student visas valid for?", "number", "In 2017, the council banned hiring them.", False),
        ("How long are the student visas valid for?", "number", "The visas are valid for two years.", True),
        ("How long have agencies watched them?", "number", "They have watched since the summit.", True),
        ("When did Putin visit?", "date", "Putin visited North Korea in June.", True),
        ("When did Putin visit?", "date", "Putin visited North Korea.", False),
        # "what year" wants a year, "what day" a day: a decade or "recently" does not say which
        ("In what year did the Sino-Soviet split begin?", "date", "It came during the split in the 1960s.", False),
        ("In what year was the resolution adopted?", "date", "In 2017, the council adopted it.", True),
        ("On what exact date did China give the order?", "date", "China recently gave the order.", False),
        ("On what day did the source speak?", "date", "The source spoke on Wednesday.", True),
        ("What month was the report published?", "date", "A UN report published in March said so.", True),
        # "what date" wants a day of a month: a weekday or a month alone does not say which
        ("On what exact date did China give the order?", "date", "China gave the order on Wednesday.", False),
        ("On what exact date in June did Putin arrive?", "date", "Putin arrived in June.", False),
        ("On which dates did the teams play?", "date", "They played in Moscow on July 12 and July 15.", True),
        # an amount per month is not given by a yearly one, but a yearly one answers "each year"
        ("How much does one worker earn per month?", "number", "They earn $750 million annually.", False),
        ("How much does North Korea earn each year?", "number", "It earns $750 million annually.", True),
        ("How much does North Korea earn?", "number", "It earns $750 million annually.", True),
        # a verb between "which" and "countries": the question asks for a resolution, not a country
        ("Which UN resolution prohibits countries from hiring them?", None, "Resolution 2397 does.", True),
        ("In which Chinese city was the game?", "place", "The game with a Chinese team was cancelled.", False),
        # "which city" and "which country" want a city or a country, not any name
        ("In which city did the summit take place?", "place", "Russia needs labor for its Far East.", False),
        ("In which city did the teams play?", "place", "Two matches were played in Moscow.", True),
        # a country before "city" says where the city must lie
        ("Which Russian city will the workers move to?", "place", "Pyongyang will move them to Russia.", False),
        ("Which Russian city will the workers move to?", "place", "They will work in Vladivostok.", True),
        # after a leading clause comes what is asked: a place here, and no time in the second question
        ("After scrapping the game, where did North Korea play Russia?", "place",
         "They played on July 12 and July 15.", False),
        ("When the game was scrapped, what sport did they play instead?", None, "They played football.", True),
        # after a semicolon comes what is asked
        ("It called off a game with a Chinese team; in which city did it play instead?", "place",
         "It called off a game with a Chinese team.", False),
        ("To which country is Pyongyang moving the workers?", "place", "North Korea is moving the workers.", False),
        ("To which country is Pyongyang moving the workers?", "place", "They go to Russia.", True),
        ("Who is the spokesperson?", "person", "Spokesperson Lin Jian said so.", True),
        # a country opening the sentence still names someone
        ("Who is expected to hire the workers?", "person", "Russia is expected to hire the workers.", True),
        ("Who is expected to hire the workers?", "person", "The workers are expected to be hired.", False),
        ("What is the name of the Chinese team?", "name", "It cancelled a game with a Chinese team.", False),
        # a part of a country, in lower case, says where
        ("In which region was the Chinese team based?", "place", "a team in the southeast region", True),
        ("In which southern region was the team based?", "place", "a team in the southern region", False),
        # a month is capitalised but says neither where nor who
        ("Where was the luggage photographed?", "place", "The luggage was photographed in mid-July.", False),
        ("Where was the luggage photographed?", "place", "It was photographed at Beijing airport in July.", True),
        # companies, teams, newspapers ... are answered by their names
        ("Which Russian companies will hire the workers?", "name", "Russia will hire the workers.", False),
        # "what kind of companies" asks for a kind, not for names
        ("What kind of companies did they work for?", None, "They worked for IT companies.", True),
        ("Which newspaper did the source speak to?", "name", "The source told the JoongAng Ilbo.", True),
        # a team is named, but "which teams" asks what kind
        ("Which team won the match in Moscow?", "name", "The team won the match in Moscow.", False),
        ("Which teams played the friendly matches?", None, "The women's football teams played them.", True),
        # a country the question names another way, or by its capital, is nothing new
        ("Which US companies hired them?", "name", "They found jobs in IT companies in the United States.", False),
        # ... and no country is a company, though a country's team is a team
        ("Which U.S. companies hired them?", "name", "IT companies in America and in Russia hired them.", False),
        ("Which companies hired them?", "name", "Google hired them in the United States.", True),
        ("Which team did they play?", "name", "They played a Chinese team.", True),
        # a UN body is named by its name, not by a member state's
        ("Which UN body passed the resolution?", "name", "China passed it in 2017.", False),
        ("Which UN body passed the resolution?", "name", "The UN Security Council passed it.", True),
        # ... but "Council" in a name is no such noun: this asks for a resolution
        ("Which UN Security Council resolution bans hiring them?", None, "Resolution 2397 bans it.", True),
        ("Where are the North Korean workers going?", "place", "Pyongyang has decided to move them.", False),
        ("Where are the North Korean workers going?", "place", "Pyongyang will move them to Russia.", True),
        ("Which friendly game was cancelled?", None, "A basketball game was cancelled.", True),
        # "country" here is the subject, not what is asked for
        ("What does each country gain from the deal?", None, "Both countries benefit.", True),
    ],
)
def test_question_kinds(question, kind, text, ok):
    from rag.questions import asks_for, holds

    assert asks_for(question) == kind
    assert holds(text, kind, question) is ok


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        ("What did the council adopt?", "The council adopted [2].", "restates"),
        ("How much does North Korea earn?", "North Korea earns $3 billion [1].", "found in no evidence"),
        ("Where are the IT workers being sent?", "They are sent to Ukraine [3].", "found in no evidence"),
    ],
)
def test_rejections_say_why(question, answer, reason):
    result = verify(answer, EVIDENCE, question)
    assert isinstance(result, Rejected) and reason in result.reason
    assert result.invented is (reason == "found in no evidence")


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        # past forms of the question's verbs add nothing either
        ("What did the council adopt and ban?", "The council adopted and banned [2].", "restates"),
        # and so do their -ing forms
        ("What does Pyongyang plan to send?", "Pyongyang plans sending [3].", "restates"),
        ("How much more does North Korea earn than before?",
         "North Korea earns between $750 million and $1.1 billion annually [1].", "no comparison"),
    ],
)
def test_answers_that_miss_what_is_asked_are_rejected(question, answer, reason):
    result = verify(answer, EVIDENCE, question)
    assert isinstance(result, Rejected) and reason in result.reason


def test_a_countrys_other_name_adds_nothing_to_the_question():
    result = verify("The United States adopted it [1].", _one("The United States adopted sanctions in 2017."),
                    "What did the US adopt?")
    assert isinstance(result, Rejected) and "restates" in result.reason


def test_a_verb_of_speaking_adds_nothing_to_the_question():
    evidence = _one('In response, Pyongyang has "planned to redispatch its IT workforce," the source added.')
    question = "According to the source, which part of its workforce does Pyongyang plan to redispatch?"
    result = verify("The source added [1].", evidence, question)
    assert isinstance(result, Rejected) and "restates" in result.reason
    assert isinstance(verify("Its IT workforce [1].", evidence, question), Verified)


def test_what_kind_of_wants_the_word_the_sentence_puts_before_the_noun():
    evidence = [Evidence(Sentence(0, "d", 0, 9, "North Korea cancelled a friendly basketball game with a Chinese "
                                  "team in the southeast."), 0.7, 0.7, 0.7)]
    question = "What kind of game did North Korea cancel with a Chinese team?"
    assert isinstance(verify("North Korea cancelled a basketball game [1].", evidence, question), Verified)
    result = verify("North Korea cancelled the game with a Chinese team in the southeast [1].", evidence, question)
    assert isinstance(result, Rejected) and "what kind of game" in result.reason


def test_an_acronym_before_the_noun_is_a_kind():
    text = ('Pyongyang has "planned to redispatch its IT workforce, previously stationed in China, to Russia," '
            "the source added.")
    evidence = _one(text)
    question = "What kind of workforce did Pyongyang plan to redispatch from China to Russia?"
    assert isinstance(verify("Its IT workforce [1].", evidence, question), Verified)
    result = verify("The source added [1].", evidence, question)
    assert isinstance(result, Rejected) and "what kind of workforce" in result.reason


def test_repeating_the_questions_number_is_unsupported_but_not_invented():
    question = "What do the 50,000 workers in Russia do?"
    result = verify("The 50,000 workers are IT workers [3].", EVIDENCE, question)
    assert isinstance(result, Rejected) and "50000" in result.reason
    assert not result.invented
    assert verify("The 60,000 workers are IT workers [3].", EVIDENCE, question).invented
    assert not verify("The NK-Russia deal sends IT workers [3].", EVIDENCE, "What does the NK-Russia deal do?").invented
    assert verify("The Ministry sends IT workers [3].", EVIDENCE, "Which ministry sends the workers?").invented


def test_the_questions_noun_added_to_a_name_the_evidence_gives_is_not_made_up():
    caption = ("North Korean workers check in for their Air Koryo flight to Pyongyang at Beijing Capital "
               "International Airport in mid-July, as shown in this photo provided by a source.")
    question = "Which airline's flight were the workers checking in for in the photo?"
    result = verify("The workers were checking in for the Air Koryo Airline flight [1].", _one(caption), question)
    assert isinstance(result, Rejected) and "airline" in result.reason  # not the caption's words, so a quote
    assert not result.invented  # but Air Koryo is named: no reason to refuse


@pytest.mark.parametrize(
    ("question", "answer", "unnamed"),
    [
        ("Who adopted Resolution 2397?", "Resolution 2397 was adopted in 2017 [2].", True),
        ("What is the name of the resolution?", "It was adopted in 2017 [2].", True),
        ("Where are the IT workers being sent?", "The IT workers are being sent [3].", False),
    ],
)
def test_answers_naming_no_one_for_who_are_flagged(question, answer, unnamed):
    result = verify(answer, EVIDENCE, question)
    assert isinstance(result, Rejected) and "gives no" in result.reason
    assert result.unnamed is unnamed


def test_someone_unnamed_whom_the_question_does_not_mention_is_an_answer():
    caption = _one("Workers check in at the airport, as shown in this photo provided by a source.")
    supplied = verify("A source [1].", caption, "Who supplied the photo?")
    assert isinstance(supplied, Rejected) and not supplied.unnamed  # a quote of the caption answers it
    named = verify("A source [1].", caption, "Who is the source of the photo?")
    assert isinstance(named, Rejected) and named.unnamed  # the question already speaks of a source


def test_a_name_the_conversation_gave_is_no_answer_to_a_follow_up():
    text = "North Korean workers check in for their Air Koryo flight, in a photo from Yonhap News Agency."
    evidence = _one(text, 0.6)
    question = "Which airline were they flying with?"
    known = "Who took the photo? Yonhap News Agency " + question
    answer = "The airline was Yonhap News Agency [1]."
    assert isinstance(verify(answer, evidence, question), Verified)  # without the conversation: a new name
    result = verify(answer, evidence, question, known=known)
    assert isinstance(result, Rejected) and "gives no name" in result.reason
    assert not result.unnamed  # it named something: a wrong answer, no sign that the documents lack one
    assert isinstance(verify("They flew with Air Koryo [1].", evidence, question, known=known), Verified)


def test_an_airport_is_no_airline_but_names_something():
    text = "North Korean workers check in for their Air Koryo flight at Beijing Capital International Airport."
    evidence = _one(text, 0.6)
    result = verify("The airline was Beijing Capital International Airport [1].", evidence,
                    "Which airline were they flying with?")
    assert isinstance(result, Rejected) and "gives no name" in result.reason
    assert not result.unnamed  # a quote of the sentence, which names the airline, is shown instead


def test_a_country_may_be_named_another_way_than_its_evidence_does():
    text = "The workers secured employment in IT companies overseas, such as in the United States."
    evidence = _one(text, 0.6)
    assert isinstance(verify("They worked for IT companies in the U.S. [1].", evidence), Verified)
    result = verify("They worked for IT companies in France [1].", evidence)
    assert isinstance(result, Rejected) and "france" in result.reason


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("They have held over 20 public exchanges [1].", True),
        ("They have held 20 public exchanges [1].", False),  # "over 20" is not 20
    ],
)
def test_an_answer_keeps_the_word_that_limits_a_number(answer, ok):
    text = "North Korea and Russia have conducted over 20 public exchanges this year alone."
    evidence = _one(text)
    result = verify(answer, evidence, "How many public exchanges have North Korea and Russia held this year?")
    assert isinstance(result, Verified) is ok
    if not ok:
        assert isinstance(result, Rejected) and "drops 'over'" in result.reason and not result.invented


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("Since last September [1].", True),
        ("Since the summit last September [1].", True),
        ("Since September [1].", False),  # which September: "last" dates it
    ],
)
def test_an_answer_keeps_the_word_that_places_a_month(answer, ok):
    text = "Intelligence agencies have monitored these developments since the two countries' summit last September."
    question = "Since when have intelligence agencies been watching these developments?"
    evidence = _one(text)
    result = verify(answer, evidence, question)
    assert isinstance(result, Verified) is ok
    if not ok:
        assert isinstance(result, Rejected) and "drops 'last'" in result.reason and not result.invented


@pytest.mark.parametrize(
    ("answer", "question", "ok"),
    [
        ("He pointed to the Sino-Soviet split in the 1960s [1].", "Which historical episode did he point to?", True),
        ("He pointed to the 1960s as an example [1].", "Which historical episode did he point to?", False),
        # a question that asks when is answered by the time alone
        ("In the 1960s [1].", "When did North Korea use equidistant diplomacy?", True),
    ],
)
def test_an_answer_names_what_happened_in_the_time_it_gives(answer, question, ok):
    text = ('"North Korea has experience maximizing its interests through equidistant diplomacy during the '
            'Sino-Soviet split in the 1960s," said Oh Gyeong-seob, a researcher.')
    result = verify(answer, _one(text), question)
    assert isinstance(result, Verified) is ok
    if not ok:
        assert isinstance(result, Rejected) and "time of the Sino-Soviet split" in result.reason


def test_yes_no_answers_need_not_add_words():
    result = verify("No, Resolution 2397 was adopted in 2017 [2].", EVIDENCE, "Was Resolution 2397 adopted in 2017?")
    assert isinstance(result, Verified)


def test_copying_a_weaker_sentence_whole_is_rejected():
    # the model copied sentence [3] for a question it could not answer from it
    result = verify("Pyongyang plans to send its IT workers to Russia.", EVIDENCE, "Where do the earnings come from?")
    assert isinstance(result, Rejected)
    assert result.reason == "the answer copies sentence [3] instead of answering"


def test_copying_the_best_sentence_is_accepted():
    answer = "North Korea earns between $750 million and $1.1 billion annually from its overseas workers [1]."
    result = verify(answer, EVIDENCE, "How much does North Korea earn from workers abroad?")
    assert isinstance(result, Verified), result
    assert result.cited == (0,)


def test_a_short_answer_from_a_weaker_sentence_is_no_copy():
    result = verify("They are going to Russia [3].", EVIDENCE, "Where are the IT workers going?")
    assert isinstance(result, Verified), result
    assert result.cited == (2,)


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("Which news agency carried the spokesperson's remarks?", "Yonhap News Agency [1].", True),
        ("Which news agency carried the spokesperson's remarks?", "Lin Jian carried them [1].", False),
        ("Which news agency carried the spokesperson's remarks?",
         "The Chinese Foreign Ministry spokesperson Lin Jian carried the remarks [1].", False),  # his title too
        ("Which spokesperson spoke at the briefing?", "Lin Jian [1].", True),  # the noun asked about
        ("What is the name of the spokesperson who spoke at the briefing?", "Lin Jian [1].", True),
        ("Who spoke at the briefing?", "Lin Jian [1].", True),
    ],
)
def test_the_name_of_the_questions_own_subject_is_no_answer(question, answer, ok):
    text = "Chinese Foreign Ministry spokesperson Lin Jian said during a briefing, as quoted by Yonhap News Agency."
    evidence = _one(text)
    result = verify(answer, evidence, question)
    assert isinstance(result, Verified) is ok, result
    if not ok:
        assert isinstance(result, Rejected) and not result.unnamed and not result.invented


def test_a_name_before_a_noun_is_tied_only_as_a_title():
    text = "North Korean workers check in for their Air Koryo flight to Pyongyang."
    evidence = _one(text)
    assert isinstance(verify("Air Koryo [1].", evidence, "What airline was their flight?"), Verified)


def test_a_name_given_with_an_article_after_it_is_tied_to_the_noun():
    text = '"It seeks ties," said Oh Gyeong-seob, a researcher at the Korea Institute for National Unification.'
    evidence = _one(text)
    assert isinstance(verify("Oh Gyeong-seob [1].", evidence, "What nickname does the researcher use?"), Rejected)
    assert isinstance(verify("Oh Gyeong-seob [1].", evidence, "Which researcher is quoted?"), Verified)


def test_a_leader_of_another_country_does_not_answer():
    texts = ["Facing financial setbacks, North Korean leader Kim Jong-un has reportedly turned to Russia.",
             "The move followed President Vladimir Putin's visit to North Korea in June."]
    evidence = [Evidence(Sentence(i, "d", 0, len(t), t), 0.7, 0.7, 0.7) for i, t in enumerate(texts)]
    question = "Which Russian leader's trip to North Korea is mentioned?"
    result = verify("Kim Jong-un's trip to North Korea is mentioned [1].", evidence, question)
    assert isinstance(result, Rejected) and "North Korean leader" in result.reason
    assert isinstance(verify("Vladimir Putin's trip [2].", evidence, question), Verified)
    assert isinstance(verify("Kim Jong-un [1].", evidence, "Which North Korean leader turned to Russia?"), Verified)


def test_an_answer_naming_only_who_the_conversation_named_adds_nothing():
    text = '"North Korea has experience ... during the Sino-Soviet split," said Oh Gyeong-seob, a researcher.'
    evidence = _one(text)
    question = "Which historical episode did he cite as an example?"
    known = "Which researcher is quoted? Oh Gyeong-seob"
    result = verify("Oh Gyeong-seob cited it as an example [1].", evidence, question, known=known)
    assert isinstance(result, Rejected) and "restates" in result.reason
    assert isinstance(verify("The Sino-Soviet split [1].", evidence, question, known=known), Verified)


def test_an_amount_for_another_period_is_made_up():
    text = "A UN report revealed that North Korea earns between $750 million and $1.1 billion annually."
    evidence = _one(text, 0.5)
    result = verify("They earn $750 million [1].", evidence, "What monthly wage do the workers earn?")
    assert isinstance(result, Rejected) and result.invented
    assert isinstance(verify("$750 million [1].", evidence, "How much does North Korea earn a year?"), Verified)


SPOKESPERSON = Evidence(Sentence(9, "d", 0, 10, (
    '"Seventy-one years ago, the Chinese People\'s Volunteer Army fought alongside the North Korean people and '
    "military, achieving great victories in both China's War to Resist U.S. Aggression and Aid Korea and [the "
    'Korean War]," Chinese Foreign Ministry spokesperson Lin Jian said during a briefing on Thursday.')), 0.7, 0.6, 0.8)


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("What name does China use for the Korean War?", "China uses the Korean War armistice [1].", False),
        ("What does China call the Korean War, according to Lin Jian?", "The Korean War [1].", False),
        ("What name does China use for the Korean War?",
         "China calls it the War to Resist U.S. Aggression and Aid Korea [1].", True),
    ],
)
def test_another_name_for_a_thing_is_a_name_the_question_lacks(question, answer, ok):
    result = verify(answer, [SPOKESPERSON], question)
    assert isinstance(result, Verified) is ok, result
    if not ok:  # a quote of the sentence, which holds the name, serves better than a refusal
        assert isinstance(result, Rejected) and not result.unnamed and not result.invented


def test_the_stop_of_an_abbreviation_ends_no_sentence():
    result = verify("China calls it the War to Resist U.S. Aggression and Aid Korea [1].", [SPOKESPERSON])
    assert isinstance(result, Verified), result
    assert result.text == "China calls it the War to Resist U.S. Aggression and Aid Korea [1]."


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        # a capital letter does not make "armistice" a name: the evidence writes it in lower case
        ("What is China's name for the Korean War?", "China's name for the Korean War is the Korean War Armistice [1].",
         False),
        ("What name does China use for the Korean War?", "China uses the Korean War Armistice [1].", False),
        ("What is China's name for the Korean War?", "The War to Resist U.S. Aggression and Aid Korea [1].", True),
    ],
)
def test_another_name_must_be_one_the_evidence_writes(question, answer, ok):
    text = ('"This year marks the 71st anniversary of the Korean War armistice. Seventy-one years ago, the Chinese '
            "People's Volunteer Army fought in China's War to Resist U.S. Aggression and Aid Korea,\" Lin Jian said.")
    result = verify(answer, [Evidence(Sentence(9, "d", 0, len(text), text), 0.7, 0.6, 0.8)], question)
    assert isinstance(result, Verified) is ok, result


def test_an_anniversary_is_told_by_its_number():
    text = '"This year marks the 71st anniversary of the Korean War armistice," Lin Jian said.'
    evidence = [EVIDENCE[0], Evidence(Sentence(9, "d", 0, len(text), text), 0.5, 0.5, 0.5)]
    question = "Which anniversary did he say this year marks?"
    result = verify("The Korean War armistice [1].", evidence, question)
    assert isinstance(result, Rejected) and "which anniversary" in result.reason
    assert result.used == 1  # the sentence the model took its words from is quoted with the best one
    assert isinstance(verify("The 71st anniversary of the Korean War armistice [2].", evidence, question), Verified)
    # asked after a lead clause, or with words before "anniversary"
    for asked in ("According to Lin Jian, which anniversary does this year mark?",
                  "Which armistice anniversary is this?"):
        result = verify("The Korean War armistice anniversary [2].", evidence, asked)
        assert isinstance(result, Rejected) and "which anniversary" in result.reason


def test_a_destination_is_what_the_evidence_writes_after_to():
    text = ("North Korean workers check in for their Air Koryo flight to Pyongyang at Beijing Capital International "
            "Airport in mid-July.")
    evidence = _one(text, 0.6)
    question = "Where was the Air Koryo flight in the photo bound for?"
    rejected = verify("The flight was bound for Beijing Capital International Airport [1].", evidence, question)
    assert isinstance(rejected, Rejected) and "destination" in rejected.reason
    assert isinstance(verify("The flight was headed to Pyongyang [1].", evidence, question), Verified)


def test_a_country_the_sentence_puts_away_from_the_questions_words_is_not_taken():
    sentence = ("Following China's directive that North Korean workers with expired visas return home, Pyongyang has "
                "reportedly decided to relocate them to Russia.")
    evidence = _one(sentence)
    told = "Which country told North Korean workers whose visas had run out to go back home?"
    result = verify("Russia [1].", evidence, told)
    assert isinstance(result, Rejected) and "puts China nearer" in result.reason
    assert not result.invented and not result.unnamed  # a quote of the sentence is shown instead
    assert isinstance(verify("China [1].", evidence, told), Verified)
    moving = "Which country is Pyongyang relocating its workers to?"
    assert isinstance(verify("Russia [1].", evidence, moving), Verified)


def test_the_rest_of_a_name_the_question_holds_is_no_name_asked_for():
    sentence = ("Seventy-one years ago, China's War to Resist U.S. Aggression and Aid Korea ended,\" Chinese Foreign "
                "Ministry spokesperson Lin Jian said.")
    evidence = _one(sentence)
    question = "What name does China use for the Korean War in Lin's remarks?"
    assert isinstance(verify("Lin Jian's name [1].", evidence, question), Rejected)
    assert isinstance(verify("The War to Resist U.S. Aggression and Aid Korea [1].", evidence, question), Verified)


def test_words_from_the_clause_about_another_country_do_not_answer():
    sentence = ("Both countries benefit from this cooperation: North Korea needs stable foreign income, while Russia "
                "requires skilled labor for its Far East development.")
    evidence = _one(sentence)
    question = "What does Russia need that North Korean labor can provide?"
    result = verify("Russia needs stable foreign income [1].", evidence, question)
    assert isinstance(result, Rejected) and "about North Korea" in result.reason
    assert isinstance(verify("Russia requires skilled labor for its Far East development [1].", evidence, question),
                      Verified)
    assert isinstance(verify("North Korea needs stable foreign income [1].", evidence,
                             "What does North Korea need from the cooperation?"), Verified)


def test_someone_unnamed_who_speaks_answers_who_spoke_but_not_who_they_are():
    text = 'China "recently demanded the repatriation," a source familiar with the matter told the JoongAng Ilbo.'
    assert speaks_unnamed(text, "Who told the JoongAng Ilbo that China wanted the workers sent home?")
    assert not speaks_unnamed(text, "Who is the source that told the JoongAng Ilbo?")
    assert not speaks_unnamed("China demanded the repatriation of the workers.", "Who told the paper?")
