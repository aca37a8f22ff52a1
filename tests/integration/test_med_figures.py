"""MED committees: the summary's cost at scale, the member rule, the quarter's actions, the
"discussed in MED" mark and the reader's language (the world: tests/med_world.py)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import event, select

from pulse.extensions import db
from pulse.models import ReleasedFigure, Round
from tests.factories import (
    make_person,
    make_unit,
    sign_in,
)
from tests.helpers import page_text
from tests.med_world import (
    SUMMARY,
)


def test_the_summary_costs_the_same_with_a_larger_organisation(app, client, scene):
    """Query count grows with the area, not the organisation: units elsewhere add nothing."""
    sign_in(client, scene.member_id)
    url = SUMMARY.format(id=scene.committee_id)

    def queries() -> int:
        with app.app_context():
            engine = db.engine
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    with app.app_context():
        from pulse.models import Organisation, Unit

        organisation = db.session.get(
            Organisation, db.session.get(Unit, scene.units["root"]).organisation_id
        )
        parent = db.session.get(Unit, scene.units["root"])
        for number in range(30):
            make_unit(organisation, f"Andet sted {number}", parent=parent)
        db.session.commit()
    assert queries() == before
    assert before <= 25


def test_a_member_of_a_small_group_sees_it_under_k_plus_one(app, client, scene):
    """A committee member who works in team B knows their own answer: B's figure of 5 people
    is hidden from them (5 < k + 1), as on the team page; others still see it."""
    from sqlalchemy import select, update

    from pulse.models import Committee, Person, Unit

    with app.app_context():
        last = db.session.scalar(select(Round.id).order_by(Round.closes_at.desc()).limit(1))
        db.session.execute(
            update(ReleasedFigure)
            .where(ReleasedFigure.round_id == last, ReleasedFigure.unit_id == scene.units["b"])
            .values(respondents=5)
        )
        committee = db.session.get(Committee, scene.committee_id)
        b = db.session.get(Unit, scene.units["b"])
        insider = make_person(
            db.session.get(Person, scene.member_id).organisation, b, name="Ib Inde"
        )
        committee.members.append(insider)
        db.session.commit()
        insider_id = insider.id
    url = SUMMARY.format(id=scene.committee_id) + ".csv"

    def b_vertical_trust_q4(person_id: int) -> str:
        sign_in(client, person_id)
        rows = list(
            csv.reader(io.StringIO(client.get(url).get_data(as_text=True).lstrip("\ufeff")))
        )
        return next(
            r[7]
            for r in rows[1:]
            if r[0] == "2026-Q4" and r[1] == str(scene.units["b"]) and r[5] == "vertical_trust"
        )

    assert b_vertical_trust_q4(scene.member_id) == "52.0"
    client.delete_cookie("pulse_session")
    assert b_vertical_trust_q4(insider_id) == ""


def test_actions_opened_closed_and_overdue_in_the_quarter_per_unit(app, client, scene):
    from pulse.models import Action, ActionEvent

    with app.app_context():
        overdue = Action(
            unit_id=scene.units["a"],
            title="Fælles pause",
            owner="team",
            status="open",
            follow_up_on=datetime(2026, 11, 1).date(),
        )
        closed = Action(
            unit_id=scene.units["b"], title="Ny vagtplan", owner="leader", status="done"
        )
        elsewhere = Action(
            unit_id=scene.units["root"], title="Uden for området", owner="tr", status="open"
        )
        db.session.add_all([overdue, closed, elsewhere])
        db.session.flush()
        db.session.add_all(
            [
                ActionEvent(action_id=overdue.id, at=datetime(2026, 10, 6, 9), status="open"),
                ActionEvent(action_id=closed.id, at=datetime(2026, 9, 2, 9), status="open"),
                ActionEvent(action_id=closed.id, at=datetime(2026, 11, 3, 9), status="done"),
                ActionEvent(action_id=elsewhere.id, at=datetime(2026, 10, 6, 9), status="open"),
            ]
        )
        db.session.commit()
    sign_in(client, scene.member_id)
    html = client.get(SUMMARY.format(id=scene.committee_id)).get_data(as_text=True)
    section = html.split('id="actions-heading"')[1]
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>((?:<td>\d+</td>){3})', section))
    assert rows["Hjemmeplejen Syd"] == "<td>1</td><td>0</td><td>1</td>"
    assert rows["Plejehjemmet Lyngen"] == "<td>0</td><td>1</td><td>0</td>"
    assert "Testkommune" not in rows  # the root is outside the committee's area


def test_a_member_marks_the_summary_discussed_and_the_trio_page_shows_it(app, client, scene):
    from pulse.models import CommitteeDiscussion
    from tests.helpers import csrf_token

    summary = SUMMARY.format(id=scene.committee_id)
    sign_in(client, scene.member_id)
    token = csrf_token(client, summary)
    for bad in ("", "31-12-2026", "2999-01-01"):
        response = client.post(
            summary + "/discussed", data={"csrf_token": token, "discussed_on": bad}
        )
        assert response.status_code == 422
        assert 'class="error"' in response.get_data(as_text=True)
    assert discussion_count(app, CommitteeDiscussion) == 0
    response = client.post(
        summary + "/discussed", data={"csrf_token": token, "discussed_on": "2026-11-12"}
    )
    assert response.status_code == 302
    assert "Drøftet i MED den 12. november 2026" in page_text(client.get(summary))

    client.delete_cookie("pulse_session")
    sign_in(client, scene.trio_id)  # the area's leader: its TRIO page says so
    text = page_text(client.get(f"/team/{scene.units['a']}"))
    assert "Område-MED Ældre drøftede oversigten for 4. kvartal 2026 den 12. november 2026" in text

    client.delete_cookie("pulse_session")
    sign_in(client, scene.admin_id)  # may read, but marking is for members
    token = csrf_token(client, summary)
    response = client.post(
        summary + "/discussed", data={"csrf_token": token, "discussed_on": "2026-11-13"}
    )
    assert response.status_code == 404
    assert discussion_count(app, CommitteeDiscussion) == 1


def discussion_count(app, model) -> int:
    from sqlalchemy import func, select

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("locale", "page", "value"), [("nb", "Side 1 av", "57,7"), ("en", "Page 1 of", "57.7")]
)
def test_the_pdf_speaks_the_readers_language(app, client, scene, locale, page, value):
    from pulse.models import Person

    with app.app_context():
        db.session.get(Person, scene.member_id).locale = locale
        db.session.commit()
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert page in text and value in text


def test_the_anonymity_text_names_each_threshold_the_quarters_rounds_kept(app, client, scene):
    """A two-party change of k between two rounds of a quarter: each round kept the k it opened
    with, and the summary says both, in the reader's language (page and PDF)."""
    sign_in(client, scene.member_id)
    path = SUMMARY.format(id=scene.committee_id)
    assert "mindst 5 i gruppen har svaret" in page_text(client.get(path))
    with app.app_context():
        last = db.session.scalars(select(Round).order_by(Round.closes_at.desc())).first()
        last.min_group_size = 7
        db.session.commit()
    text = page_text(client.get(path))
    assert "mindst 5 eller 7, da grænsen blev ændret i løbet af kvartalet" in text
    pdf = PdfReader(io.BytesIO(client.get(path + ".pdf").data))
    words = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "mindst 5 eller 7" in words
