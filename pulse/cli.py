"""`flask --app wsgi pulse ...`: the commands administrators and scripts use."""

from __future__ import annotations

from datetime import UTC

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from pulse.auth.issuing import How, issue_link
from pulse.extensions import db
from pulse.models import Organisation, Person, Round, RoundState
from pulse.orgimport.cli import import_org
from pulse.timeutil import utcnow
from pulse.verify import verify_command

pulse_cli = AppGroup("pulse", help="Tillidspuls commands.")
pulse_cli.add_command(import_org)
pulse_cli.add_command(verify_command)  # pulse/verify.py: check the anonymity promises

#: How `links --demo` names each kind of user.
ROLE_TITLES = {
    "employee": "employee",
    "leader": "leader",
    "tr": "TR (shop steward)",
    "amr": "AMR (health and safety rep)",
    "med": "MED committee member",
    "admin": "administrator",
}


@pulse_cli.command("load-questions")
def load_questions() -> None:
    """Load or update the shipped question bank."""
    from pulse.content import load_question_bank

    count = load_question_bank()
    db.session.commit()
    click.echo(f"Question bank loaded: {count} questions.")


@pulse_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if an organisation already exists.")
@click.option(
    "--people", type=int, help="A large organisation for benchmarks (pulse/demo_scale.py)."
)
@click.option("--rounds", type=int, default=156, show_default=True, help="History with --people.")
def demo(if_empty: bool, people: int | None, rounds: int) -> None:
    """Create the demo municipality with 16 weeks of answered pulses."""
    from pulse.demo import create_demo

    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        if if_empty:
            click.echo("Demo data: the database already has an organisation; left as it is.")
            return
        raise click.ClickException("The database already has an organisation.")
    if people:
        from pulse.demo_scale import build

        click.echo(f"Created {build(people, rounds)}.")
        return
    click.echo("Creating the demo municipality (takes a few seconds)...")
    organisation = create_demo()
    people = db.session.scalar(
        select(db.func.count(Person.id)).where(Person.organisation_id == organisation.id)
    )
    click.echo(f"Created {organisation.name} with {people} people.")


@pulse_cli.command("tick")
@click.option(
    "--now",
    "now_text",
    metavar="YYYY-MM-DDTHH:MM",
    help="Act as if it were this UTC time (for trying a plan out; default: the real time).",
)
def tick(now_text: str | None) -> None:
    """Scheduled work, safe to run every minute on several hosts: close due rounds, open
    scheduled ones, send invitations and the reminder, release rounds after their delay."""
    from datetime import datetime

    from pulse.scheduling.tick import run_tick

    try:
        now = datetime.fromisoformat(now_text) if now_text else utcnow()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now") from error
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    report = run_tick(now)
    if report:
        click.echo(
            f"Closed rounds: {report.closed or '-'}; released rounds: {report.released or '-'}; "
            f"opened: {report.opened or '-'}; scheduled: {report.scheduled or '-'}; "
            f"invited: {report.invited or '-'}; reminded: {report.reminded or '-'}; "
            f"e-mails sent: {report.emails_sent}."
        )


@pulse_cli.command("plan")
@click.argument("plan_id", type=int)
@click.option("--count", default=6, show_default=True, help="How many rounds to show.")
def plan(plan_id: int, count: int) -> None:
    """Preview a plan's next rounds: when each opens and closes, and which dimensions it asks."""
    from flask_babel import force_locale, format_datetime

    from pulse.models import Plan
    from pulse.scheduling.plans import preview

    plan_ = db.session.get(Plan, plan_id)
    if plan_ is None:
        raise click.ClickException(f"There is no plan {plan_id}.")
    click.echo(f"{plan_.name}: {plan_.cadence}, {plan_.questions_per_round} questions per round")
    scheduled = db.session.scalars(
        select(Round)
        .where(Round.plan_id == plan_.id, Round.state.in_(["scheduled", "open"]))
        .order_by(Round.opens_at)
    ).all()
    rows = [(r.opens_at, r.closes_at, f"round {r.id} ({r.state})", r.questions) for r in scheduled]
    rows += [
        (p.opens_at, p.closes_at, "planned", p.dimension_ids)
        for p in preview(plan_, utcnow(), count)
    ]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for opens_at, closes_at, what, asks in rows:
            if what != "planned":
                asks = sorted({rq.question.dimension_id for rq in asks})
            opens = format_datetime(opens_at, "yyyy-MM-dd HH:mm")
            closes = format_datetime(closes_at, "yyyy-MM-dd HH:mm")
            click.echo(f"{opens}\t{closes}\t{what}\t{', '.join(asks)}")


@pulse_cli.command("release")
@click.argument("round_id", type=int)
def release(round_id: int) -> None:
    """Release a closed round now, without waiting for its release delay."""
    from pulse.rounds import CleanupPending, release_round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"There is no round {round_id}.")
    if round_.state == RoundState.OPEN:
        raise click.ClickException(f"Round {round_id} is still open; it must close first.")
    if round_.state != RoundState.CLOSED:
        raise click.ClickException(f"Round {round_id} is {round_.state}; nothing to release.")
    try:
        release_round(round_, utcnow())
    except CleanupPending as pending:
        raise click.ClickException(str(pending)) from pending
    click.echo(f"Round {round_id} released.")


@pulse_cli.command("retention")
def retention() -> None:
    """Delete released comments ANSWER_RETENTION_MONTHS after release, and the audit rows of
    sign-in links issued more than AUDIT_SIGNIN_RETENTION_MONTHS ago (run daily)."""
    from pulse.anonymity.retention import delete_expired_answers
    from pulse.auth.issuing import delete_old_issue_rows

    months = current_app.config["ANSWER_RETENTION_MONTHS"]
    cleared = delete_expired_answers(utcnow(), months)
    click.echo(f"Comments deleted for {cleared} round(s) released over {months} months ago.")
    months = current_app.config["AUDIT_SIGNIN_RETENTION_MONTHS"]
    # Never shorter than a link lives: an unused link must not outlive the row saying who got it.
    shortest = max(1, -(-current_app.config["SIGNIN_LINK_DAYS"] // 30))
    if months < shortest:
        raise click.ClickException(
            f"AUDIT_SIGNIN_RETENTION_MONTHS is {months}; it must be at least {shortest} "
            f"(a sign-in link is valid for SIGNIN_LINK_DAYS days)."
        )
    deleted = delete_old_issue_rows(utcnow(), months)
    db.session.commit()
    click.echo(f"{deleted} audit row(s) of links e-mailed over {months} months ago deleted.")


@pulse_cli.command("vapid-keys")
def vapid_keys() -> None:
    """Make a VAPID key pair for web push; put the lines in the environment, not in git."""
    from pulse.notify.push import generate_vapid_keys

    private, public = generate_vapid_keys()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    click.echo("# and VAPID_SUBJECT=mailto:<an address the push services may write to>")


@pulse_cli.command("push")
@click.argument("round_id", type=int)
@click.option("--kind", type=click.Choice(["open", "reminder"]), default="open")
def push(round_id: int, kind: str) -> None:
    """Send a round's push message now to everyone invited to it (the scheduler does this)."""
    from pulse.notify.push import send_round_push

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"There is no round {round_id}.")
    report = send_round_push(round_, kind)
    click.echo(f"Sent {report.sent}, removed {report.removed} expired, failed {report.failed}.")


@pulse_cli.command("links")
@click.option("--demo", "demo_only", is_flag=True, help="One link per kind of demo user.")
def links(demo_only: bool) -> None:
    """Print fresh personal sign-in links: name, role, unit, URL (tab-separated).

    Each link works once, until SIGNIN_LINK_DAYS have passed. Hand them out by e-mail, text
    message or printed QR card; a person stays signed in on the device that used it.
    """
    base_url = current_app.config["PULSE_BASE_URL"]
    days = current_app.config["SIGNIN_LINK_DAYS"]
    rows: list[tuple[str, Person]] = []
    if demo_only:
        from pulse.demo import demo_people

        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        if organisation is None:
            raise click.ClickException("No organisation yet: run `flask --app wsgi pulse demo`.")
        rows = [(ROLE_TITLES[kind], person) for kind, person in demo_people(organisation)]
    else:
        people = db.session.scalars(
            select(Person).where(Person.active.is_(True)).order_by(Person.id)
        ).all()
        rows = [(_role_summary(person), person) for person in people]
    for role, person in rows:
        token = issue_link(person, How.OPERATOR, utcnow(), days)
        click.echo(f"{person.name}\t{role}\t{_unit_name(person)}\t{base_url}/login/{token}")
    db.session.commit()


def _role_summary(person: Person) -> str:
    roles = [assignment.role for assignment in person.roles]
    if person.committees:
        roles.append("med")
    if person.membership is not None:
        roles.insert(0, "employee")
    return ",".join(roles) or "-"


def _unit_name(person: Person) -> str:
    if person.membership is not None:
        unit = person.membership.unit
        return f"{unit.parent.name} / {unit.name}" if unit.parent else unit.name
    units = [a.unit.name for a in person.roles if a.unit is not None]
    return units[0] if units else "-"
