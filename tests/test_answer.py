import pytest

from journalqa.answer.evidence import TermWeights, score_sentences, select_sentences
from journalqa.answer.extractive import ABSTENTION_TEXT, extractive_answer
from journalqa.types import Chunk, Passage

TEXTS = [
    "The TAPI gas pipeline runs from Turkmenistan. The Asian Development Bank acts as the lead coordinator of "
    "the TAPI construction project. The first phase may cost five billion dollars.",
    "Kazakhstan sent wheat flour to Afghanistan. Trade grew in 2021 and 2022 between the neighbours.",
    "Refugees moved to Iran and Pakistan after August 2021.",
]


def passages(dense=(0.6, 0.3, 0.2)):
    return [
        Passage(Chunk(f"d{i}#0000", f"d{i}", f"Doc {i}", "", "1", False, 0, len(t), t), 1 / (i + 60), {}, dense[i])
        for i, t in enumerate(TEXTS)
    ]


WEIGHTS = TermWeights(TEXTS)


def test_answer_is_verbatim_sentences_with_valid_markers():
    ps = passages()
    answer = extractive_answer("Who coordinates the TAPI pipeline construction?", ps, weights=WEIGHTS)
    assert not answer.abstained
    assert answer.answer.startswith("The Asian Development Bank acts as the lead coordinator")
    for citation in answer.citations:
        start, end = citation.span
        sentence = citation.passage.chunk.text[start:end]
        assert f"{sentence} [{citation.n}]" in answer.answer
        assert 1 <= citation.n <= len(ps)


def test_abstains_when_terms_and_meaning_are_missing():
    answer = extractive_answer("What is the population of Kabul?", passages((0.2, 0.15, 0.1)), weights=WEIGHTS)
    assert answer.abstained and answer.answer == ABSTENTION_TEXT
    assert answer.citations == () and len(answer.passages) == 3


def test_abstains_without_passages():
    assert extractive_answer("Anything?", [], weights=WEIGHTS).abstained


def test_selection_drops_near_duplicates():
    ps = passages()
    scored = score_sentences("TAPI pipeline coordinator", ps, WEIGHTS)
    duplicate = scored[0]
    chosen = select_sentences([duplicate, duplicate, *scored[1:]], limit=3)
    assert chosen.count(duplicate) == 1


def test_rare_terms_weigh_more_than_common_ones():
    assert WEIGHTS.weight("tapi") > WEIGHTS.weight("2021")  # one text vs two
    assert WEIGHTS.weight("unseen-term") > WEIGHTS.weight("tapi")


def test_constraint_match_tells_near_misses():
    from journalqa.answer.evidence import constraint_match, figures
    from journalqa.search.question import question_constraints

    c = question_constraints("How much electricity did Tajikistan export to Afghanistan in 2021, in kWh?")
    assert c.wants_number and c.years == {"2021"} and ("tajikistan",) in c.names
    right = "In 2021 Tajikistan exported 1.5 billion kWh of electricity to Afghanistan."
    wrong = "In 2020, electricity exports to Afghanistan amounted to 2.6 billion kWh."
    assert constraint_match(c, right) == 1.0
    assert constraint_match(c, wrong) < constraint_match(c, wrong, context="Tajikistan and Afghanistan") < 1.0
    ndn = question_constraints("Which Kazakh port handled Northern Distribution Network shipments?")
    assert constraint_match(ndn, "The Kazakh port of Aktau was used for NDN shipments.") == 1.0
    assert figures("On January 11, 2022, over 2000 km and 5,347 people") == {"2000", "5347"}


def test_figures_in_words_and_asked_units():
    from journalqa.answer.evidence import constraint_match, figures
    from journalqa.search.question import question_constraints

    assert {"four"} <= figures("It envisaged four Kazakh officers to be deployed.")
    percent = question_constraints("What percentage of Afghans are Hazaras?")
    assert percent.units
    with_unit = "Hazaras make up 9% of Afghans."
    bare = "Hazaras live in 9 provinces of Afghanistan, as Afghans know."
    assert constraint_match(percent, with_unit) == 1.0 > constraint_match(percent, bare)
    seconds = question_constraints("How many seconds does Firefox wait for a server?")
    assert constraint_match(seconds, "Firefox waits 30 seconds for a server.") == 1.0
    assert constraint_match(seconds, "Firefox supports TLS 1.2 for a server.") < 1.0
    # kilometres by Kazakh's own word, "шақырым", as by the borrowed "км"
    border = question_constraints("Тәжік-ауған шекарасының ұзындығы қанша шақырым?")
    assert constraint_match(border, "The border is over 2000 kilometers long.") == 1.0
    assert constraint_match(border, "Six bridges have been built over 20 years.") < 1.0


def test_names_written_differently_still_match():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    iom = question_constraints("According to the IOM, how many Afghans does Iran deport every week?")
    said = "The International Organization for Migration estimates that Iran deports 20,000 Afghans every week."
    assert constraint_match(iom, said) == 1.0
    # the same organization by its Kazakh and Russian acronyms (Халықаралық көші-қон ұйымы, МОМ)
    for question in ("ХКҰ деректері бойынша Иран апта сайын қанша ауғандықты депортациялайды?",
                     "По данным МОМ, сколько афганцев Иран депортирует каждую неделю?"):  # fmt: skip
        assert constraint_match(question_constraints(question), said) == 1.0
        assert constraint_match(question_constraints(question), said.replace("Migration", "Trade")) < 1.0
    # (question, a sentence that meets its names, one that does not)
    cases = [
        ("What bounty did the FBI offer for Sirajuddin Haqqani?",
         "The FBI offered $10 million for information about S. Haqqani.",
         "The FBI offered $10 million for information about Haqqani's network."),
        # a Russian given name by its Latin initial
        ("Какое условие выдвинул Хамид Карзай?",
         "The head of government, H. Karzai, even issued an ultimatum.",
         "The head of government, A. Karzai, even issued an ultimatum."),
        # an acronym of the Russian words (ФБР = FBI)
        ("Какое вознаграждение предлагало ФБР?", "At the time, the FBI offered $10 million.",
         "At the time, the CIA offered $10 million."),
        # a Russian word taken from Latin, capitalised as a title: "Концепцию" is the sentence's "Concept"
        ("Когда утвердили Концепцию внешней политики?",
         "In July 2012 the parliament approved the Concept of the Foreign Policy.",
         "In July 2012 the parliament approved the Strategy of the Foreign Policy."),
    ]  # fmt: skip
    for question, meets, misses in cases:
        asked = question_constraints(question)
        assert constraint_match(asked, meets) == 1.0 > constraint_match(asked, misses), question
    demonym = question_constraints("What did Kiyani advise the Americans?")
    assert constraint_match(demonym, "Kiyani gave advice to US representatives.") == 1.0


def test_a_name_question_needs_a_new_name_and_a_why_question_a_reason():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    who = question_constraints("Which MGIMO analysts wrote the report on Afghanistan?")
    assert who.wants_name and not who.wants_number
    assert constraint_match(who, "The report on Afghanistan was prepared at MGIMO by A. Knyazev.") == 1.0
    assert constraint_match(who, "The report on Afghanistan was prepared at MGIMO last year.") < 1.0
    why = question_constraints("Why did Pakistan close its border?")
    assert why.wants_reason
    assert constraint_match(why, "Pakistan closed its border because it feared refugees.") == 1.0
    assert constraint_match(why, "Pakistan closed its border in August.") < 1.0


def test_bm25_only_passages_still_get_evidence():
    from dataclasses import replace

    from journalqa.answer.evidence import evidence_score

    without_cosine = [replace(p, dense_score=None) for p in passages()]
    scored = score_sentences("Who coordinates the TAPI pipeline?", without_cosine, WEIGHTS)
    assert all(s.cosine is None for s in scored) and evidence_score(scored) > 0


def test_a_figure_question_needs_the_asked_quantity():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    population = question_constraints("What is the population of Kabul?")
    assert population.focus == "popul"
    assert constraint_match(population, "The population of Kabul is 4.6 million.") == 1.0
    assert constraint_match(population, "In Kabul, 20,000 people gathered at the airport.") < 1.0


@pytest.mark.parametrize(
    ("question", "wants"),
    [
        ("Сколько афганских студентов Казахстан обучил?", "number"),
        ("Какова доля Афганистана в экспорте муки?", "number"),
        ("Қазақстан қанша ауған студентін оқытты?", "number"),
        ("Когда была создана МООНСА?", "date"),
        ("В каком году возник Афганистан?", "date"),
        ("Қазақстан мен Ауғанстан дипломатиялық қатынастарды қашан орнатты?", "date"),
        ("Кто возглавлял Национальное исламское движение?", "name"),
        ("Какая страна может влиять на талибов?", "name"),
        ("Мақала қай елді жалғыз ықпалды мемлекет деп санайды?", "name"),
        ("Почему Таджикистан принял меньше афганцев?", "reason"),
        ("Тәжікстан неліктен азырақ ауғанды қабылдады?", "reason"),
    ],
)
def test_what_a_russian_or_kazakh_question_asks_for(question, wants):
    from journalqa.search.question import question_constraints

    c = question_constraints(question)
    asked = {"number": c.wants_number, "date": c.wants_date, "name": c.wants_name, "reason": c.wants_reason}
    assert [k for k, v in asked.items() if v] == [wants]


def test_russian_question_meets_english_sentence_across_scripts():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    sentence = (
        "In 2008 the Republic of Kazakhstan allocated significant funds for the education of 1,000 Afghan "
        "students in the country’s universities."
    )
    ru = question_constraints("Скольким афганским студентам Казахстан оплатил обучение по решению 2008 года?")
    kk = question_constraints("2008 жылғы шешім бойынша Ауғанстан студенттерінің оқуын Қазақстан қаржыландырды ма?")
    assert constraint_match(ru, sentence) == 1.0
    assert constraint_match(kk, sentence) == 1.0
    # a near miss stays one: the year asked is not the sentence's
    assert constraint_match(question_constraints("Сколько студентов Казахстан обучил в 2015 году?"), sentence) < 1.0
    # acronyms: "ООН" is the UN, "БҰҰ-ның" the UN's
    un = "The UN World Food Programme buys the grain."
    assert constraint_match(question_constraints("Через какое агентство ООН закупается зерно?"), un) == 1.0
    assert constraint_match(question_constraints("Астық БҰҰ-ның қай агенттігі арқылы сатып алынады?"), un) == 1.0


def test_abstention_speaks_the_questions_language():
    from journalqa.answer.extractive import ABSTENTION_TEXTS

    low = passages((0.1, 0.1, 0.1))
    assert (
        extractive_answer("Какова численность населения Кабула?", low, weights=WEIGHTS).answer == ABSTENTION_TEXTS["ru"]
    )
    assert extractive_answer("Кабулдың халқы қанша?", low, weights=WEIGHTS).answer == ABSTENTION_TEXTS["kk"]
    assert extractive_answer("What is the population of Kabul?", low, weights=WEIGHTS).answer == ABSTENTION_TEXT


def test_figures_in_russian_and_kazakh_words():
    from journalqa.answer.evidence import figures

    assert "тысячи" in figures("Казахстан обучил тысячи студентов.")
    assert "мың" in figures("Қазақстан мың студентті оқытты.")
    assert figures("Он сказал, что помощь пришла в 2021 году.") == set()  # "он" is "he", 2021 a year


def test_each_embedder_brings_its_own_calibration():
    from journalqa.answer.evidence import CALIBRATIONS, calibration_for
    from journalqa.index.embed import E5_ONNX, E5_TORCH, MINILM, available_embedders

    assert calibration_for(MINILM) == CALIBRATIONS[MINILM] and calibration_for(MINILM).cosine_floor == 0.0
    assert set(available_embedders()) <= set(CALIBRATIONS)  # every bundled embedder has been fitted
    e5 = calibration_for(E5_TORCH)
    assert e5.cosine_floor > 0.5 and e5.threshold != CALIBRATIONS[MINILM].threshold
    assert calibration_for(E5_ONNX).cosine_floor > 0.5  # the same model's scale, its own fit
    # a threshold set by hand (JOURNALQA_ABSTAIN_THRESHOLD) replaces only the threshold
    assert calibration_for(E5_TORCH, 0.3) == type(e5)(0.3, e5.blend, e5.cosine_floor)
    assert calibration_for("/some/local/model") == CALIBRATIONS[MINILM]  # unfitted: MiniLM's scale


def test_a_cosine_floor_rescales_the_cosine_before_the_match():
    from journalqa.answer.evidence import ScoredSentence, sentence_evidence

    def sentence(cosine: float, match: float) -> ScoredSentence:
        return ScoredSentence(0, (0, 1), "x", 0.0, 0.0, cosine, match)

    # e5-like cosines: the answer 0.90 with most constraints met; a passage about something else meets them all
    answer, other_topic = sentence(0.90, 0.8), sentence(0.75, 1.0)
    assert sentence_evidence(answer, (1.0, 0.0, 1.0), 0.7) == pytest.approx(0.2 / 0.3 * 0.8)
    # unscaled, a cosine that barely moves lets the match decide; rescaled, the cosine counts again
    assert sentence_evidence(answer, (1.0, 0.0, 1.0)) < sentence_evidence(other_topic, (1.0, 0.0, 1.0))
    assert sentence_evidence(answer, (1.0, 0.0, 1.0), 0.7) > sentence_evidence(other_topic, (1.0, 0.0, 1.0), 0.7)


def test_calibration_fits_the_cosine_floor_on_the_items():
    from journalqa.answer.evidence import ScoredSentence
    from tests.conftest import evals_module

    calibrate_abstention = evals_module("calibrate").calibrate_abstention

    def item(cosine: float, match: float) -> list[ScoredSentence]:
        return [ScoredSentence(0, (0, 1), "x", 0.0, 0.0, cosine, match)]

    # answerable: higher cosines; unanswerable: lower cosines that meet more constraints
    features = [item(0.90, 0.8), item(0.92, 0.85), item(0.75, 1.0), item(0.78, 0.95)]
    unanswerable = [False, False, True, True]
    unscaled = calibrate_abstention(features, unanswerable, blends=[(1.0, 0.0, 1.0)])
    fitted = calibrate_abstention(features, unanswerable, blends=[(1.0, 0.0, 1.0)], floors=(0.0, 0.8))
    assert unscaled.f1 < 1.0 and fitted.f1 == 1.0 and fitted.cosine_floor == 0.8
    assert fitted.table[0][1] == 0.0 and len(fitted.table) == 2  # (blend, floor, threshold, f1, margin) per floor


def test_names_spelled_with_h_x_and_w_in_english_meet_their_russian_forms():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    sentence = "Washington signed an agreement with the Taliban in Doha on February 29, 2020."
    doha = question_constraints("Когда Вашингтон и талибы подписали соглашение в Дохе?")
    assert constraint_match(doha, sentence) == 1.0
    assert constraint_match(doha, "Moscow signed an agreement with the Taliban in Kabul on 29 February 2020.") < 1.0
    index = question_constraints("Какое место Афганистан занимает в Индексе человеческого развития?")
    assert constraint_match(index, "Afghanistan ranks 169th in the Human Development Index.") == 1.0


def test_a_kazakh_name_in_an_english_sentence():
    from journalqa.answer.evidence import constraint_match
    from journalqa.search.question import question_constraints

    # "Ресейдің" (Russia's) is Kazakh's own word for Russia, not a spelling of it
    russia = question_constraints("Құбырларды Ресейдің қай зауыты шығарды?")
    assert russia.wants_name and ("ресейдің",) in russia.names  # "қай зауыты": which factory
    assert constraint_match(russia, "The Chelyabinsk plant in Russia supplied the pipes.") == 1.0
    assert constraint_match(russia, "The Chelyabinsk plant in Turkey supplied the pipes.") < 1.0


def test_a_translated_name_is_verified_by_its_translation():
    from journalqa.answer.evidence import UNVERIFIABLE_NAME_CREDIT, constraint_match
    from journalqa.search.question import question_constraints

    # "Сыртқы" (Foreign, of the Concept's Kazakh title) is no spelling of an English word: unverifiable alone,
    # found when the cross-lingual mapping carries it to a term of the sentence
    concept = question_constraints("Өзбекстан парламенті Сыртқы саясат тұжырымдамасын қашан бекітті?")
    sentence = "In July 2012, the Parliament of Uzbekistan approved the Concept of the Foreign Policy Activity."
    alone = constraint_match(concept, sentence)
    translated = constraint_match(concept, sentence, translations={"сыртқы": frozenset({"foreign"})})
    assert translated == 1.0 > alone
    wrong = constraint_match(concept, sentence, translations={"сыртқы": frozenset({"extern"})})
    assert wrong == alone  # a translation the sentence does not hold verifies nothing
    assert UNVERIFIABLE_NAME_CREDIT < 1.0
