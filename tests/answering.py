"""Answering a pulse in tests: the form posted as the page posts it, what got stored, and Alice
of team A signed in (the `alice` fixture; tests/integration/conftest.py makes it available)."""

from __future__ import annotations

import uuid

import pytest

from pulse.models import Participation
from tests.factories import sign_in
from tests.helpers import csrf_token, elements
from tests.sealed import opened_boxes

HTMX = {"HX-Request": "true", "HX-Target": "pulse"}


def new_key() -> str:
    return uuid.uuid4().hex


def stored(database) -> tuple[int, int, int]:
    """How many participations, answers and comments there are (answers opened from their boxes)."""
    with database.app.app_context():
        boxes = opened_boxes()
    answers = sum(len(box.answers) for box in boxes)
    return (database.count(Participation), answers, sum(1 for box in boxes if box.comment))


def submit(
    client,
    round_id: int,
    answers: dict | None = None,
    *,
    key: str | None = None,
    htmx: bool = True,
    **fields,
):
    """POST the answer form as the page would (token from the page, a fresh key)."""
    path = f"/pulse/{round_id}"
    token = csrf_token(client, path)
    data = {"submission_key": key or new_key(), "audience": "trio", "comment": ""}
    data.update({f"q_{qid}": value for qid, value in (answers or {}).items()})
    data.update(fields)
    data = {name: value for name, value in data.items() if value is not None}
    if htmx:
        return client.post(path, data=data, headers={**HTMX, "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


def state_of(response) -> str | None:
    states = [
        e["data-state"]
        for e in elements(response.get_data(as_text=True), "div")
        if e.get("data-state")
    ]
    assert len(states) <= 1
    return states[0] if states else None


@pytest.fixture
def alice(client, world):
    """Alice of team A, signed in on `client`."""
    sign_in(client, world.alice)
    return world.alice


ALL_ANSWERED = {"vt_trusted": "4", "vt_information": "2", "au_judgement": "5", "who5_1": "0"}
