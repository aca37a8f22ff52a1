"""The administration area's pages: a move mid-round leaves the round alone, sign-in links only
by e-mail, pages that never show a link, the people search, the import as an upload, plans,
another organisation's administrator, bad input (the world: tests/admin_world.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Person, RoundMember, SignInToken, Unit
from tests.admin_world import PEOPLE, SAMPLE, audit_rows, ok, post, upload
from tests.factories import make_organisation, make_unit, sign_in
from tests.helpers import csrf_token, page_text
from tests.smtp_server import local_smtp_server


def test_moving_a_person_mid_round_changes_nothing_in_that_round(app, org, admin_client, database):
    from tests.factories import make_round

    with database.session() as session:
        organisation = session.scalar(
            select(Unit).where(Unit.id == org["Afsnit Birk"])
        ).organisation
        round_id = make_round(organisation, [session.get(Unit, org["Plejecenter Egebakken"])]).id
    before = database.scalars(
        select(RoundMember.unit_id).where(RoundMember.person_id == org["employee"])
    )
    ok(post(admin_client, f"/admin/people/{org['employee']}/move", unit_id=org["Afsnit Eg"]))
    after = database.scalars(
        select(RoundMember.unit_id).where(
            RoundMember.round_id == round_id, RoundMember.person_id == org["employee"]
        )
    )
    assert before == after == [org["Afsnit Birk"]]


def test_pages_render_and_never_show_a_sign_in_link(app, org, admin_client, database):
    with local_smtp_server() as inbox:
        app.config.update(inbox.app_settings())
        ok(post(admin_client, "/admin/sign-in", unit_id=org["Afsnit Birk"]))
        assert len(inbox.received()) == 8
        body = inbox.received()[0].get_body(("plain",)).get_content()
        assert "/login/" in body
    assert database.count(SignInToken) >= 8
    for path in (
        "/admin/",
        "/admin/import",
        "/admin/units",
        f"/admin/units/{org['Afsnit Birk']}",
        "/admin/people?q=jensen",
        f"/admin/people?unit={org['Afsnit Birk']}",
        f"/admin/people/{org['tr']}",
        "/admin/people/new",
        "/admin/committees",
        f"/admin/committees/{org['committee']}",
        "/admin/plans",
        "/admin/sign-in",
        "/admin/audit",
        "/admin/audit?kind=signin",
        "/admin/audit?kind=nonsense&page=abc",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert "/login/" not in page_text(response), path
    audit = page_text(admin_client.get("/admin/audit?kind=signin"))
    assert "Sendte personlige login-links" in audit
    # and one row per person, as for every link issued (pulse/auth/issuing.py)
    assert audit.count("Lavede et login-link til") == 8
    assert "Importerede organisationen" not in audit
    assert "Karen Lund" in audit  # who did it


def test_people_search_answers_htmx_with_the_results_only(app, org, admin_client):
    response = admin_client.get(
        "/admin/people?q=anne", headers={"HX-Request": "true", "HX-Target": "people-results"}
    )
    text = page_text(response)
    assert "Anne Jensen" in text
    assert "<html" not in text
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


RADIO = re.compile(r'<input type="radio" name="(\w+)" value="(\d+)"( checked)?>\s*([^<]+)</label>')


def test_a_large_organisation_picks_a_unit_by_searching_its_name(app, org, admin_client):
    app.config["PULSE_ADMIN_UNIT_SELECT_MAX"] = 3  # the sample has more open units than this
    with app.app_context():
        own_unit = db.session.get(Person, org["employee"]).membership.unit_id
    pages = ["/admin/units", f"/admin/units/{org['Afsnit Birk']}", "/admin/people/new"]
    pages += [f"/admin/committees/{org['committee']}", "/admin/sign-in"]
    for path in [*pages, f"/admin/people/{org['employee']}"]:
        page = admin_client.get(path).get_data(as_text=True)
        assert 'name="unit_search"' in page, path
        assert '<select id="unit' not in page and '<select id="move' not in page, path
    # A person's page starts from the person's unit, chosen.
    page = admin_client.get(f"/admin/people/{org['employee']}").get_data(as_text=True)
    assert ("unit_id", str(own_unit), " checked") in {m[:3] for m in RADIO.findall(page)}

    def matches(field: str, text: str) -> list[tuple[str, str, str, str]]:
        response = admin_client.get(
            f"/admin/units/pick/{field}",
            query_string={"unit_search": text},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        return RADIO.findall(response.get_data(as_text=True))

    with app.app_context():  # another organisation's unit with a matching name: never offered
        make_unit(make_organisation("Nabokommune"), "Afsnit Birkelund")
        db.session.commit()
    found = matches("unit_id", "  BIRK ")
    assert [(m[0], m[1], m[3].strip()) for m in found] == [
        ("unit_id", str(org["Afsnit Birk"]), "Afsnit Birk · Plejecenter Egebakken")
    ]
    assert found[0][2] == " checked"  # the only match is chosen
    # Every word counts, in any order; the field's name follows the form's.
    assert [m[1] for m in matches("parent_id", "pleje birk")] == [str(org["Afsnit Birk"])]
    assert matches("parent_id", "birk skole") == []
    assert matches("unit_id", "") == []
    none = admin_client.get("/admin/units/pick/unit_id?unit_search=zzz")
    assert "Ingen enhed fundet." in page_text(none)
    assert admin_client.get("/admin/units/pick/person_id?unit_search=a").status_code == 404

    # What the picker posts is what the select box posted: a move by id.
    ok(post(admin_client, f"/admin/people/{org['employee']}/move", unit_id=found[0][1]))
    with app.app_context():
        assert db.session.get(Person, org["employee"]).membership.unit_id == org["Afsnit Birk"]


def test_the_upload_refuses_a_bad_file_with_line_and_column(app, org, admin_client, database):
    before = audit_rows(database)
    bad = SAMPLE.read_bytes().replace(
        b"anne.jensen@solbjerg.example;Anne Jensen;", b";Anne Jensen;"
    )
    response = admin_client.post(
        "/admin/import",
        data={
            "csrf_token": csrf_token(admin_client, "/admin/import"),
            "file": (upload(bad), "org.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Linje 8, kolonne “email”" in page_text(response)
    assert audit_rows(database) == before


def test_the_upload_refuses_a_file_that_ends_the_uploaders_own_admin_role(app, org, admin_client):
    own = SAMPLE.read_bytes().replace(
        b"hr@solbjerg.example;Karen Lund;Solbjerg Kommune;admin;",
        b"hr@solbjerg.example;Karen Lund;Solbjerg Kommune;;",
    )
    response = admin_client.post(
        "/admin/import",
        data={
            "csrf_token": csrf_token(admin_client, "/admin/import"),
            "file": (upload(own), "org.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "administratorrolle" in page_text(response)


def test_a_plan_page_previews_the_next_rounds(app, org, admin_client, database):
    plan = {
        "name": "Puls",
        "unit_ids": [org["Plejecenter Egebakken"]],
        "cadence": "biweekly",
        "weekday": "2",
        "hour": "8",
        "round_days": "5",
        "questions_per_round": "4",
        "release_delay_hours": "24",
        "dimension_ids": ["vertical_trust", "autonomy", "justice"],
    }
    response = post(admin_client, "/admin/plans", **plan)
    ok(response)
    text = page_text(admin_client.get(response.location))
    assert text.count("<tr>") >= 6  # header + six planned rounds
    assert "onsdag" in text  # Wednesday, in Danish


def test_another_organisations_administrator_finds_nothing_here(app, org, database):
    from tests.factories import assign_role, make_organisation, make_person, make_unit

    with database.session():
        other = make_organisation("Nabokommune")
        outsider = make_person(other, make_unit(other, "Rådhuset"), name="Otto Udenfor")
        assign_role(outsider, "admin")
        outsider_id = outsider.id
    client = app.test_client()
    sign_in(client, outsider_id)
    before = audit_rows(database)
    for path in (
        f"/admin/units/{org['Afsnit Birk']}",
        f"/admin/people/{org['employee']}",
        f"/admin/committees/{org['committee']}",
    ):
        assert client.get(path).status_code == 404, path
    assert post(client, f"/admin/units/{org['Afsnit Birk']}/rename", name="X").status_code == 404
    assert post(client, f"/admin/people/{org['employee']}/deactivate").status_code == 404
    assert post(client, "/admin/sign-in", person_id=org["employee"]).status_code == 404
    assert "Fatima" not in page_text(client.get("/admin/people?q=fatima"))
    assert audit_rows(database) == before


def test_the_new_plan_form_previews_its_rounds_as_one_fills_it_in(app, org, admin_client):
    query = (
        "cadence=monthly&weekday=4&hour=7&round_days=3&questions_per_round=3"
        "&release_delay_hours=48&dimension_ids=justice&dimension_ids=autonomy"
    )
    response = admin_client.get(f"/admin/plans/preview?{query}", headers={"HX-Request": "true"})
    text = page_text(response)
    assert response.status_code == 200
    assert text.count("<tr>") == 7 and "fredag" in text and "<html" not in text
    bad = page_text(admin_client.get("/admin/plans/preview?cadence=daily"))
    assert "<tr>" not in bad


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/units", {"name": "", "parent_id": "abc"}),
        ("/admin/units", {"name": "X" * 300, "parent_id": "99999999999"}),
        ("/admin/units/{birk}/move", {"parent_id": "{birk}"}),
        ("/admin/units/{birk}/roles", {"email": "nobody@x.example", "role": "leader"}),
        ("/admin/units/{birk}/roles", {"email": PEOPLE["tr"], "role": "boss"}),
        ("/admin/people/new", {"name": "A", "email": PEOPLE["tr"], "unit_id": "{birk}"}),
        (
            "/admin/people/new",
            {"name": "A", "email": "a@x.example", "unit_id": "{birk}", "locale": "sv"},
        ),
        ("/admin/people/{employee}/edit", {"name": "A", "email": "x" * 300 + "@x.example"}),
        ("/admin/people/{employee}/move", {"unit_id": ""}),
        ("/admin/people/{employee}/role", {"role": "leader", "unit_id": "x"}),
        ("/admin/people/{employee}/committee_add", {"committee_id": "2147483647"}),
        ("/admin/committees", {"name": "   "}),
        ("/admin/committees/{committee}/member_add", {"person_id": "99999999"}),
        ("/admin/committees/{committee}/unit_remove", {"unit_id": "{birk}"}),
        ("/admin/plans", {"name": "P", "cadence": "weekly", "weekday": "0", "hour": "24"}),
        (
            "/admin/plans",
            {
                "name": "P",
                "cadence": "weekly",
                "weekday": "0",
                "hour": "9",
                "round_days": "7",
                "questions_per_round": "5",
                "release_delay_hours": "48",
                "unit_ids": ["{birk}", "x"],
                "dimension_ids": ["nonsense"],
            },
        ),
        ("/admin/sign-in", {"unit_id": "2147483647"}),
        ("/admin/sign-in", {}),
        ("/admin/import/confirm", {"fingerprint": "x"}),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    app, org, admin_client, database, path, data
):
    values = {
        "birk": org["Afsnit Birk"],
        "employee": org["employee"],
        "committee": org["committee"],
    }
    path = path.format(**values)
    data = {
        key: [v.format(**values) for v in value]
        if isinstance(value, list)
        else value.format(**values)
        for key, value in data.items()
    }
    before = audit_rows(database)
    response = post(admin_client, path, **data)
    assert response.status_code in (303, 404), response.status_code
    if response.status_code == 303:
        assert "admin-flash error" in page_text(admin_client.get(response.location))
    assert audit_rows(database) == before


def test_the_overview_and_committee_pages_lead_to_api_tokens_and_the_med_page(
    app, org, admin_client
):
    overview = page_text(admin_client.get("/admin/"))
    assert 'href="/admin/api-tokens"' in overview
    committee = page_text(admin_client.get(f"/admin/committees/{org['committee']}"))
    assert f'href="/med/{org["committee"]}"' in committee
    assert admin_client.get(f"/med/{org['committee']}").status_code == 200
    made = admin_client.post(
        "/admin/api-tokens",
        data={"name": "Power BI", "unit": "", "csrf_token": csrf_token(admin_client, "/admin/")},
    )
    assert made.status_code == 200
    audit = page_text(admin_client.get("/admin/audit"))
    assert "Oprettede API-tokenet Power BI" in audit  # a sentence, not the raw row
