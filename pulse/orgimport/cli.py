"""`flask --app wsgi pulse import-org FILE.csv [--dry-run] [--yes]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Organisation
from pulse.orgimport.apply import apply_plan
from pulse.orgimport.messages import field_names, problem_text, summary_lines
from pulse.orgimport.parse import LOCALES, ImportRefused, read_rows
from pulse.orgimport.planning import ImportPlan, make_plan
from pulse.timeutil import utcnow


@click.command("import-org")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", is_flag=True, help="Apply without asking (for scripts).")
@click.option("--show", default=20, show_default=True, help="Rows to list per kind of change.")
@click.option("--locale", type=click.Choice(LOCALES), help="Language of the messages.")
@with_appcontext
def import_org(csv_file: str, dry_run: bool, yes: bool, show: int, locale: str | None) -> None:
    """Import the organisation from HR's CSV file (see README): people, units, roles and MED
    committees. Shows what it will add, move, change and deactivate, then asks to apply it."""
    with open(csv_file, "rb") as handle:
        data = handle.read()
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            rows = read_rows(data)
        except ImportRefused as refused:
            for problem in refused.problems:
                click.echo(problem_text(problem), err=True)
            raise click.ClickException(
                _("%(num)d problem(s) in the file; nothing was imported.", num=refused.total)
            ) from None
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        plan = make_plan(rows, organisation)
        echo_plan(plan, show)
        if plan.is_empty:
            click.echo(_("Nothing to change: the database already matches the file."))
            return
        if dry_run:
            click.echo(_("Dry run: nothing was changed."))
            return
        if not yes and not click.confirm(_("Apply these changes?")):
            click.echo(_("Nothing was changed."))
            return
        apply_plan(plan, utcnow(), actor_id=None)
        db.session.commit()
        click.echo(_("Imported. Moves and leavers count from the next round."))


def echo_plan(plan: ImportPlan, show: int) -> None:
    click.echo(_("Organisation: %(name)s", name=plan.organisation_name))
    for label, number in summary_lines(plan.counts()):
        click.echo(f"  {label}: {number}")
    names = field_names()
    for kind, title in (
        ("add", _("Add")),
        ("move", _("Move")),
        ("change", _("Change")),
        ("deactivate", _("Deactivate")),
    ):
        changes = plan.of_kind(kind)
        if not changes:
            continue
        click.echo(f"{title}:")
        for change in changes[:show]:
            where = change.new_unit or change.old_unit or "-"
            if kind == "move":
                where = f"{change.old_unit or '-'} → {change.new_unit}"
            what = ", ".join(names[w] for w in change.what)
            line = _("line %(num)d", num=change.line) if change.line else ""
            click.echo("\t".join(p for p in (f"  {line}", change.email, change.name, where, what)))
        if len(changes) > show:
            click.echo("  " + _("… and %(num)d more", num=len(changes) - show))
    for title, paths in (
        (_("Units to add"), plan.units_add),
        (_("Closed units to reopen"), plan.units_reopen),
        (_("Units to close"), plan.units_close),
    ):
        if paths:
            click.echo(f"{title}:")
            for path in paths[:show]:
                click.echo("  " + " / ".join(path))
            if len(paths) > show:
                click.echo("  " + _("… and %(num)d more", num=len(paths) - show))
