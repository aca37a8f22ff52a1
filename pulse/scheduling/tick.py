"""`flask pulse tick`: the scheduled work, safe to run every minute on any number of hosts.

One tick, in this order: close rounds whose time is up; per active plan, open its scheduled
rounds that are due and schedule the next one; send invitations and the one reminder; release
closed rounds after their delay (and retry a release's clean-up that failed). Every change of a
round's state is made by pulse/rounds.py; this module only decides when.

Every step is idempotent and takes one row at a time with `SELECT ... FOR UPDATE SKIP LOCKED`
(PostgreSQL; SQLite drops the clause, and there one host runs the tick): a row another host is
working on is skipped, and the state is checked again under the lock, so nothing happens twice.
Nudges are recorded per person (`NotificationLog`, unique per round, person and kind) in the
same transaction that claims the round, *before* anything is sent.

Invitations and the reminder go to everyone in the round's teams, never only to those who have
not answered: that would tell the sender who did. Logs here count; they never name a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pulse import rounds
from pulse.auth.idp import end_link_sessions
from pulse.auth.issuing import How, issue_link
from pulse.extensions import db
from pulse.models import (
    NotificationLog,
    Person,
    Plan,
    Round,
    RoundMember,
    RoundState,
)
from pulse.notify.email import Delivery, send_round_emails
from pulse.notify.push import send_round_push
from pulse.scheduling.plans import schedule_next_round

log = logging.getLogger(__name__)

INVITATION = "invitation"
REMINDER = "reminder"
#: The reminder goes out this long before a round closes (half-way through shorter rounds).
REMINDER_BEFORE_CLOSING = timedelta(days=2)


@dataclass
class TickReport:
    closed: list[int] = field(default_factory=list)
    scheduled: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    invited: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    emails_sent: int = 0

    def __bool__(self) -> bool:
        return any(
            (self.closed, self.scheduled, self.opened, self.invited, self.reminded, self.released)
        )


def run_tick(now: datetime) -> TickReport:
    report = TickReport()
    ended = end_link_sessions()
    db.session.commit()
    if ended:
        log.info("Ended %d link-made sessions of people who must use the identity provider", ended)
    report.closed = rounds.close_due(now)
    report.opened, report.scheduled = open_due(now)
    for kind, done in ((INVITATION, report.invited), (REMINDER, report.reminded)):
        for round_id, sent in notify_due(now, kind):
            done.append(round_id)
            report.emails_sent += sent
    report.released = rounds.release_due(now)
    return report


def _locked(model, *where):
    """The row if nobody else holds it, locked until this transaction ends; else None."""
    return db.session.scalar(select(model).where(*where).with_for_update(skip_locked=True))


def open_due(now: datetime) -> tuple[list[int], list[int]]:
    """Per active plan: open its due scheduled rounds, then make sure the next one exists."""
    plan_ids = db.session.scalars(select(Plan.id).where(Plan.active.is_(True))).all()
    db.session.rollback()
    opened, scheduled = [], []
    for plan_id in plan_ids:
        plan = _locked(Plan, Plan.id == plan_id, Plan.active.is_(True))
        if plan is None:
            db.session.rollback()
            continue
        due = db.session.scalars(
            select(Round).where(
                Round.plan_id == plan.id,
                Round.state == RoundState.SCHEDULED,
                Round.opens_at <= now,
            )
        ).all()
        for round_ in due:
            if round_.closes_at <= now:
                rounds.drop_missed_round(round_)  # no tick ran while it should have been open
                continue
            rounds.open_round(round_, [unit.id for unit in plan.units])
            opened.append(round_.id)
        upcoming = schedule_next_round(plan, now)
        if upcoming is not None:
            scheduled.append(upcoming.id)
        db.session.commit()
    return opened, scheduled


#: A late invitation (the tick was down) is not followed by a reminder sooner than this.
MIN_GAP_AFTER_INVITATION = timedelta(hours=1)


def reminder_at(round_: Round) -> datetime:
    length = round_.closes_at - round_.opens_at
    return round_.closes_at - min(REMINDER_BEFORE_CLOSING, length / 2)


def notify_due(now: datetime, kind: str) -> list[tuple[int, int]]:
    """Invite to (or remind of) every open round that needs it: (round id, e-mails sent)."""
    flag = Round.invitations_sent_at if kind == INVITATION else Round.reminder_sent_at
    conditions = [Round.state == RoundState.OPEN, Round.closes_at > now, flag.is_(None)]
    if kind == REMINDER:
        conditions.append(Round.invitations_sent_at.is_not(None))
    ids = db.session.scalars(select(Round.id).where(*conditions)).all()
    db.session.rollback()
    done = []
    for round_id in ids:
        round_ = _locked(Round, Round.id == round_id, *conditions)
        # The reminder is due at its time, but never right on the heels of a late invitation.
        if round_ is None or (
            kind == REMINDER
            and not (
                reminder_at(round_) <= now
                and now - round_.invitations_sent_at >= MIN_GAP_AFTER_INVITATION
            )
        ):
            db.session.rollback()
            continue
        deliveries = _claim(round_, kind, now)
        if deliveries is None:
            continue
        sent = send_round_emails(round_, kind, deliveries)
        _push(round_, kind)
        log.info("Round %s: %s sent (%d e-mails).", round_id, kind, sent)
        done.append((round_id, sent))
    return done


def _claim(round_: Round, kind: str, now: datetime) -> list[Delivery] | None:
    """In one transaction: mark the round as nudged, log every recipient, issue their links.

    Committed before anything is sent, so a person is nudged at most once per kind however
    many hosts run the tick; a crash while sending loses a nudge rather than doubling it.
    """
    recipients: list[Person] = []
    if current_app.config["SMTP_HOST"]:
        recipients = db.session.scalars(
            select(Person)
            .join(RoundMember, RoundMember.person_id == Person.id)
            .where(
                RoundMember.round_id == round_.id,
                Person.active.is_(True),
                Person.email.is_not(None),
                Person.email != "",
            )
            .order_by(Person.id)
        ).all()
    days = current_app.config["SIGNIN_LINK_DAYS"]
    deliveries = []
    for person in recipients:
        db.session.add(NotificationLog(round_id=round_.id, person_id=person.id, kind=kind))
        token = issue_link(person, How.EMAIL, now, days)
        locale = person.locale or person.organisation.default_locale
        deliveries.append(Delivery(person.email, person.first_name, locale, token))
    if kind == INVITATION:
        round_.invitations_sent_at = now
    else:
        round_.reminder_sent_at = now
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return deliveries


def _push(round_: Round, kind: str) -> None:
    """Web push to the round's devices; a failure there must not stop the e-mails' tick."""
    try:
        send_round_push(round_, "open" if kind == INVITATION else "reminder")
    except Exception:
        log.exception("Round %s: web push for the %s failed.", round_.id, kind)
