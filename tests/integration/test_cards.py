"""QR invitation cards: a printable page and a PDF, one card per person, each link working."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from pulse.extensions import db
from pulse.models import Person
from tests.factories import sign_in
from tests.helpers import csrf_token, elements, page_text

LINK = re.compile(r"http://localhost/login/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def admin_client(app, world, client):
    with app.app_context():
        db.session.get(Person, world.team_a_ids[2]).locale = "nb"
        db.session.get(Person, world.team_a_ids[3]).locale = "en"
        db.session.commit()
    sign_in(client, world.admin_id)
    return client


def make_cards(client, unit_id, fmt):
    token = csrf_token(client, "/cards/")
    return client.post(f"/cards/{unit_id}", data={"csrf_token": token, "format": fmt})


def names(app, ids):
    with app.app_context():
        return [db.session.get(Person, i).name for i in ids]


def test_the_pdf_holds_one_card_per_person_with_a_working_link(app, world, admin_client):
    response = make_cards(admin_client, world.team_a_id, "pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1  # six cards, eight to a page
    text = "\n".join(page.extract_text() for page in reader.pages)
    for name in names(app, world.team_a_ids):
        assert text.count(name) == 1
    assert "Tillidspuls" in text
    uris = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    # Six cards, five links: the TR (a role) signs in with their own e-mail link only.
    assert len(uris) == 5 == len(set(uris))
    assert all(LINK.fullmatch(uri) for uri in uris)
    assert "spørgsmål" not in text  # the cards carry no survey content
    # Each link signs its person in (here: the first one, on a fresh device).
    other = app.test_client()
    path = uris[0].removeprefix("http://localhost")
    signed = other.post(path, data={"csrf_token": csrf_token(other, path)})
    assert signed.status_code == 302


def test_a_team_of_more_than_eight_spans_pages(app, world, admin_client):
    from tests.factories import make_people

    with app.app_context():
        from pulse.models import Organisation, Unit

        organisation = db.session.get(Organisation, world.organisation_id)
        make_people(organisation, db.session.get(Unit, world.team_b_id), 6)
        db.session.commit()
    reader = PdfReader(io.BytesIO(make_cards(admin_client, world.team_b_id, "pdf").data))
    assert len(reader.pages) == 2
    annotations = sum(len(page.get("/Annots", [])) for page in reader.pages)
    assert annotations == 10  # eleven cards; the AMR's has no link


def test_the_page_has_one_card_per_person_in_their_language(app, world, admin_client):
    response = make_cards(admin_client, world.team_a_id, "html")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page_text(response)
    cards = elements(html, "article", class_="invite")
    assert len(cards) == 6
    assert sorted(card["lang"] for card in cards) == ["da", "da", "da", "da", "en", "nb"]
    images = elements(html, "img", class_="qr")
    assert len(images) == 5  # not for the TR
    assert all(img["src"].startswith("data:image/svg+xml") and img["alt"] for img in images)
    assert len(set(LINK.findall(html))) == 5
    assert "Add to Home Screen" in html  # the English person's instructions


def test_only_an_administrator_of_the_organisation_makes_cards(app, world, client):
    sign_in(client, world.team_a_ids[0])
    assert client.get("/cards/").status_code == 404
    token = csrf_token(client, "/privacy")
    response = client.post(f"/cards/{world.team_a_id}", data={"csrf_token": token})
    assert response.status_code == 404


def test_another_organisations_team_is_not_found(app, world, admin_client):
    with app.app_context():
        other_team = db.session.get(Person, world.outsider_id).membership.unit_id
    assert make_cards(admin_client, other_team, "pdf").status_code == 404
    assert make_cards(admin_client, 999999, "pdf").status_code == 404


def test_the_team_list_offers_page_and_pdf(app, world, admin_client):
    html = page_text(admin_client.get("/cards/"))
    assert "Team A" in html and "Team B" in html
    assert len(elements(html, "button", value="pdf")) == 2
