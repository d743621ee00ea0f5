"""Reading the resident's Dutch: tokens, cue syntax, negation, typos, idioms and the two
detectors on sentences written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.language import (
    Classifier,
    CrisisDetector,
    compile_cue,
    load_cue_file,
    read_labelled,
    tokenize,
    training_files,
)
from bot.language._classify import negated
from tests.conftest import ROOT

CRISIS_TEXTS = [
    ("Er ligt iemand op de grond en hij ademt niet.", "acuut"),
    ("Er is brand in de flat!", "acuut"),
    ("Mijn buurman slaat zijn vrouw.", "geweld"),
    ("Mijn ex bedreigt mij.", "geweld"),
    ("Ik wil niet meer leven.", "zelfdoding"),
    ("Hij praat over zelfmoord.", "zelfdoding"),
]
IDIOMS = [
    "Ik schrik me dood van de rekening.",
    "Ik sla de borrel over.",
    "Die muziek slaat nergens op.",
    "Ik lach me dood om die hond.",
    "Sinds mijn man er niet meer is, ben ik alleen.",
    "De buren roken de hele dag.",
    "De deur werd hard dichtgeslagen.",
]
URGENT_FIRST = "Hij slaat haar en ze bloedt, ze roept om hulp."
LABELLED_SETS = [
    ROOT / "tests" / "data" / "dev-signals.jsonl",
    ROOT / "tests" / "data" / "extra-signals.jsonl",
]


def matches(cue: str, text: str) -> list[str]:
    tokens = tokenize(text)
    return [" ".join(tokens[i].text for i in m) for m in compile_cue(cue).find(tokens)]


def test_tokens_are_folded_and_lemmatised_with_clauses() -> None:
    tokens = tokenize("Hij sloeg haar, maar de hygiëne...")
    assert [t.surface for t in tokens] == ["hij", "sloeg", "haar", "maar", "de", "hygiene"]
    assert tokens[1].lemma == "slaan"
    assert tokens[0].clause == 0 and tokens[3].clause == 2, "a comma and 'maar' start clauses"


def test_a_cue_matches_lemma_written_form_accents_and_compounds() -> None:
    assert matches("schuld", "Ik heb schulden")
    assert matches("hygiene", "de hygiëne is slecht")
    assert matches("rekening", "de energierekening is hoog"), "a compound by its last part"
    assert not matches("rekening", "ik reken erop")


def test_small_typos_are_forgiven_in_longer_words_only() -> None:
    assert matches("eenzaam", "ik ben eenzam")
    assert matches("zelfmoord", "ik denk aan zelfmoort")
    assert not matches("dronken", "scooters ronken"), "the first letter must be the same"
    assert not matches("geweld", "het was geweldig"), "short words need an exact match"


def test_phrases_allow_one_word_between_or_five_with_dots() -> None:
    assert matches("nooit bezoek", "nooit meer bezoek")
    assert not matches("nooit bezoek", "nooit echt meer bezoek")
    assert matches("sla ... over", "ik sla de borrel deze keer over")
    assert matches("bang voor ... vader|man", "ze is bang voor haar man")
    assert not matches("=rook", "ze roken cannabis"), "=word means that written form only"
    assert matches("rook", "ze roken cannabis")


def test_negation_only_just_before_and_in_the_same_clause() -> None:
    tokens = tokenize("Ik ben niet eenzaam, maar wel alleen")
    (eenzaam,) = compile_cue("eenzaam").find(tokens)
    (alleen,) = compile_cue("alleen").find(tokens)
    assert negated(tokens, eenzaam) and not negated(tokens, alleen)
    school = compile_cue("school").find(tokenize("hij wil niet meer naar school"))
    assert not negated(tokenize("hij wil niet meer naar school"), school[0])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Ik heb geen vrienden meer en zit de hele dag alleen.", "eenzaamheid"),
        ("Mijn oom stuurt de wijkverpleging steeds weg.", "zorgmijding"),
        ("Er komt weer een aanmaning en ik kan de huur niet betalen.", "geldzorgen"),
        ("Het stinkt in zijn huis en er lopen muizen.", "verwaarlozing"),
        ("Ik zorg voor mijn moeder en loop op mijn tandvlees.", "mantelzorg"),
        ("Mijn vader raakt de weg kwijt in zijn eigen straat.", "geheugen"),
        ("Mijn zus is erg somber en drinkt te veel.", "psychisch"),
        ("Mijn puberzoon spijbelt van school.", "opvoeding"),
        ("De bovenburen maken elke nacht herrie.", "overlast"),
        ("Wanneer is het spreekuur in het buurthuis?", "overig"),
    ],
)
def test_each_category_is_found_with_the_residents_own_words(
    classifier: Classifier, text: str, category: str
) -> None:
    suggestion = classifier.classify(text)
    assert suggestion.category == category, suggestion
    assert suggestion.cues and all(cue in text.casefold() for cue in suggestion.cues)


def test_negated_cues_do_not_count(classifier: Classifier) -> None:
    """'niet eenzaam' is no loneliness; 'geen schulden' no money worries."""
    assert (
        classifier.classify("Ik ben niet eenzaam, maar ik heb wel schulden.").category
        == "geldzorgen"
    )
    assert classifier.classify("Ik heb geen schulden.").cues == ()


def test_multi_word_expressions(classifier: Classifier) -> None:
    assert classifier.classify("Ik loop echt op mijn tandvlees").category == "mantelzorg"
    assert classifier.classify("We komen niet rond deze maand").category == "geldzorgen"
    assert classifier.classify("Opa is de weg kwijt").category == "geheugen"


def test_confidence_falls_with_a_close_second(classifier: Classifier) -> None:
    """One ordinary cue alone: 0.5 (at the threshold; but 'overig' is never asked about, all
    ten are shown instead); a strong cue alone: 0.67, asked; a tie: below the threshold."""
    alone = classifier.classify("Ik heb een vraag.")
    assert (alone.category, alone.confidence, alone.confident) == ("overig", 0.5, False)
    strong = classifier.classify("Er is lawaai.")
    assert (strong.category, strong.confidence, strong.ask) == ("overlast", 0.67, ("overlast",))
    tie = classifier.classify("Ik heb schulden en ik ben eenzaam.")
    assert tie.scores == {"geldzorgen": 2.0, "eenzaamheid": 2.0}
    assert (tie.confidence, tie.confident) == (0.4, False), "2 / (2 + 2 + 1)"
    nothing = classifier.classify("Goedemorgen.")
    assert (nothing.category, nothing.confidence, nothing.confident) == ("overig", 0.0, False)


@pytest.mark.parametrize(("text", "crisis"), CRISIS_TEXTS)
def test_crises_are_found(detector: CrisisDetector, text: str, crisis: str) -> None:
    found = detector.detect(text)
    assert crisis in found.ids and found.cues


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_are_no_crisis(detector: CrisisDetector, text: str) -> None:
    assert not detector.detect(text), detector.detect(text)


def test_a_crisis_hit_orders_ids_by_urgency(detector: CrisisDetector) -> None:
    found = detector.detect(URGENT_FIRST)
    assert found.ids == ("acuut", "geweld")


def test_cue_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "cues.yaml"
    bad.write_text("a:\n  loud: [x]\nb: []\nc: [y]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_cue_file(bad, ("a", "b"))
    problems = caught.value.problems
    assert any("unknown section 'c'" in p for p in problems)
    assert any("no cues for 'b'" in p for p in problems)
    assert any("'loud'" in p for p in problems)


def test_indexed_cue_matching_equals_trying_every_cue(
    classifier: Classifier, detector: CrisisDetector
) -> None:
    """Trying only the cues whose first word occurs (the index) gives exactly what trying every
    cue gives: the same crisis ids, cue words and nets, and the same category, confidence,
    scores (in the same order), words and questions, on every labelled message and on every
    crisis and idiom text of these tests."""
    for path in LABELLED_SETS:
        assert path.is_file(), f"{path} is missing"
    texts = [row.text for row in read_labelled([*training_files(), *LABELLED_SETS])]
    texts += [text for text, _crisis in CRISIS_TEXTS] + IDIOMS + [URGENT_FIRST]
    crises = suggestions = 0
    for text in texts:
        crisis = detector.detect(text)
        assert crisis == detector.detect(text, linear=True), text
        suggestion = classifier.classify(text)
        linear = classifier.classify(text, linear=True)
        assert suggestion == linear, text
        assert list(suggestion.scores.items()) == list(linear.scores.items()), text
        assert list(suggestion.words.items()) == list(linear.words.items()), text
        crises += bool(crisis)
        suggestions += bool(suggestion.cues)
    assert crises > 100 and suggestions > 1000, "the texts must exercise the cues"
