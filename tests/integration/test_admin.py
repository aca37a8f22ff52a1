"""The administration area: administrators only (404 for everyone else), one audit row per
change, refusals change nothing, a move mid-round leaves the round alone, sign-in links only by
e-mail, the import as an upload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from pulse.auth.issuing import KINDS as ISSUE_KINDS
from pulse.extensions import db
from pulse.models import (
    AuditEvent,
    Committee,
    Person,
    Plan,
    RoleAssignment,
    RoundMember,
    SignInToken,
    Unit,
)
from tests.factories import sign_in
from tests.helpers import csrf_token, page_text
from tests.smtp_server import local_smtp_server

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-organisation.csv"
PEOPLE = {
    "admin": "hr@solbjerg.example",
    "employee": "fatima.hussein@solbjerg.example",
    "leader": "leder.egebakken@solbjerg.example",
    "tr": "anne.jensen@solbjerg.example",
    "amr": "mette.nielsen@solbjerg.example",
    "med": "hmed.tr@solbjerg.example",
}


@pytest.fixture
def org(app, runner) -> dict[str, int]:
    """The sample municipality, imported with the CLI; people's ids by kind, and a few units."""
    result = runner.invoke(args=["pulse", "import-org", str(SAMPLE), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = {
            kind: db.session.scalar(select(Person.id).where(Person.email == email))
            for kind, email in PEOPLE.items()
        }
        for name in ("Afsnit Birk", "Afsnit Eg", "Børnehaven", "Plejecenter Egebakken"):
            ids[name] = db.session.scalar(select(Unit.id).where(Unit.name == name))
        ids["committee"] = db.session.scalar(select(Committee.id).order_by(Committee.id))
        ids["role"] = db.session.scalar(select(RoleAssignment.id).order_by(RoleAssignment.id))
    return ids


@pytest.fixture
def admin_client(app, org):
    client = app.test_client()
    sign_in(client, org["admin"])
    return client


def audit_rows(database) -> int:
    """Rows of administrative changes: without the per-person rows every sign-in link issued
    writes besides (pulse/auth/issuing.py), which the sign-in test below counts."""
    return database.count(AuditEvent, AuditEvent.kind.not_in(ISSUE_KINDS))


def admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def urls_of(rule, org: dict[str, int]) -> list[str]:
    """The rule's path with real ids, once for each choice of an any(...) part."""
    import itertools

    choices = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if hasattr(converter, "items"):
            choices[name] = sorted(converter.items)
    paths = []
    for combination in itertools.product(*choices.values()) if choices else [()]:
        paths.append(url_of(rule, org, dict(zip(choices, combination, strict=True))))
    return paths


def url_of(rule, org: dict[str, int], values: dict) -> str:
    values = dict(values)
    for name in rule.arguments:
        if name in values:
            continue
        if name == "unit_id":
            values[name] = org["Afsnit Birk"]
        elif name == "person_id":
            values[name] = org["employee"]
        elif name == "committee_id":
            values[name] = org["committee"]
        elif name == "role_id":
            values[name] = org["role"]
        elif name == "plan_id":
            values[name] = 1
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<[^>]*\b{name}>", str(value), path)
    return path


def test_every_admin_route_is_404_for_every_other_role(app, org):
    rules = admin_rules(app)
    assert len(rules) >= 20
    for kind in ("employee", "leader", "tr", "amr", "med"):
        client = app.test_client()
        sign_in(client, org[kind])
        token = csrf_token(client, "/privacy")
        for rule in rules:
            for path in urls_of(rule, org):
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    data = {"csrf_token": token, "name": "X"} if method == "POST" else None
                    response = client.open(path, method=method, data=data)
                    assert response.status_code == 404, (kind, method, path, response.status_code)
    assert audit_rows_after_import(app) == 1  # only the import's own row


def audit_rows_after_import(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEvent)).all())


def test_signed_out_visitors_are_sent_to_sign_in(app, org):
    client = app.test_client()
    for rule in admin_rules(app):
        for path in urls_of(rule, org):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code == 302, (method, path)
                assert response.location.startswith("/signed-out"), response.location


def post(client, path: str, **data):
    data["csrf_token"] = csrf_token(client, "/admin/")
    return client.post(path, data=data)


def ok(response) -> None:
    assert response.status_code == 303, response.status_code


def test_every_admin_post_writes_exactly_one_audit_row(app, org, admin_client, database):
    """One row per change, for every kind of POST the area has (the import upload's preview
    changes nothing and writes nothing; the confirmation writes the import's row)."""
    inbox_settings = {}
    with local_smtp_server() as inbox:
        inbox_settings = inbox.app_settings()
        app.config.update(inbox_settings)
        birk, eg = org["Afsnit Birk"], org["Afsnit Eg"]
        done: set[str] = set()

        def expect_one(endpoint: str, path: str, **data) -> None:
            before = audit_rows(database)
            response = post(admin_client, path, **data)
            ok(response)
            text = page_text(admin_client.get(response.location))
            assert "admin-flash error" not in text, (endpoint, text[:3000])
            assert audit_rows(database) == before + 1, endpoint
            done.add(endpoint)

        expect_one(
            "admin.add_unit",
            "/admin/units",
            name="Afsnit Ask",
            parent_id=org["Plejecenter Egebakken"],
        )
        ask = database.scalars(select(Unit.id).where(Unit.name == "Afsnit Ask"))[0]
        expect_one("admin.change_unit", f"/admin/units/{ask}/rename", name="Afsnit Asketræ")
        expect_one("admin.change_unit", f"/admin/units/{ask}/move", parent_id=org["Afsnit Eg"])
        expect_one("admin.change_unit", f"/admin/units/{ask}/close")
        expect_one("admin.change_unit", f"/admin/units/{ask}/reopen")
        expect_one(
            "admin.add_unit_role",
            f"/admin/units/{eg}/roles",
            email=PEOPLE["employee"],
            role="leader",
        )
        role = database.scalars(
            select(RoleAssignment.id).where(RoleAssignment.person_id == org["employee"])
        )[0]
        expect_one("admin.remove_role", f"/admin/roles/{role}/remove", back="unit")
        expect_one(
            "admin.add_person",
            "/admin/people/new",
            name="Nanna Ny",
            email="nanna.ny@solbjerg.example",
            unit_id=birk,
            locale="nb",
        )
        nanna = database.scalars(
            select(Person.id).where(Person.email == "nanna.ny@solbjerg.example")
        )[0]
        base = f"/admin/people/{nanna}"
        expect_one(
            "admin.change_person",
            f"{base}/edit",
            name="Nanna Nyborg",
            email="nanna.ny@solbjerg.example",
            locale="da",
        )
        expect_one("admin.change_person", f"{base}/move", unit_id=eg)
        expect_one("admin.change_person", f"{base}/role", role="amr", unit_id=eg)
        expect_one("admin.add_committee", "/admin/committees", name="Lokal-MED Egebakken")
        committee = database.scalars(
            select(Committee.id).where(Committee.name == "Lokal-MED Egebakken")
        )[0]
        expect_one("admin.change_person", f"{base}/committee_add", committee_id=committee)
        expect_one("admin.change_person", f"{base}/committee_remove", committee_id=committee)
        cbase = f"/admin/committees/{committee}"
        expect_one(
            "admin.change_committee", f"{cbase}/unit_add", unit_id=org["Plejecenter Egebakken"]
        )
        expect_one(
            "admin.change_committee", f"{cbase}/unit_remove", unit_id=org["Plejecenter Egebakken"]
        )
        expect_one(
            "admin.change_committee", f"{cbase}/member_add", email="nanna.ny@solbjerg.example"
        )
        expect_one("admin.change_committee", f"{cbase}/member_remove", person_id=nanna)
        expect_one("admin.send_links", "/admin/sign-in", person_id=nanna)
        expect_one("admin.send_links", "/admin/sign-in", unit_id=birk)
        expect_one("admin.change_person", f"{base}/deactivate")
        expect_one("admin.change_person", f"{base}/reactivate")
        plan = {
            "name": "Ugentlig puls",
            "unit_ids": [org["Plejecenter Egebakken"]],
            "cadence": "weekly",
            "weekday": "0",
            "hour": "9",
            "round_days": "7",
            "questions_per_round": "5",
            "release_delay_hours": "48",
            "dimension_ids": ["vertical_trust", "autonomy"],
        }
        expect_one("admin.add_plan", "/admin/plans", **plan)
        plan_id = database.scalars(select(Plan.id))[0]
        expect_one("admin.change_plan", f"/admin/plans/{plan_id}", **{**plan, "hour": "10"})
        expect_one("admin.plan_state", f"/admin/plans/{plan_id}/pause")
        expect_one("admin.plan_state", f"/admin/plans/{plan_id}/resume")
        expect_one("admin.plan_state", f"/admin/plans/{plan_id}/end")

        # The upload: the preview changes nothing, the confirmation is one row.
        before = audit_rows(database)
        changed = SAMPLE.read_bytes().replace(b"Lars Hansen", b"Lars Holm Hansen")
        response = admin_client.post(
            "/admin/import",
            data={
                "csrf_token": csrf_token(admin_client, "/admin/import"),
                "file": (_file(changed), "org.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        assert audit_rows(database) == before
        fingerprint = re.search(
            r'name="fingerprint" value="([0-9a-f]+)"', page_text(response)
        ).group(1)
        expect_one("admin.import_confirm", "/admin/import/confirm", fingerprint=fingerprint)
        done.add("admin.import_preview")

        assert len(inbox.received()) >= 2
    posts = {rule.endpoint for rule in admin_rules(app) if "POST" in rule.methods}
    assert posts == done


def _file(data: bytes):
    import io

    return io.BytesIO(data)


def test_a_refused_change_says_why_and_writes_nothing(app, org, admin_client, database):
    before = audit_rows(database)
    response = post(admin_client, f"/admin/units/{org['Afsnit Birk']}/close")
    ok(response)
    text = page_text(admin_client.get(response.location))
    assert "Flyt enhedens personer" in text  # Danish: move the people away first
    response = post(admin_client, f"/admin/people/{org['admin']}/deactivate")
    ok(response)
    response = post(
        admin_client,
        "/admin/people/new",
        name="X",
        email="not-an-address",
        unit_id=org["Afsnit Birk"],
    )
    ok(response)
    response = post(admin_client, "/admin/plans", name="P", cadence="daily", weekday="9")
    ok(response)
    assert audit_rows(database) == before
    assert database.count(Plan) == 0


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


def test_the_upload_refuses_a_bad_file_with_line_and_column(app, org, admin_client, database):
    before = audit_rows(database)
    bad = SAMPLE.read_bytes().replace(
        b"anne.jensen@solbjerg.example;Anne Jensen;", b";Anne Jensen;"
    )
    response = admin_client.post(
        "/admin/import",
        data={
            "csrf_token": csrf_token(admin_client, "/admin/import"),
            "file": (_file(bad), "org.csv"),
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
            "file": (_file(own), "org.csv"),
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
