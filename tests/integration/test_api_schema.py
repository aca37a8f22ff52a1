"""Schemathesis against the API's own OpenAPI document: generated requests, checked answers.

Every operation gets generated query and path values (valid and invalid), sent with a working
token to the app on the demo data; each answer must be no 5xx and must match the document
(status, content type, schema). At least 1,000 cases run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth
from sqlalchemy import select

from pulse.api.tokens import issue_api_token
from pulse.extensions import db
from pulse.models import Person, Role, RoleAssignment
from tests.conftest import dispose_engines, make_app

#: Eight operations: 150 generated cases each.
EXAMPLES_PER_OPERATION = 150


@pytest.fixture(scope="module")
def fuzz_app(database_factory) -> Iterator:
    app = make_app(database_factory.create("sqlite"), API_RATE_LIMIT="1000000 per minute")
    result = app.test_cli_runner().invoke(args=["pulse", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    yield app
    dispose_engines(app)


@pytest.fixture(scope="module")
def fuzz_token(fuzz_app) -> str:
    with fuzz_app.app_context():
        admin_id = db.session.scalar(
            select(RoleAssignment.person_id).where(RoleAssignment.role == Role.ADMIN).limit(1)
        )
        _row, token = issue_api_token(db.session.get(Person, admin_id), "schemathesis", None)
        db.session.commit()
    return token


def test_every_answer_matches_the_document(fuzz_app, fuzz_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    cases: list[int] = []
    headers = {"Authorization": f"Bearer {fuzz_token}"}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, case.query, response.status_code)
            # Every request carries our real token, so "accepts invalid auth" does not apply
            # (test_api.py checks the refusals of missing, wrong and revoked tokens).
            case.validate_response(response, excluded_checks=[ignored_auth])
            cases.append(response.status_code)

        check()
    assert len(cases) >= 1000, len(cases)
    # Not only refusals: most generated cases reached a real answer.
    assert sum(200 <= status < 300 for status in cases) > len(cases) / 4
