"""A submission is lean: a handful of SQL statements, nothing read twice or after the commit."""

from __future__ import annotations

import contextlib
import re
import uuid

from sqlalchemy import event

from pulse.extensions import db
from tests.factories import sign_in
from tests.helpers import csrf_token

HTMX = {"HX-Request": "true", "HX-Target": "pulse"}


@contextlib.contextmanager
def recorded(app):
    """Every statement the app sends to the database, and "COMMIT" where a commit happens."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    def on_commit(_conn):
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def test_a_submission_costs_a_handful_of_statements_and_none_after_its_commit(app, client, world):
    sign_in(client, world.alice)
    path = f"/pulse/{world.round_id}"
    token = csrf_token(client, path)
    data = {"submission_key": uuid.uuid4().hex, "audience": "trio", "comment": "Godt"}
    data |= {"q_vt_trusted": "4", "q_vt_information": "3"}

    with recorded(app) as statements:
        response = client.post(path, data=data, headers={**HTMX, "X-CSRFToken": token})

    assert response.status_code == 200 and 'data-state="thanks"' in response.get_data(True)
    work = [s for s in statements if s != "COMMIT"]
    # The session (person, organisation and device in one), one read of the round with its
    # questions, team, earlier answer and key, and the two inserts (participation, sealed box),
    # which PostgreSQL takes in one statement.
    assert len(work) <= 4, "\n".join(statements)
    inserted = [t for s in work for t in re.findall(r"INSERT INTO (\w+)", s)]
    assert sorted(inserted) == ["participation", "sealed_answer"], "\n".join(statements)
    assert statements.count("COMMIT") == 1 and statements[-1] == "COMMIT", "\n".join(statements)
    reads = [s for s in work if s.startswith("SELECT")]
    assert len(reads) == len(set(reads)), "a statement was read twice"


def test_a_repeated_submission_is_answered_from_the_same_one_read(app, client, world):
    sign_in(client, world.alice)
    path = f"/pulse/{world.round_id}"
    token = csrf_token(client, path)
    data = {"submission_key": "k" * 32, "audience": "trio", "q_vt_trusted": "4"}
    assert client.post(path, data=data, headers={**HTMX, "X-CSRFToken": token}).status_code == 200

    with recorded(app) as statements:
        again = client.post(path, data=data, headers={**HTMX, "X-CSRFToken": token})

    assert again.status_code == 200 and 'data-state="thanks"' in again.get_data(True)
    assert not [s for s in statements if "INSERT" in s]
    assert len([s for s in statements if s != "COMMIT"]) <= 2, "\n".join(statements)
