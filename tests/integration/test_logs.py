"""Logs never record who submitted what, not even when something fails (docs/anonymity.md,
"What is stored")."""

from __future__ import annotations

import logging

from tests.factories import sign_in
from tests.helpers import csrf_token

MARKER = "Kommentar-7f3a9c-som-kun-TRIO-maa-laese"


def send(client, round_id: int):
    path = f"/pulse/{round_id}"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "submission_key": "k" * 32,
            "audience": "reps",
            "comment": MARKER,
            "q_vt_trusted": "2",
        },
    )


def test_a_submission_logs_nothing_of_what_was_sent(app, client, world, caplog):
    sign_in(client, world.alice)
    caplog.set_level(logging.DEBUG)

    assert send(client, world.round_id).status_code == 200

    assert MARKER not in caplog.text


def test_a_failed_submission_logs_nothing_of_what_was_sent(app, client, world, caplog, monkeypatch):
    """Any database error while storing (here: a box the NOT NULL constraint refuses)."""
    import pulse.survey.service

    monkeypatch.setattr(pulse.survey.service, "seal", lambda *args: None)
    sign_in(client, world.alice)
    caplog.set_level(logging.DEBUG)

    assert send(client, world.round_id).status_code == 500

    assert caplog.records, "the error itself is logged"
    assert MARKER not in caplog.text
