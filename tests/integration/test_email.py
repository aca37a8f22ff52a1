"""Invitations and the reminder, through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Person, Round
from pulse.scheduling.tick import run_tick
from pulse.survey.service import Submission, submit
from tests.helpers import csrf_token
from tests.integration.test_scheduling import MONDAY_OPEN, WEDNESDAY, build_planned_org
from tests.smtp_server import local_smtp_server

LINK = re.compile(r"http://localhost/login/([A-Za-z0-9_-]+)")


@pytest.fixture
def inbox(app):
    with local_smtp_server() as inbox:
        app.config.update(inbox.app_settings())
        yield inbox


def tick(app, now):
    with app.app_context():
        return run_tick(now)


def parts(message):
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_invitation_then_one_reminder_per_person_in_their_language(app, client, inbox):
    org = build_planned_org(app, team_sizes=(3, 2), locales=("nb", "en", "da"))
    with app.app_context():
        addresses = {
            p.id: p.email
            for p in db.session.scalars(select(Person).where(Person.id.in_(org.people)))
        }
    tick(app, WEDNESDAY)
    assert inbox.received() == []  # a scheduled round invites nobody yet

    report = tick(app, MONDAY_OPEN)
    assert report.emails_sent == 5
    invitations = inbox.received()
    assert sorted(m["To"] for m in invitations) == sorted(addresses.values())
    assert {m["X-Tillidspuls-Kind"] for m in invitations} == {"invitation"}
    by_address = {m["To"]: m for m in invitations}

    norwegian = by_address[addresses[org.people[0]]]
    english = by_address[addresses[org.people[1]]]
    danish = by_address[addresses[org.people[2]]]
    assert (norwegian["Content-Language"], english["Content-Language"]) == ("nb", "en")
    assert all(m["Date"] and m["Message-ID"] for m in invitations)
    for message, questions in (
        (norwegian, "spørsmål"),
        (english, "questions"),
        (danish, "spørgsmål"),
    ):
        text, html = parts(message)
        assert f"6 {questions}" in text and f"6 {questions}" in html
        assert LINK.search(text).group(0) in html
    text, _html = parts(english)
    assert "Monday 30 November at 09:00" in text  # closing time, in Copenhagen time
    text, _html = parts(danish)
    assert "mandag den 30.\xa0november kl.\xa009.00" in text

    assert not tick(app, MONDAY_OPEN + timedelta(hours=1))
    assert len(inbox.received()) == 5  # no duplicates on a second tick

    # The link in the e-mail signs the person in, once.
    token = LINK.search(parts(english)[0]).group(1)
    path = f"/login/{token}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.location == "/"
    with app.app_context():
        round_id = db.session.scalar(
            select(Round.id).where(Round.plan_id == org.plan_id).order_by(Round.opens_at)
        )
    assert f"/pulse/{round_id}" in client.get("/").get_data(as_text=True)

    # One person answers; the reminder still goes to everyone (else it would show who did).
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        person = db.session.get(Person, org.people[3])
        submission = Submission(key=uuid.uuid4().hex, answers={"vt_trusted": 4})
        submit(round_, person, submission, MONDAY_OPEN + timedelta(hours=2))
        db.session.commit()

    inbox.clear()
    assert not tick(app, MONDAY_OPEN + timedelta(days=4))  # not yet: two days before closing
    report = tick(app, MONDAY_OPEN + timedelta(days=5))
    assert report.reminded == [round_id]
    reminders = inbox.received()
    assert Counter(m["To"] for m in reminders) == Counter(addresses.values())
    assert {m["X-Tillidspuls-Kind"] for m in reminders} == {"reminder"}
    assert len({m["Subject"] for m in reminders if m["Content-Language"] == "en"}) == 1
    assert not tick(app, MONDAY_OPEN + timedelta(days=5, minutes=1))
    assert not tick(app, MONDAY_OPEN + timedelta(days=6))
    assert len(inbox.received()) == 5
    reminder_tokens = {LINK.search(parts(m)[0]).group(1) for m in reminders}
    assert token not in reminder_tokens and len(reminder_tokens) == 5  # fresh links


def test_people_without_an_address_are_skipped_and_without_smtp_nothing_is_sent(app):
    org = build_planned_org(app, team_sizes=(2,))
    with app.app_context():
        db.session.get(Person, org.people[0]).email = None
        db.session.commit()
    tick(app, WEDNESDAY)
    with local_smtp_server() as inbox:
        app.config.update(inbox.app_settings())
        report = tick(app, MONDAY_OPEN)
        assert report.emails_sent == 1 and len(inbox.received()) == 1
    app.config["SMTP_HOST"] = ""
    report = tick(app, MONDAY_OPEN + timedelta(days=5))
    assert report.reminded and report.emails_sent == 0


def test_an_unreachable_mail_server_does_not_stop_the_tick(app, caplog):
    org = build_planned_org(app, team_sizes=(2,))
    tick(app, WEDNESDAY)
    with local_smtp_server() as inbox:
        port = inbox.port
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_TIMEOUT=2)
    report = tick(app, MONDAY_OPEN)
    assert report.opened and report.emails_sent == 0
    assert "sending e-mail failed" in caplog.text
    assert "example.test" not in caplog.text  # no addresses in the log
    assert org.plan_id
