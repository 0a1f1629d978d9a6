"""What a question asks about: the noun the evidence must use, and whose words it asks for."""

from __future__ import annotations

import pytest

from rag.questions import (
    asked_noun,
    asks_about_photo,
    asks_about_statement,
    asks_byline,
    asks_for,
    asks_metadata,
    asks_outlet,
    asks_photo_credit,
    asks_what_was_said,
    asks_why,
    asks_yes_no,
    attribution,
    counted,
    described,
    describing,
    expand_shorthand,
    gives_reason,
    holds,
    institutions,
    measured,
    named_thing,
    names_institution,
    narrowed_to,
    only_unnamed,
    only_vaguely,
    other_countrys_roles,
    other_period,
    other_relative_time,
    outlets,
    parts,
    per_head_missing,
    reports_speech,
    sort_asked,
    speaker,
    time_unit,
    which_words,
    who_does,
)


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which Chinese province hosted the most North Korean workers?", "province"),
        ("What is the population of North Korea?", "population"),
        ("Who is the head of the Korea Institute for National Unification?", "head"),
        ("What visa fee does Russia charge?", "fee"),
        ("Which booming markets did North Korea take advantage of?", "market"),
        ("Which head of state made a visit to North Korea in June?", "leader"),
        ("Under what kind of visa arrangements will Russia employ them?", "arrangement"),
        ("What part of its workforce will Pyongyang send on?", "workforce"),
        ("What force changes an object's direction of travel?", "force"),
        ("Which problem consists of both inflationary and deflationary impacts?", "problem"),
        ("What type of T cells help with both innate and adaptive immunity?", "cell"),
        ("Which UN resolution forbids member states from hiring them?", "resolution"),
        # after a semicolon comes what is asked
        ("It called off a game; which team did it play instead?", None),
        # nouns an answer does not repeat: meta nouns, measures, times, and kinds holds() checks
        ("What term does the researcher use for China?", None),
        ("What is the lower end of the estimated annual earnings?", None),  # the range's end, not a topic
        ("What is the top of the range of the yearly earnings?", None),
        ("What sporting fixture did North Korea call off?", None),  # a fixture is any game
        ("What visa type did China use?", None),
        ("What is the duration of the academic year?", None),
        ("In what cases can the EU not override German law?", None),
        ("On which two dates did the matches take place?", None),
        ("Which newspaper did the source speak to?", None),
        # "else", roles such as "official" and ways such as "approach" need not be repeated by the answer
        ("What else did they do during the pandemic to bring in cash?", None),
        ("Which Chinese official denied the rumours?", None),
        ("What diplomatic approach did North Korea use?", None),
        ("In which city were the matches?", None),
        ("How many workers had North Korea deployed?", None),
        # no noun: a verb follows "what", or the question is not a which/what question
        ("What happened in some Chinese factories?", None),
        ("What has Beijing been enforcing?", None),
        ("Why are the workers going to Russia?", None),
        # an irregular past form ends the noun phrase too ("side" is no noun asked about)
        ("Which Chinese force fought together with the North Korean people?", "force"),
        ("Which Chinese force fought side by side with the North Koreans?", "force"),
        ("Which foreign leader came to North Korea in June?", "leader"),
        # nouns for a kind of thing, which the answer names an instance of ("United Nations sanctions")
        ("What rules has Beijing started enforcing more strictly?", None),
        ("What project does Russia need skilled hands for?", None),
        ("Which historical rift did Oh Gyeong-seob bring up?", None),
        # kinds of name, estimates and efforts are what the answer gives, not words it repeats
        ("What nickname for China does the researcher mention?", None),
        ("What is the upper estimate of what North Korea makes each year?", None),
        ("Which weapons efforts are funded by the IT income?", None),
        # a plural of a meta noun is one too
        ("What changes allowed Beijing to stop tolerating the workers?", None),
        # generic nouns an analyst's question wraps its topic in: "visa mechanism", "historical precedent"
        ("Under what visa mechanism will Moscow hire the workers?", None),
        ("Which analyst is quoted on Pyongyang's hedging?", None),
        # a past participle ends the noun phrase as an "-ed" form does
        ("What was the Air Koryo flight number shown in the check-in photo?", "number"),
        # a name after the noun opens a clause about it; so do an echoed question's own words
        ("Name one kind of visa China let North Korean workers stay on.", "visa"),
        ("The workforce Pyongyang plans to move to Russia helps fund which weapons programs?", "program"),
        # an ordinal is no noun: the name after it does not end the phrase
        ("Which second German settlement was founded?", "settlement"),
        ("Which Chinese province hosted the most workers?", "province"),
    ],
)
def test_asked_noun(question, noun):
    assert asked_noun(question) == noun


@pytest.mark.parametrize(
    ("question", "who"),
    [
        ("What did Kim Jong-un say about the workers' return?", "Kim Jong-un"),
        ("What did the Russian government announce about hiring them?", "the Russian government"),
        ("What did North Korea do next?", None),
        ("How did Beijing respond?", None),
    ],
)
def test_speaker(question, who):
    assert speaker(question) == who
    assert speaker("What does the article say the IT sector has become?") is None  # the page speaks for no one


@pytest.mark.parametrize(
    ("text", "who", "reports"),
    [
        ("Facing financial setbacks, North Korean leader Kim Jong-un has reportedly turned to Russia.",
         "Kim Jong-un", False),
        ('"We will not change," Kim Jong-un said.', "Kim Jong-un", True),
        ("The Chinese government denied rumors of strained relations with North Korea.", "the Chinese government",
         True),
        # someone is quoted, but the speaker's country is not named
        ('"Relations are unchanged," the spokesperson said.', "the Russian government", False),
    ],
)
def test_reports_speech(text, who, reports):
    assert reports_speech(text, who) is reports


@pytest.mark.parametrize(
    ("question", "clause"),
    [
        ("The country whose president visited North Korea in June is expected to hire them under what visas?",
         "president visited North Korea in June"),
        ("In which city did they play against the country that needs skilled labor for its Far East?",
         "needs skilled labor for its Far East"),
        ("Who is the president of the country North Korea is sending its IT workers to?",
         "is sending its IT workers to"),
        ("Which country is hiring the workers?", ""),
    ],
)
def test_clauses_that_describe_a_country(question, clause):
    assert described(question) == clause


def test_roles_of_another_country():
    text = "Facing financial setbacks, North Korean leader Kim Jong-un has reportedly turned to Russia."
    assert other_countrys_roles("Which Russian leader visited?", text) == [("North Korean leader", "Kim Jong-un")]
    assert other_countrys_roles("Which North Korean leader turned to Russia?", text) == []
    assert other_countrys_roles("Which leader turned to Russia?", text) == []  # no country asked


def test_a_score_asked_for_is_a_score():
    question = "What were the scores of the women's football matches in Moscow?"
    assert asks_for(question) == "number"
    assert asks_for("What was the final score of the match?") == "number"
    text = "It hosted two friendly matches between the women's football teams in Moscow on July 12 and July 15."
    assert not holds(text, "number", question)  # two matches and two dates, but no score
    assert holds("North Korea won the first match 2-1 and drew the second 0–0.", "number", question)
    assert holds("Russia won 3 to 1.", "number", question)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("How did Russia's foreign ministry respond to reports?", [({"russia"}, "ministry")]),
        ("How did the Russian government respond?", [({"russia"}, "government")]),
        ("According to Beijing's spokesperson, what has not changed?", [({"china"}, "spokesperson")]),
        ("Who spoke for the government that denied the rumors?", []),  # no country named
        ("Which Chinese force did the spokesperson name?", []),
    ],
)
def test_institutions_of_a_country(question, found):
    assert institutions(question) == [(frozenset(c), n) for c, n in found]


def test_names_institution():
    text = "Chinese Foreign Ministry spokesperson Lin Jian said during a briefing on Thursday."
    assert names_institution(text, frozenset({"china"}), "ministry")
    assert names_institution(text, frozenset({"china"}), "spokesman")  # a spokesman is a spokesperson
    assert not names_institution(text, frozenset({"russia"}), "ministry")  # another country's ministry
    assert not names_institution("Russia is expected to employ the workers.", frozenset({"russia"}), "government")


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("Which airline were they booked on, and where were many departures recently confirmed?",
         ["Which airline were they booked on?", "Where were many departures recently confirmed?"]),
        ("About how many workers had been deployed to China, and how much does North Korea earn per year?",
         ["About how many workers had been deployed to China?", "How much does North Korea earn per year?"]),
        ("Which sport did it drop, and to which country is it sending workers?",
         ["Which sport did it drop?", "To which country is it sending workers?"]),
        # a leading clause before the first question; "under" before the second
        ("Apart from IT, which sectors' workers are being pulled out, and where was the exodus observed?",
         ["Apart from IT, which sectors' workers are being pulled out?", "Where was the exodus observed?"]),
        ("Where were many workers seen leaving, and under what kind of visa will Russia employ them?",
         ["Where were many workers seen leaving?", "Under what kind of visa will Russia employ them?"]),
        # commands, before either part
        ("Name the UN resolution that banned hiring the workers, and say in which month Putin visited.",
         ["Name the UN resolution that banned hiring the workers?", "In which month Putin visited?"]),
        ("How many workers had it sent to China, and is that figure thought to have grown?",
         ["How many workers had it sent to China?", "Is that figure thought to have grown?"]),
        # one question: "and" joins no second question, or a part is too short to ask anything
        ("Which construction and manufacturing workers are leaving?", []),
        ("Who won, and by how much?", []),
        ("North Korea and China are close, and why is that?", []),  # the first part asks nothing
    ],
)
def test_the_parts_of_a_question_that_asks_two_things(question, found):
    assert parts(question) == found


def test_a_place_is_no_organisation():
    question = "Which airline were the workers using at the airport?"
    assert not holds("Departures were confirmed at Beijing Capital International Airport.", "name", question)
    assert holds("They check in for their Air Koryo flight at Beijing Capital International Airport.", "name",
                 question)


def test_people_named_by_what_they_do_answer_who():
    question = "Who has been monitoring the developments since the summit?"
    assert holds("Intelligence agencies have been monitoring these developments since the summit.", "person",
                 question)
    assert not holds("These developments have been monitored since the summit.", "person", question)
    # the group the question itself names is no answer
    assert not holds("Experts predict that it will go on.", "person", "Who do the experts expect to gain?")


_SOURCE = ('China "recently demanded the repatriation of North Korean workers," a source familiar with the matter '
           "told the JoongAng Ilbo, an affiliate of the Korea JoongAng Daily, on Wednesday.")


def test_news_outlets_by_the_last_word_of_their_names():
    assert outlets(_SOURCE) == {"JoongAng Ilbo", "Korea JoongAng Daily"}
    assert outlets("Lin Jian said so, as quoted by Yonhap News Agency.") == {"Yonhap News Agency", "Yonhap"}
    assert outlets("at Beijing Capital International Airport in mid-July") == set()


@pytest.mark.parametrize(
    ("question", "outlet"),
    [
        ("Which newspaper did the source speak to?", True),
        ("What outlet did the source familiar with the matter speak to?", True),
        ("Which news agency quoted him?", True),
        ("Which agency has been monitoring the developments?", False),  # intelligence agencies
        ("Which airline did the workers use?", False),
    ],
)
def test_questions_that_ask_for_a_news_outlet(question, outlet):
    assert asks_outlet(question) is outlet


def test_an_outlet_question_is_answered_by_an_outlet():
    question = "Which newspaper did the source speak to?"
    assert holds(_SOURCE, "name", question)
    assert not holds("North Korean leader Kim Jong-un has reportedly turned to Russia.", "name", question)


def test_a_day_of_the_week_is_a_weekday():
    question = "On what day of the week did the source talk to the paper?"
    assert asks_for(question) == "date" and time_unit(question) == "weekday"
    assert time_unit("On which weekday did the source talk to the newspaper?") == "weekday"
    assert time_unit("On what day did he give the briefing?") == "day"
    assert holds(_SOURCE, "date", question)
    assert not holds("The game was scheduled for early July.", "date", question)


def test_the_attribution_is_the_text_outside_the_quotation():
    outside = attribution(_SOURCE)
    assert "told the JoongAng Ilbo" in outside and "Wednesday" in outside and "repatriation" not in outside
    assert attribution("Beijing has decided not to tolerate the workers any longer.") == ""


@pytest.mark.parametrize(
    ("question", "statement"),
    [
        ("On which day did the source talk to the paper?", True),
        ("What day did he say that?", True),
        ("Which newspaper carried the story?", True),
        ("On which day did China demand the repatriation?", False),
    ],
)
def test_questions_about_a_statement(question, statement):
    assert asks_about_statement(question) is statement


@pytest.mark.parametrize(
    ("text", "noun", "vague"),
    [
        ("which even caused unrest in some factories in China.", "factory", True),
        ("workers from other sectors in China, such as construction and manufacturing", "sector", False),
        ("Several companies, including Samsung, hired them.", "company", False),
        ("The factories closed.", "factory", False),
        ("Some factories closed, and the factory in Dandong stayed open.", "factory", False),
    ],
)
def test_a_noun_said_only_as_some_of_them_does_not_say_which(text, noun, vague):
    assert only_vaguely(text, noun) is vague


@pytest.mark.parametrize(
    ("text", "noun", "unnamed"),
    [
        ('China "recently demanded it," a source familiar with the matter told the JoongAng Ilbo.', "source", True),
        ("North Korea canceled a friendly basketball game with a Chinese team in the southeast region.", "team", True),
        ("another source familiar with the matter said", "source", True),
        ('"... to Russia," the source added.', "source", True),
        # a name in apposition, after the noun, or introduced by "called" names it
        ('"...," said Oh Gyeong-seob, a researcher at the Korea Institute for National Unification.', "researcher",
         False),
        ("Chinese Foreign Ministry spokesperson Lin Jian said so.", "spokesperson", False),
        ("They played a team called the Liaoning Flying Leopards.", "team", False),
        ("a source Lee Min-ho said", "source", False),
        ("The weather was fine.", "source", False),
    ],
)
def test_a_noun_said_only_as_an_unnamed_one(text, noun, unnamed):
    assert only_unnamed(text, noun) is unnamed


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("What is the title of the UN report released in March?", "report"),
        ("What is the name of the Chinese basketball team?", "team"),
        ("What was the name of the spokesperson?", "spokesperson"),
        ("Which newspaper did the source speak to?", None),
        # "Name the X" asks for its name; naming two things ("the researcher and the spokesperson") does not
        ("Name the source who told the JoongAng Ilbo about China's demand.", "source"),
        ("Name the researcher and the Chinese spokesperson quoted in the story.", None),
        ("name of the chinese basketball team?", "team"),
        # "Who is the X that ...?" asks for a name too
        ("Who is the source that talked to the JoongAng Ilbo?", "source"),
        ("Who is the spokesperson?", "spokesperson"),
    ],
)
def test_what_a_name_or_title_question_wants_named(question, thing):
    assert named_thing(question) == thing
    assert asks_for("What is the title of the UN report released in March?") == "name"


@pytest.mark.parametrize(
    ("question", "sort"),
    [
        ("What kind of sporting event did North Korea reportedly call off with a Chinese team?", ["sporting", "event"]),
        ("Under what kind of visa arrangements will Russia employ them?", ["visa", "arrangement"]),
        ("What type of North Korean workers does Russia need?", []),
        ("Which game was called off?", []),
    ],
)
def test_what_a_kind_of_question_asks_the_kind_of(question, sort):
    assert sort_asked(question) == sort


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("In which city did North Korea play friendlies against the country that needs skilled labor for its Far "
         "East development?",
         ("the country that needs skilled labor for its Far East development",
          "Which country needs skilled labor for its Far East development?")),
        ("The country whose president visited North Korea in June is expected to hire them under what visas?",
         ("The country whose president visited North Korea in June",
          "Which country's president visited North Korea in June?")),
        # the clause runs on into what is asked: not cut off here
        ("The country that North Korea sends workers to needs skilled labor for what purpose?", None),
        ("Which city hosted the matches?", None),
    ],
)
def test_a_phrase_naming_a_country_by_another_fact(question, found):
    assert describing(question) == found



def test_a_share_is_answered_by_a_percentage_or_a_fraction():
    question = "What share of North Korea's foreign currency income comes from its IT workers?"
    assert asks_for(question) == "number"
    assert not holds("North Korea earns between $750 million and $1.1 billion annually.", "number", question)
    assert holds("IT workers bring in about a third of that income.", "number", question)
    assert holds("They bring in 40% of it.", "number", question)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("On what calendar date was the Korean War armistice signed?", "date"),
        # a day of the month: "early July" does not say which
        ("On which exact day in early July was the game scheduled?", "date"),
        ("On what day did he give the briefing?", "day"),
        ("In which year was the resolution adopted?", "year"),
    ],
)
def test_the_unit_of_time_asked_for(question, unit):
    assert asks_for(question) == "date" and time_unit(question) == unit


def test_a_why_question_wants_a_reason():
    assert asks_why("Why did North Korea cancel the basketball game?")
    assert asks_why("What reason did North Korea give for cancelling the game?")
    assert not asks_why("What did North Korea cancel?")
    assert not gives_reason('"I heard that North Korea recently canceled a friendly basketball game with a Chinese '
                            'team that was previously scheduled for early July," another source said.')
    assert gives_reason("Given the rise in earnings, this number is believed to have increased over time.")
    assert gives_reason("The redeployment is significant, as this sector has become a source of income.")


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the article?",
        "Who are the reporters on this story?",
        "Which reporters are credited in the article's byline?",
        "Name one of the reporters who wrote this article.",
        "What is the byline of the article?",
        "Who shares the byline with Seo Ji-eun on this story?",
    ],
)
def test_a_question_about_the_byline_asks_who_wrote_the_document(question):
    assert asks_byline(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the novel Pride and Prejudice?",
        "Who authored the UN report released in March?",
        "According to the article, who wrote the UN report?",
        "When was the article written?",
        "Who supplied the photo in the article?",
        "According to the article, who visited North Korea in June?",
        "Who reported hearing that the game was called off?",
    ],
)
def test_other_questions_about_writing_or_the_article_are_not_about_its_byline(question):
    assert not asks_byline(question)


def test_a_request_around_the_question_is_left_out():
    assert asks_for("Tell me how many exchanges they have held.") == "number"
    assert asks_for("Can you tell me when the report was published?") == "date"
    assert asks_for("Please tell me where the matches were held.") == "place"


def test_a_count_must_be_of_the_kind_the_question_names():
    question = "Tell me how many cryptocurrency exchanges North Korean hackers have targeted."
    assert not holds("North Korea and Russia have conducted over 20 public exchanges this year.", "number", question)
    assert holds("Hackers targeted 12 cryptocurrency exchanges.", "number", question)
    football = "How many friendly football matches were played?"
    assert holds("It hosted two friendly matches between the women's football teams.", "number", football)


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("Who wrote the article?", "authors"),
        ("What email address is listed in the byline?", "contact"),
        ("How can I contact the author of the article?", "contact"),
        ("Under what section of the site does this story appear?", "section"),
        ("Per the headline, which country are the North Korean workers likely heading to?", "title"),
        ("What is the title of this article?", "title"),
        ("What is the title of the UN report released in March?", None),
        ("What title does Kim Jong-un hold?", None),
        ("Which section of the UN report covers earnings?", None),
        ("Which section of the resolution bans the workers?", None),
        ("What category of North Korean staff does Pyongyang plan to send to Russia?", None),
        # "this" alone is the page; "bylined" is the byline
        ("who wrote this", "authors"),
        ("Who is the article bylined to?", "authors"),
        ("what section is this under", "section"),
        ("Who wrote this report?", None),
        ("Who said this?", None),
        ("Which section of the resolution is this in?", None),
        # the title at the top of the page; the byline's names and its reporter photo
        ("What's the title printed at the top of this story?", "title"),
        ("What is the official title of the person who said it?", None),
        ("Whose names appear as the writers of this piece?", "authors"),
        ("Whose name appears beneath the headline next to the reporter's photo?", "authors"),
        ("Whose names appear in the photo caption?", None),
        ("Name one of the reporters who wrote this article.", "authors"),
        ("Give the article's byline.", "authors"),
        ("According to the byline, who wrote it?", None),
    ],
)
def test_questions_about_a_documents_metadata(question, field):
    assert asks_metadata(question) == field


def test_a_contracted_question_word_is_read_whole():
    assert asks_for("What's the name of the Chinese basketball team?") == "name"
    assert named_thing("What's the name of the Chinese basketball team?") == "team"


def test_what_time_asks_for_a_time_of_day():
    question = "What time did the Air Koryo flight in the photo depart Beijing?"
    assert asks_for(question) == "date" and time_unit(question) == "time"
    assert not holds("They check in for their flight at the airport in mid-July.", "date", question)
    assert holds("The flight left at 10:40 a.m.", "date", question)
    assert asks_for("At what time of year did they go?") is None


def test_an_exact_count_is_not_answered_by_an_estimate():
    question = "Exactly how many North Korean workers did China order to leave?"
    assert not holds("The country had earlier deployed around 50,000 workers to China.", "number", question)
    assert holds("China ordered 3,112 workers to leave.", "number", question)
    assert holds("The country had earlier deployed around 50,000 workers to China.", "number", "How many workers?")
    # "the exact number of" asks for an exact count too, which "hundreds" is not; "the number of the resolution"
    # asks for no count
    text = "The country had earlier deployed around 50,000 workers to China, including hundreds of IT specialists."
    assert not holds(text, "number", "Tell me the exact number of IT specialists North Korea sent to China.")
    assert holds(text, "number", "How many IT specialists did North Korea send to China?")
    assert counted("What is the number of the UN resolution?") == []


def test_the_noun_counted_may_come_third():
    question = "How many women's football friendlies did North Korea and Russia play?"
    assert holds("It is hosting two friendly matches between the women's football teams.", "number", question)


@pytest.mark.parametrize(
    ("question", "about_photo", "credit"),
    [
        ("What does the other airport photo show?", True, False),
        ("Who supplied the pictures?", True, False),
        ("Where were the workers photographed checking in?", True, False),
        ("How are the pictures credited?", True, True),
        ("What photo credit is given under the pictures?", True, True),
        ("Who took the workers' passports?", False, False),
        ("What is shown by the UN report?", False, False),
        ("Who is credited with inventing the telephone?", False, False),
    ],
)
def test_a_question_about_a_photo_or_its_credit(question, about_photo, credit):
    assert asks_about_photo(question) is about_photo
    assert asks_photo_credit(question) is credit


@pytest.mark.parametrize(
    ("question", "narrowed"),
    [
        ("How much does North Korea make specifically from its IT workers each year?", {"it", "worker"}),
        ("How much money do North Korea's IT workers alone bring in per year?", {"north", "korea", "it", "worker"}),
        ("How much does it earn from its workers in Russia specifically?", {"russia"}),
        ("Why is the relocation of IT workers in particular significant?", {"it", "worker"}),
        # "specifically" before a verb or as a word about the answer narrows nothing
        ("What specifically caused the strain in relations between Pyongyang and Beijing?", set()),
        ("What kind of visas, specifically named, did China use?", set()),
    ],
)
def test_what_a_question_narrows_itself_to(question, narrowed):
    assert narrowed_to(question) == narrowed


@pytest.mark.parametrize(
    ("question", "verb"),
    [
        ("Who coaches North Korea's women's football team?", "coaches"),
        ("Who won the two friendly matches?", "won"),
        ("According to the source, who demanded the repatriation?", "demanded"),
        # a form of "be", a verb of speaking or a light verb says nothing of what the person did
        ("Who is the spokesperson?", None),
        ("Who spoke for the Chinese government?", None),
        ("Who came up with that figure?", None),
        ("who tipped off the joongang ilbo", None),
        ("Who informed the paper?", None),
        ("Who put out the March report?", None),
        ("Who handed over the airport photos to the paper?", None),
    ],
)
def test_what_the_person_a_who_question_asks_for_does(question, verb):
    assert who_does(question) == verb


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("whats the name of the source", "what is the name of the source"),
        ("Hows the JoongAng Ilbo related to the Korea JoongAng Daily?",
         "How is the JoongAng Ilbo related to the Korea JoongAng Daily?"),
        ("how come the IT worker move matters so much", "why the IT worker move matters so much"),
        ("what yr was that adopted", "what year was that adopted"),
        ("can u tell me which country they got jobs in under fake ids",
         "can you tell me which country they got jobs in under fake identities"),
        ("Name a country where NK IT workers got jobs under fake IDs",
         "Name a country where NK IT workers got jobs under fake identities"),
        # capitals, apostrophes and other words are left alone
        ("Who is U Thant?", "Who is U Thant?"),
        ("Which ID did they show?", "Which ID did they show?"),
        ("I'd like to know who spoke", "I'd like to know who spoke"),
        ("What is the capital of France?", "What is the capital of France?"),
    ],
)
def test_chat_shorthand_is_spelled_out(typed, read):
    assert expand_shorthand(typed) == read


def test_shorthand_question_words_are_read_as_question_words():
    assert asks_for(expand_shorthand("whats the name of the source who talked to the paper")) == "name"
    assert asks_why(expand_shorthand("how come the move matters so much"))


def test_an_age_is_answered_by_an_age_not_by_any_number():
    question = "How old is Oh Gyeong-seob?"
    said = '"North Korea used equidistant diplomacy during the Sino-Soviet split in the 1960s," said Oh Gyeong-seob.'
    assert asks_for(question) == "number"
    assert not holds(said, "number", question)
    assert holds("Oh Gyeong-seob, 52, a researcher, said so.", "number", question)
    assert holds("The 40-year-old leader visited.", "number", "how old is the leader")
    assert holds("It sent 50,000 workers.", "number", "How many workers did it send?")


def test_one_month_is_a_period_as_a_month_is():
    question = "How much salary does one North Korean IT worker get in one month?"
    assert other_period(question, "North Korea earns between $750 million and $1.1 billion annually.")
    assert not other_period(question, "Each worker earns $500 a month.")


@pytest.mark.parametrize(
    ("question", "kind", "unit"),
    [
        ("Air Koryo flight number?", "number", None),
        ("Women's football match scores?", "number", None),
        ("Resolution 2397 adoption month?", "date", "month"),
        ("Exact date of Putin's visit?", "date", "date"),
        ("Workers' destination city in Russia?", "place", None),
        # a period or a time the phrase gives is no time asked for; a question word is read as usual
        ("North Korea earnings per year?", None, None),
        ("Exchanges with Russia this year?", None, None),
        ("Lin Jian's role?", None, None),
        # a question word later in the phrase asks as usual (see the test on questions asked in place)
        ("Source spoke on which day?", "date", "day"),
    ],
)
def test_a_question_typed_as_a_phrase_asks_for_what_its_noun_names(question, kind, unit):
    assert asks_for(question) == kind
    assert time_unit(question) == unit


def test_a_phrase_asking_for_a_count_is_not_answered_by_a_flight_without_one():
    caption = "North Korean workers check in for their Air Koryo flight to Pyongyang in mid-July."
    assert not holds(caption, "number", "Air Koryo flight number?")
    assert not holds("They held two friendly matches.", "number", "Women's football match scores?")
    assert holds("In 2017, the council adopted Resolution 2397.", "date", "Resolution 2397 year?")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Source spoke on which day?", "date"),
        ("Kim visited which country?", "place"),
        ("North Korea earns how much?", "number"),
        ("The team which won?", None),  # a relative clause: a verb follows "which"
    ],
)
def test_a_question_word_in_the_place_of_the_answer_asks_as_usual(question, kind):
    assert asks_for(question) == kind


def test_a_day_asked_in_place_is_still_the_day_of_speaking():
    assert asks_about_statement("Source spoke on which day?")
    assert not asks_about_statement("China demanded it on which day?")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is Kim Jong-un?", None),  # what he is: "North Korean leader"
        ("Who are Oh and Lin Jian?", None),
        ("Who is the spokesperson?", "person"),
        ("Who is Russia's leader?", "person"),
        ("Who was Vladimir Putin visiting?", "person"),
    ],
)
def test_who_is_a_named_person_asks_what_they_are(question, kind):
    assert asks_for(question) == kind


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("Has China's stance changed?", True),
        ("Did the IT workers get hired under their real identities?", True),
        ("Is it true that China ordered them home?", True),
        ("Can you tell me who spoke?", False),
        ("Do you know who spoke?", False),
        ("What did China order?", False),
    ],
)
def test_a_question_answered_by_yes_or_no(question, yes_no):
    assert asks_yes_no(question) is yes_no


@pytest.mark.parametrize(
    ("question", "kind", "noun"),
    [
        ("Name the Russian city where the IT workers will be based.", "place", None),
        ("Give the exact date on which Putin arrived in North Korea.", "date", None),
        ("Give the number of workers sent to China.", "number", None),
        ("Name the US companies that hired them.", "name", None),
        ("List the sectors besides IT.", None, "sector"),
        # two things asked for, and a name asked for by its word, are read as typed
        ("Name the researcher and the spokesperson quoted.", None, None),
        ("Give the name China uses for the Korean War.", None, None),
    ],
)
def test_a_command_asks_as_the_question_it_stands_for(question, kind, noun):
    assert asks_for(question) == kind
    assert asked_noun(question) == noun


TOTAL = "North Korea earns between $750 million and $1.1 billion annually from its overseas workers."


@pytest.mark.parametrize(
    ("question", "text", "missing"),
    [
        ("How much does each North Korean IT worker get paid?", TOTAL, True),
        ("What is the average worker paid?", TOTAL, True),
        ("How much does each worker get paid?", "Each worker is paid $500 a month.", False),
        # "each year" is a period, not a person
        ("How much money does North Korea make each year from its workers abroad?", TOTAL, False),
    ],
)
def test_an_amount_per_person_is_not_answered_by_a_total(question, text, missing):
    assert per_head_missing(question, text) is missing


def test_a_time_relative_to_now_must_be_the_one_asked_for():
    text = "North Korea and Russia have conducted over 20 public exchanges this year alone."
    assert other_relative_time("How many exchanges did they hold last year?", text) == "this year"
    assert other_relative_time("How many exchanges did they hold in the previous year?", text) == "this year"
    assert other_relative_time("How many exchanges have they held this year?", text) is None
    assert other_relative_time("How many exchanges have they held?", text) is None


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("According to Lin Jian, which anniversary does this year mark?", True),
        ("Which decade did the researcher point to?", True),
        ("When did the Chinese government deny the rumors?", True),
        ("How long has Lin Jian served as spokesperson?", False),
        ("When did Lin Jian become a spokesperson?", False),
    ],
)
def test_a_question_about_what_someone_said_or_about_them(question, said):
    assert asks_what_was_said(question) is said


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("How much cryptocurrency have North Korean IT workers stolen?", "cryptocurrency"),
        ("How much revenue does North Korea earn from its workers?", "revenue"),
        ("How much money does North Korea make?", None),  # any sum is money
        ("How much does North Korea earn?", None),
    ],
)
def test_what_a_how_much_question_asks_the_amount_of(question, noun):
    assert measured(question) == noun


def test_an_ordinal_in_figures_is_read_as_a_word_and_games_are_matches():
    assert expand_shorthand("what's in the 2nd photo") == "what's in the second photo"
    assert expand_shorthand("the 71st anniversary") == "the 71st anniversary"
    matches = "hosting two friendly matches between the women's football teams of both countries in Moscow"
    assert holds(matches, "number", "How many games were played there?")


@pytest.mark.parametrize(
    ("noun", "text", "question", "which"),
    [
        ("game", "North Korea recently canceled a friendly basketball game with a Chinese team",
         "What game did North Korea call off?", {"friendly", "basketball"}),
        ("visit", "particularly after President Vladimir Putin's visit to North Korea in June",
         "Which visit is linked to the focus on Moscow?", {"putin"}),
        ("market", "North Korea capitalized on the booming big tech and cryptocurrency markets",
         "Which booming markets did North Korea exploit?", {"big", "tech", "cryptocurrency"}),
        # no article opens a phrase of lower-case words before the noun; the question's own words tell nothing
        ("resolution", "In 2017, the UN Security Council adopted Resolution 2397", "Which resolution?", set()),
        ("worker", "North Korean workers with expired visas return home", "Which North Korean workers?", set()),
    ],
)
def test_the_words_that_tell_which_thing_a_sentence_means(noun, text, question, which):
    assert which_words(noun, text, question) == which


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Roughly when was the check-in photo shot?", "date"),
        ("Around what time was the photo taken?", "date"),
        ("Approximately how many workers had been sent?", "number"),
    ],
)
def test_a_word_of_estimate_before_the_question_word_keeps_its_kind(question, kind):
    assert asks_for(question) == kind
