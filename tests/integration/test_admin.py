"""The administration area: administrators only (404 for everyone else), one audit row per
change, refusals change nothing (the world: tests/admin_world.py)."""

from __future__ import annotations

import re

from sqlalchemy import select

from pulse.extensions import db
from pulse.models import (
    AuditEvent,
    Committee,
    Person,
    Plan,
    RoleAssignment,
    Unit,
)
from tests.admin_world import PEOPLE, SAMPLE, audit_rows, ok, post, upload
from tests.factories import sign_in
from tests.helpers import csrf_token, page_text
from tests.smtp_server import local_smtp_server


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
                "file": (upload(changed), "org.csv"),
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
