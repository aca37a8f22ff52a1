"""MED committees: the quarterly summary page, its PDF, CSV and XLSX, from released figures only.

The rounds here are written straight into the release table (as pulse/anonymity/release.py
leaves it), so the test knows every released and every hidden figure and can compute the
quarter's figures independently.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event

from pulse.extensions import db
from pulse.models import ReleasedFigure, Role, Round, RoundState
from tests.factories import (
    assign_role,
    load_questions,
    make_committee,
    make_organisation,
    make_person,
    make_unit,
    sign_in,
)
from tests.helpers import page_text

#: (closes_at, quarter): two rounds in Q3 2026 and two in Q4 2026 (mid-month: no zone edge).
ROUNDS = [
    (datetime(2026, 8, 12, 10), "Q3"),
    (datetime(2026, 9, 16, 10), "Q3"),
    (datetime(2026, 10, 14, 10), "Q4"),
    (datetime(2026, 11, 18, 10), "Q4"),
]
DIMENSIONS = ("vertical_trust", "autonomy")
#: unit -> per round: (invited, respondents) or None where the release hid the unit.
PARTICIPATION = {
    "area": [(40, 30), (40, 26), (41, 33), (41, 29)],
    "a": [(20, 16), (20, 14), (21, 18), (21, 15)],
    "b": [(14, 10), (14, 8), None, (14, 10)],
    "c": [None, None, None, None],
}
#: unit -> dimension -> per round: (respondents, mean) or None (hidden).
INDEX = {
    "area": {"vertical_trust": [(30, 61.2), (26, 58.4), (33, 66.0), (29, 48.3)],
             "autonomy": [(30, 70.0), (26, 71.5), (33, 69.9), (29, 72.2)]},
    "a": {"vertical_trust": [(16, 64.0), (14, 60.1), (18, 70.2), (15, 45.5)],
          "autonomy": [(16, 75.0), (14, 73.0), (18, 71.0), (15, 70.0)]},
    "b": {"vertical_trust": [(10, 57.5), (8, 55.0), None, (10, 52.0)],
          "autonomy": [(10, 66.0), (8, 69.0), None, (10, 74.0)]},
    "c": {"vertical_trust": [None] * 4, "autonomy": [None] * 4},
}  # fmt: skip


@dataclass(frozen=True)
class Scene:
    committee_id: int
    other_committee_id: int
    units: dict[str, int]
    member_id: int
    admin_id: int
    other_member_id: int
    trio_id: int
    employee_id: int


@pytest.fixture
def scene(app) -> Scene:
    with app.app_context():
        load_questions()
        organisation = make_organisation("Testkommune")
        root = make_unit(organisation, "Testkommune", kind="organisation")
        area = make_unit(organisation, "Ældreområdet", parent=root, kind="area")
        a = make_unit(organisation, "Hjemmeplejen Syd", parent=area)
        b = make_unit(organisation, "Plejehjemmet Lyngen", parent=area)
        c = make_unit(organisation, "Natholdet", parent=area)
        other = make_unit(organisation, "Skoleområdet", parent=root, kind="area")
        units = {"root": root.id, "area": area.id, "a": a.id, "b": b.id, "c": c.id}
        member = make_person(organisation, name="Mette Medlem")  # no team, no TRIO role
        other_member = make_person(organisation, name="Otto Andetudvalg")
        trio = make_person(organisation, name="Lis Leder")
        assign_role(trio, Role.LEADER, area)
        employee = make_person(organisation, a, name="Erik Ansat")
        admin = make_person(organisation, name="Ada Admin")
        assign_role(admin, Role.ADMIN)
        committee = make_committee(organisation, [area], [member], "Område-MED Ældre")
        other_committee = make_committee(organisation, [other], [other_member], "Område-MED Skole")
        for number, (closes_at, _quarter) in enumerate(ROUNDS):
            round_ = Round(
                organisation_id=organisation.id,
                state=RoundState.RELEASED,
                opens_at=closes_at.replace(day=closes_at.day - 7),
                closes_at=closes_at,
                released_at=closes_at,
                min_group_size=5,
            )
            db.session.add(round_)
            db.session.flush()
            for key, figures in PARTICIPATION.items():
                db.session.add(_figure(round_.id, units[key], "participation", "", figures[number]))
            for key, dimensions in INDEX.items():
                for dimension_id, figures in dimensions.items():
                    value = figures[number]
                    db.session.add(
                        _figure(round_.id, units[key], "dimension", dimension_id, value, index=True)
                    )
        db.session.commit()
        return Scene(
            committee.id,
            other_committee.id,
            units,
            member.id,
            admin.id,
            other_member.id,
            trio.id,
            employee.id,
        )


def _figure(round_id, unit_id, kind, ref, value, index=False) -> ReleasedFigure:
    if value is None:
        return ReleasedFigure(
            round_id=round_id,
            unit_id=unit_id,
            kind=kind,
            ref=ref,
            suppressed=True,
            reason="too_few",
        )
    if index:
        respondents, mean = value
        return ReleasedFigure(
            round_id=round_id,
            unit_id=unit_id,
            kind=kind,
            ref=ref,
            suppressed=False,
            respondents=respondents,
            mean=mean,
        )
    invited, respondents = value
    return ReleasedFigure(
        round_id=round_id,
        unit_id=unit_id,
        kind=kind,
        ref=ref,
        suppressed=False,
        invited=invited,
        respondents=respondents,
    )


def expected_index(unit: str, dimension: str, quarter: str) -> float | None:
    """The independent computation: respondent-weighted mean of the quarter's shown figures."""
    pairs = [
        value
        for (_closes, q), value in zip(ROUNDS, INDEX[unit][dimension], strict=True)
        if q == quarter and value is not None
    ]
    total = sum(n for n, _mean in pairs)
    return round(sum(n * mean for n, mean in pairs) / total, 1) if total else None


def da(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


SUMMARY = "/med/{id}/2026-Q4"
EXPORTS = ("", ".pdf", ".csv", ".xlsx")


def test_the_member_sees_the_quarter_built_from_released_figures(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id))
    assert response.status_code == 200
    text = page_text(response)
    for unit in ("area", "a", "b"):
        for dimension in DIMENSIONS:
            assert da(expected_index(unit, dimension, "Q4")) in text
    # B's hidden round stays out: Q4 is its one released round, not a mix with anything else.
    assert expected_index("b", "vertical_trust", "Q4") == 52.0
    # The area's change from the previous quarter (area vertical trust: 57.0 vs 59.9).
    change = expected_index("area", "vertical_trust", "Q4") - expected_index(
        "area", "vertical_trust", "Q3"
    )
    assert ("+" if change > 0 else "") + da(round(change, 1)) in text
    # Natholdet: the release hid every figure; the page says so and shows no number for it.
    row = re.search(r"Natholdet</th>(.*?)</tr>", response.get_data(as_text=True), re.S).group(1)
    assert not re.search(r"\d+,\d", row)
    assert "for få" in row.lower() or "too few" in row.lower()
    # The rule is written on the page, and the units that meet it are listed.
    assert "Hjemmeplejen Syd" in text.split("Needs attention")[-1] or "Hjemmeplejen Syd" in text


def test_the_committee_page_lists_its_quarters(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(f"/med/{scene.committee_id}")
    assert response.status_code == 200
    assert f"/med/{scene.committee_id}/2026-Q4" in response.get_data(as_text=True)
    assert f"/med/{scene.committee_id}/2026-Q3" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_member_id", "trio_id", "employee_id"])
def test_everyone_else_gets_404_for_the_page_and_every_export(client, scene, who):
    sign_in(client, getattr(scene, who))
    assert client.get(f"/med/{scene.committee_id}").status_code == 404
    for suffix in EXPORTS:
        assert client.get(SUMMARY.format(id=scene.committee_id) + suffix).status_code == 404


def test_an_administrator_may_read_the_summary(client, scene):
    sign_in(client, scene.admin_id)
    for suffix in EXPORTS:
        assert client.get(SUMMARY.format(id=scene.committee_id) + suffix).status_code == 200


def test_signed_out_and_bad_quarters_show_nothing(client, scene):
    assert client.get(SUMMARY.format(id=scene.committee_id)).status_code in (302, 401)
    sign_in(client, scene.member_id)
    assert client.get(f"/med/{scene.committee_id}/2026-Q5").status_code == 404
    assert client.get(f"/med/{scene.committee_id}/2026-Q0.csv").status_code == 404
    assert client.get("/med/99999999/2026-Q4").status_code == 404


def test_csv_has_one_row_per_unit_theme_and_quarter_and_no_hidden_figure(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert len(body) == 4 * len(DIMENSIONS) * 2  # area + 3 units, 2 themes, 2 quarters
    names = {v: k for k, v in scene.units.items()}
    for row in body:
        quarter, unit_id, dimension, value = row[0], int(row[1]), row[5], row[7]
        unit = names[unit_id]
        expected = expected_index(unit, dimension, quarter[-2:])
        if expected is None:
            assert value == ""  # hidden every round: no number, and no count below k
            assert row[9] == "" and row[12] == ""
        else:
            assert float(value) == expected
    assert len(header) == len(set(header)) == len(body[0])


def test_xlsx_has_a_sheet_per_table_with_the_same_figures(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 6
    index = book.worksheets[1]
    rows = list(index.iter_rows(values_only=True))
    assert len(rows) == 1 + 4 * len(DIMENSIONS) * 2
    names = {v: k for k, v in scene.units.items()}
    for row in rows[1:]:
        expected = expected_index(names[row[1]], row[5], row[0][-2:])
        assert row[7] == expected
    rates = list(book.worksheets[2].iter_rows(values_only=True))
    natholdet = next(r for r in rates if r[1] == "Natholdet")
    assert natholdet[2] is None and natholdet[4] is None and natholdet[5] is None


def test_the_pdf_is_a_real_pdf_in_danish_with_vector_charts(client, scene):
    sign_in(client, scene.member_id)
    response = client.get(SUMMARY.format(id=scene.committee_id) + ".pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Område-MED Ældre" in text
    assert "Kvartalsoversigt" in text
    assert f"Side 1 af {len(reader.pages)}" in text
    assert da(expected_index("area", "vertical_trust", "Q4")) in text
    # The charts are vector paths: filled rectangles in the second page's content stream.
    content = reader.pages[1].get_contents().get_data().decode("latin-1")
    assert len(re.findall(r"\bre\b", content)) >= 8
    assert re.search(r"\bf\b", content)
    assert "/XObject" not in reader.pages[1]["/Resources"]  # no picture of a chart


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
