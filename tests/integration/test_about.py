"""The question bank as shipped, and the "about the questions" page that lists it."""

from __future__ import annotations

from pulse.content import read_question_bank
from tests.factories import load_questions, make_organisation, make_person, sign_in
from tests.helpers import page_text

WHO5_DA = [
    "I de sidste 2 uger har jeg været glad og i godt humør",
    "I de sidste 2 uger har jeg følt mig rolig og afslappet",
    "I de sidste 2 uger har jeg følt mig aktiv og energisk",
    "I de sidste 2 uger er jeg vågnet frisk og udhvilet",
    "I de sidste 2 uger har min dagligdag været fyldt med ting der interesserer mig",
]


def test_every_item_has_wording_in_each_language_and_a_source():
    bank = read_question_bank()
    ids = set()
    for dimension in bank["dimensions"]:
        assert set(dimension["names"]) == {"da", "nb", "en"}
        assert set(dimension["descriptions"]) == {"da", "nb", "en"}
        for item in dimension["questions"]:
            assert item["id"] not in ids
            ids.add(item["id"])
            assert item["scale"] in bank["scales"]
            assert item.get("source", dimension["source"])
            expected = {"da", "en"} if dimension["id"] == "wellbeing" else {"da", "nb", "en"}
            assert set(item["text"]) == expected, item["id"]
    for scale in bank["scales"].values():
        for labels in scale["labels"].values():
            assert len(labels) == scale["max"] - scale["min"] + 1


def test_who5_is_word_for_word():
    bank = read_question_bank()
    (who5,) = [d for d in bank["dimensions"] if d["id"] == "wellbeing"]
    assert [q["text"]["da"] for q in who5["questions"]] == WHO5_DA
    assert "KLToolsCareWHO5.fsh" in who5["source"]
    assert bank["scales"]["who5"]["labels"]["da"] == [
        "På intet tidspunkt",
        "Lidt af tiden",
        "Lidt mindre end halvdelen af tiden",
        "Lidt mere end halvdelen af tiden",
        "Det meste af tiden",
        "Hele tiden",
    ]


def test_the_about_page_lists_dimensions_items_and_sources(app, client):
    with app.app_context():
        load_questions()
        from pulse.extensions import db

        db.session.commit()
    html = page_text(client.get("/about/questions"))
    for wording in WHO5_DA:
        assert wording in html
    assert "Jeg kan bruge min faglige dømmekraft i mit daglige arbejde." in html
    assert "Written for Tillidspuls, inspired by the COPSOQ dimension" in html
    assert "WHO-5 Well-Being Index" in html
    assert html.count('class="card about-dimension"') == 9


def test_the_about_page_speaks_the_persons_language(app, client):
    with app.app_context():
        from pulse.extensions import db

        load_questions()
        person = make_person(make_organisation(), locale="nb")
        db.session.commit()
        person_id = person.id
    sign_in(client, person_id)
    html = page_text(client.get("/about/questions"))
    assert "Jeg kan bruke mitt faglige skjønn i det daglige arbeidet." in html
    assert "Tillit til ledelsen" in html
    assert WHO5_DA[0] in html  # no Norwegian WHO-5 wording yet: Danish, word for word
