"""The administration area's test world: the sample municipality imported with the CLI, an
administrator signed in, and small helpers for posting its forms (tests/integration/conftest.py
makes the fixtures available to the admin tests)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from pulse.auth.issuing import KINDS as ISSUE_KINDS
from pulse.extensions import db
from pulse.models import AuditEvent, Committee, Person, RoleAssignment, Unit
from tests.factories import sign_in
from tests.helpers import csrf_token

SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "sample-organisation.csv"
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


def post(client, path: str, **data):
    data["csrf_token"] = csrf_token(client, "/admin/")
    return client.post(path, data=data)


def ok(response) -> None:
    assert response.status_code == 303, response.status_code


def upload(data: bytes):
    """A file for the import form."""
    return io.BytesIO(data)
