"""A page's number of SQL statements follows what it shows, never the organisation's size.

Two organisations built by the benchmark builder (pulse/demo_scale.py), one ten times the other,
in the same database; the same requests against each must run the same number of statements
(counted with a `before_cursor_execute` listener, not timed). Covers the team page (root, a leaf,
a leaf seen by a TR who is a member of it), its htmx fragments, the home page and the answer POST.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from pulse.demo_scale import ScaleOrganisation, build, open_round_for_everyone
from pulse.extensions import db
from pulse.models import Round
from tests.conftest import make_app
from tests.factories import sign_in
from tests.helpers import csrf_token

#: More rounds than a team page shows (results/data.py: HISTORY), so the page must cut off.
ROUNDS = 30


@pytest.fixture(scope="module")
def orgs(database_backend, database_factory):
    """A small and a ten times larger organisation, each with history and an open round."""
    app = make_app(database_factory.create(database_backend))
    built = {}
    with app.app_context():
        for name, people in (("small", 300), ("large", 3000)):
            scale = build(people, ROUNDS, seed=len(built) + 1)
            built[name] = (scale, open_round_for_everyone(scale.organisation_id))
    yield app, built
    with app.app_context():
        db.engine.dispose()


@contextmanager
def counted(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def counts_for(app, scale: ScaleOrganisation, round_id: int) -> dict[str, int]:
    """Statements per request, for one organisation."""
    result = {}
    director, tr = app.test_client(), app.test_client()
    sign_in(director, scale.director_id)
    sign_in(tr, scale.leaf_tr_id)
    with app.app_context():
        round_ids = db.session.scalars(
            select(Round.id)
            .where(Round.organisation_id == scale.organisation_id, Round.state == "released")
            .order_by(Round.closes_at)
        ).all()
    older = round_ids[-3]

    def measure(name, client, path, **headers):
        with counted(app) as statements:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        result[name] = len(statements)

    for name, unit in (("root", scale.root_id), ("leaf", scale.leaf_id)):
        measure(f"team {name}", director, f"/team/{unit}")
        for target, query in (
            ("trend", "?dimension=horizontal_trust"),
            ("comments", f"?round={older}"),
            ("actions", ""),
        ):
            measure(
                f"team {name} #{target}",
                director,
                f"/team/{unit}{query}",
                **{"HX-Request": "true", "HX-Target": target},
            )
    measure("team leaf (member TR)", tr, f"/team/{scale.leaf_id}")
    measure("home (member TR)", tr, "/")

    path = f"/pulse/{round_id}"
    token = csrf_token(tr, path)
    with app.app_context():
        questions = [rq.question_id for rq in db.session.get(Round, round_id).questions]
    data = {"submission_key": uuid.uuid4().hex, "audience": "trio", "comment": ""}
    data.update({f"q_{q}": "3" for q in questions})
    with counted(app) as statements:
        response = tr.post(
            path,
            data=data,
            headers={"HX-Request": "true", "HX-Target": "pulse", "X-CSRFToken": token},
        )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    result["answer POST"] = len(statements)
    return result


#: Requests by a member of a shown group: the member rule reads the units just below the
#: viewer's path only when one of the figures could change (pulse/member_rule.py), so their
#: count depends on the figures (by a few statements), not on the organisation's size.
MEMBER_VIEWS = {"team leaf (member TR)", "home (member TR)"}
MEMBER_RULE_READS = 3


def test_statements_do_not_grow_with_the_organisation(orgs):
    app, built = orgs
    small = counts_for(app, *built["small"])
    large = counts_for(app, *built["large"])
    for name in small:
        if name in MEMBER_VIEWS:
            assert abs(large[name] - small[name]) <= MEMBER_RULE_READS, (name, small, large)
        else:
            assert large[name] == small[name], (name, small, large)
    # And they stay a handful: what each request shows, not one query per round or unit.
    assert max(large.values()) <= 40, large
