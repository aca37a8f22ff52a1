"""The JSON API: tokens, scope, released figures only, no names, pages, ETags, CSV, errors.

Runs on a demo municipality of its own (per backend), whose released history went through the
product's own release.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from pulse.api import reader_rule
from pulse.api.tokens import issue_api_token
from pulse.extensions import db
from pulse.models import (
    Action,
    ActionEvent,
    ApiToken,
    AuditEvent,
    Organisation,
    Person,
    ReleasedFigure,
    Role,
    RoleAssignment,
    Round,
    Unit,
)
from pulse.timeutil import utcnow
from tests.conftest import dispose_engines, make_app
from tests.factories import sign_in
from tests.helpers import csrf_token


@pytest.fixture(scope="module")
def api_app(database_backend, database_factory) -> Iterator:
    app = make_app(database_factory.create(database_backend), API_RATE_LIMIT="100000 per minute")
    result = app.test_cli_runner().invoke(args=["pulse", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    yield app
    dispose_engines(app)


def _admin_id(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(RoleAssignment.person_id).where(RoleAssignment.role == Role.ADMIN).limit(1)
        )


def _token(app, unit_id: int | None = None) -> str:
    with app.app_context():
        admin = db.session.get(Person, _admin_id(app))
        unit = db.session.get(Unit, unit_id) if unit_id else None
        _row, token = issue_api_token(admin, "test", unit)
        db.session.commit()
    return token


def _get(client, token: str, path: str, **params):
    return client.get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})


def _all(client, token: str, path: str, **params) -> list[dict]:
    """Every item of a paged collection, following `next`."""
    items, page = [], 1
    while True:
        body = _get(client, token, path, page=page, per_page=1000, **params).get_json()
        items.extend(body["items"])
        if body["next"] is None:
            return items
        page += 1


def test_no_token_a_wrong_token_and_a_revoked_token_get_401_problems(api_app):
    client = api_app.test_client()
    for headers in ({}, {"Authorization": "Bearer tp_not-a-token"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/units", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    token = _token(api_app)
    assert _get(client, token, "/api/v1/units").status_code == 200
    with api_app.app_context():
        row = db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
        row.revoked_at = row.created_at
        db.session.commit()
    assert _get(client, token, "/api/v1/units").status_code == 401


def test_figures_are_released_ones_safe_for_any_reader_and_hidden_ones_carry_no_number(api_app):
    """Every figure is the release's, with no number where hidden; and since the reader could
    be a member of any group, what is shown holds at least k + 1 and no subtraction between
    shown figures isolates 1 to k people (checked here from the tree, not by the product's
    rule). The demo has groups of exactly k: the API hides them where the release did not."""
    client = api_app.test_client()
    token = _token(api_app)
    rounds = _all(client, token, "/api/v1/rounds")
    assert rounds, "the demo has released rounds"
    served = {r["id"]: _all(client, token, f"/api/v1/rounds/{r['id']}/figures") for r in rounds}
    seen = tightened = 0
    with api_app.app_context():
        organisation = db.session.scalars(select(Organisation)).one()
        k, comment_k = organisation.min_group_size, organisation.min_comment_group_size
        for round_id, figures in served.items():
            stored = {
                (f.unit_id, f.kind, f.ref): f
                for f in db.session.scalars(
                    select(ReleasedFigure).where(ReleasedFigure.round_id == round_id)
                )
            }
            assert len(figures) == len(stored)
            shown: dict[tuple[str, str], dict[int, int]] = {}
            for figure in figures:
                row = stored[(figure["unit_id"], figure["kind"], figure["ref"])]
                numbers = [figure[k] for k in ("invited", "respondents", "mean", "distribution")]
                if row.suppressed or figure["status"] == "too_few":
                    assert figure["status"] == "too_few"
                    assert numbers == [None, None, None, None]
                    tightened += not row.suppressed
                else:
                    assert figure["status"] == "shown"
                    assert numbers[:3] == [row.invited, row.respondents, row.mean]
                    assert figure["distribution"] in (row.distribution, None)
                    if row.kind != "dimension":
                        family = shown.setdefault((row.kind, row.ref), {})
                        family[row.unit_id] = row.respondents
                seen += 1
            # The tree as it was at release: each figure's stored path, nearest ancestor first.
            chain = {
                unit_id: [int(a) for a in reversed(row.path.strip("/").split("/")[:-1])]
                for (unit_id, _kind, _ref), row in stored.items()
            }
            for (kind, _ref), family in shown.items():
                limit = (comment_k if kind == "comments" else k) + 1
                residual = dict(family)
                for unit_id, total in family.items():
                    assert total >= limit, (round_id, kind, unit_id, total)
                    above = next((a for a in chain[unit_id] if a in family), None)
                    if above is not None:
                        residual[above] -= total
                for unit_id, rest in residual.items():
                    assert rest == 0 or rest >= limit, (round_id, kind, unit_id, rest)
    assert seen > 100
    assert tightened > 0


def test_moving_a_unit_after_release_changes_nothing_the_api_shows(api_app):
    """The API decides on the tree as it was at release (the figures' stored paths): a unit
    moved under another parent afterwards must not let a residual of k be worked out."""
    client = api_app.test_client()
    token = _token(api_app)
    rounds = [r["id"] for r in _all(client, token, "/api/v1/rounds")]
    before = {r: _all(client, token, f"/api/v1/rounds/{r}/figures") for r in rounds}
    with api_app.app_context():
        units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
        root = next(u for u in units if u.parent_id is None)
        moved = [u for u in units if u.parent_id not in (None, root.id) and not u.children]
        old_parents = {u.id: u.parent_id for u in moved}
        for unit in moved:  # every leaf below the second level straight under the top
            unit.parent_id = root.id
        db.session.commit()
    reader_rule._kept.clear()  # decided again, from the moved tree's database
    try:
        after = {r: _all(client, token, f"/api/v1/rounds/{r}/figures") for r in rounds}
        assert after == before
    finally:
        with api_app.app_context():
            for unit_id, parent_id in old_parents.items():
                db.session.get(Unit, unit_id).parent_id = parent_id
            db.session.commit()


def _add_action(app) -> None:
    """An action with history by a named TRIO member, as the team page makes them."""
    with app.app_context():
        leader = db.session.scalars(
            select(RoleAssignment).where(RoleAssignment.role == Role.LEADER)
        ).first()
        action = Action(
            unit_id=leader.unit_id, title="Fælles pauser", owner="leader", status="done"
        )
        db.session.add(action)
        db.session.flush()
        for status in ("open", "done"):
            db.session.add(
                ActionEvent(
                    action_id=action.id,
                    person_id=leader.person_id,
                    at=utcnow(),
                    status=status,
                    note=leader.person.name,
                )
            )
        db.session.commit()


def test_no_response_names_a_person(api_app):
    client = api_app.test_client()
    token = _token(api_app)
    _add_action(api_app)
    with api_app.app_context():
        people = db.session.execute(select(Person.name, Person.email)).all()
    bodies = [
        json.dumps(_all(client, token, path))
        for path in ("/api/v1/units", "/api/v1/rounds", "/api/v1/actions")
    ]
    bodies.append(_get(client, token, "/api/v1/dimensions").get_data(as_text=True))
    for round_ in _all(client, token, "/api/v1/rounds")[-3:]:
        bodies.append(json.dumps(_all(client, token, f"/api/v1/rounds/{round_['id']}/figures")))
    text = "\n".join(bodies)
    for name, email in people:
        assert name not in text
        assert not email or email not in text
    assert _all(client, token, "/api/v1/actions"), "the demo has actions to check"


def test_a_subtree_token_sees_only_its_subtree(api_app):
    with api_app.app_context():
        root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        branch = root.children[0]
        outside = next(u for u in root.children[1:])
        inside = {branch.id}
        stack = list(branch.children)
        while stack:
            node = stack.pop()
            inside.add(node.id)
            stack.extend(node.children)
        branch_id, outside_id, root_id = branch.id, outside.id, root.id
    client = api_app.test_client()
    token = _token(api_app, branch_id)
    units = _all(client, token, "/api/v1/units")
    assert {u["id"] for u in units} == inside
    top = next(u for u in units if u["id"] == branch_id)
    assert top["parent_id"] is None  # the parent outside the scope is not named
    for unit_id in (outside_id, root_id):
        assert _get(client, token, f"/api/v1/units/{unit_id}").status_code == 404
    round_id = _all(client, token, "/api/v1/rounds")[-1]["id"]
    figures = _all(client, token, f"/api/v1/rounds/{round_id}/figures")
    assert figures and {f["unit_id"] for f in figures} <= inside
    response = _get(client, token, f"/api/v1/rounds/{round_id}/figures", unit_id=outside_id)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    actions = _all(client, token, "/api/v1/actions")
    assert {a["unit_id"] for a in actions} <= inside


def test_pages_etags_and_csv(api_app):
    client = api_app.test_client()
    token = _token(api_app)
    first = _get(client, token, "/api/v1/units", per_page=3).get_json()
    assert len(first["items"]) == 3 and first["total"] > 3 and first["next"]
    second = client.get(first["next"], headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {u["id"] for u in second["items"]}.isdisjoint({u["id"] for u in first["items"]})

    response = _get(client, token, "/api/v1/units")
    etag = response.headers["ETag"]
    again = client.get(
        "/api/v1/units", headers={"Authorization": f"Bearer {token}", "If-None-Match": etag}
    )
    assert again.status_code == 304

    as_csv = _get(client, token, "/api/v1/units", format="csv", per_page=1000)
    assert as_csv.content_type.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    as_json = _all(client, token, "/api/v1/units")
    assert [int(r["id"]) for r in rows] == [u["id"] for u in as_json]

    bad = _get(client, token, "/api/v1/units", per_page=0)
    assert bad.status_code == 422
    assert bad.content_type == "application/problem+json"
    assert "per_page" in json.dumps(bad.get_json()["errors"])


def test_rate_limit_answers_429_as_a_problem(database_backend, database_factory):
    app = make_app(database_factory.create(database_backend), API_RATE_LIMIT="3 per minute")
    try:
        client = app.test_client()
        statuses = [client.get("/api/v1/units").status_code for _ in range(5)]
        assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]
        assert client.get("/api/v1/units").content_type == "application/problem+json"
    finally:
        dispose_engines(app)


def test_an_administrator_makes_a_token_once_and_revokes_it(api_app):
    client = api_app.test_client()
    sign_in(client, _admin_id(api_app))
    page = client.post(
        "/admin/api-tokens",
        data={
            "csrf_token": csrf_token(client, "/admin/api-tokens"),
            "name": "Power BI",
            "unit": "",
        },
    )
    assert page.status_code == 200
    token = page.get_data(as_text=True).split('<code class="token">')[1].split("<")[0]
    assert _get(client, token, "/api/v1/units").status_code == 200
    # Shown once: the list afterwards does not show it again.
    assert token not in client.get("/admin/api-tokens").get_data(as_text=True)
    with api_app.app_context():
        row = db.session.scalars(select(ApiToken).where(ApiToken.name == "Power BI")).one()
        assert token not in (row.token_hash,)
        row_id = row.id
        issued = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "api_token.issued")
        ).all()
        assert any("Power BI" in e.detail for e in issued)
    response = client.post(
        f"/admin/api-tokens/{row_id}/revoke",
        data={"csrf_token": csrf_token(client, "/admin/api-tokens")},
    )
    assert response.status_code == 302
    assert _get(client, token, "/api/v1/units").status_code == 401
    with api_app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind)).all()
        assert "api_token.revoked" in kinds


def test_token_pages_are_404_for_everyone_but_administrators(api_app):
    with api_app.app_context():
        others = db.session.scalars(
            select(RoleAssignment.person_id).where(RoleAssignment.role != Role.ADMIN)
        ).all()
        admins = set(
            db.session.scalars(
                select(RoleAssignment.person_id).where(RoleAssignment.role == Role.ADMIN)
            )
        )
        employee = db.session.scalar(
            select(Person.id).where(Person.id.not_in(select(RoleAssignment.person_id))).limit(1)
        )
    for person_id in {*others, employee} - admins:
        client = api_app.test_client()
        sign_in(client, person_id)
        assert client.get("/admin/api-tokens").status_code == 404
        assert client.post("/admin/api-tokens/1/revoke").status_code in (400, 404)


def test_the_docs_page_and_the_document_are_public(api_app):
    client = api_app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/rounds/{round_id}/figures" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/openapi.json" in page.get_data(as_text=True)


def test_quarter_figures_are_the_weighted_mean_of_released_figures(api_app):
    from zoneinfo import ZoneInfo

    from pulse.med.summary import Quarter, local_day

    client = api_app.test_client()
    token = _token(api_app)
    listed = _get(client, token, "/api/v1/quarters").get_json()
    assert listed and all(q["rounds"] > 0 for q in listed)
    slug = listed[-1]["quarter"]
    rows = _all(client, token, f"/api/v1/quarters/{slug}/figures")
    zone = ZoneInfo(api_app.config["PULSE_TIMEZONE"])
    checked = 0
    with api_app.app_context():
        in_quarter = {
            r.id
            for r in db.session.scalars(select(Round).where(Round.state == "released"))
            if Quarter.of(local_day(r.closes_at, zone)).slug == slug
        }
    # What the API shows of each round (the figures' own test checks that it is safe).
    shown_by_api = {
        (f["round_id"], f["unit_id"], f["ref"])
        for round_id in in_quarter
        for f in _all(client, token, f"/api/v1/rounds/{round_id}/figures", kind="dimension")
        if f["status"] == "shown"
    }
    with api_app.app_context():
        for row in rows:
            if row["measure"] == "participation":
                continue
            figures = db.session.scalars(
                select(ReleasedFigure).where(
                    ReleasedFigure.round_id.in_(in_quarter),
                    ReleasedFigure.unit_id == row["unit_id"],
                    ReleasedFigure.kind == "dimension",
                    ReleasedFigure.ref == row["measure"],
                )
            ).all()
            shown = [f for f in figures if (f.round_id, f.unit_id, f.ref) in shown_by_api]
            assert row["rounds_hidden"] == len(figures) - len(shown)
            if not shown:
                assert row["value"] is None and row["respondents"] is None
                continue
            total = sum(f.respondents for f in shown)
            expected = round(sum(f.mean * f.respondents for f in shown) / total, 1)
            assert row["value"] == expected and row["respondents"] == total
            checked += 1
    assert checked > 0
    assert _get(client, token, "/api/v1/quarters/2026-Q5/figures").status_code == 404


def test_a_round_released_again_under_the_same_id_is_decided_again(api_app):
    """The process keeps each round's decision; a database restored or rebuilt with another
    round under the same id (another moment of release) must not get the kept one."""
    with api_app.app_context():
        round_ = db.session.scalars(select(Round).where(Round.state == "released")).first()
        kept = reader_rule.reader_hidden(round_)
        assert reader_rule.reader_hidden(round_) is kept
        released_at = round_.released_at
        round_.released_at = released_at - timedelta(days=1)
        try:
            assert reader_rule.reader_hidden(round_) is not kept
        finally:
            round_.released_at = released_at
            db.session.rollback()
