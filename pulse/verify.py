"""`flask --app wsgi pulse verify`: check the anonymity promises on a whole database.

Written for someone who does not trust the application: a TR, the union's IT person, an auditor
with a copy of the database. It only reads, never decrypts (it needs no real secrets: any
SECRET_KEY and PULSE_ANSWER_KEY will do), and prints one line per promise of docs/anonymity.md,
"What `pulse verify` checks". Exit status 1 if any promise does not hold.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy import func, select

from pulse.anonymity.sealed import NONCE_BYTES, box_size
from pulse.extensions import db
from pulse.models import (
    NotificationLog,
    Organisation,
    Participation,
    ReleasedComment,
    ReleasedFigure,
    Round,
    RoundKey,
    RoundMember,
    RoundState,
    RoundTeam,
    SealedAnswer,
    Unit,
)

#: AES-GCM adds a 16-byte tag; a wrapped key is nonce + 32-byte key + tag.
TAG_BYTES = 16
WRAPPED_KEY_BYTES = NONCE_BYTES + 32 + TAG_BYTES
#: Tables that must hold nothing of a released round.
RAW_MODELS = (Participation, RoundMember, RoundTeam, RoundKey, SealedAnswer, NotificationLog)


@dataclass
class Check:
    promise: str
    problems: list[str]

    @property
    def holds(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Thresholds:
    k: int
    comment_k: int
    distribution_k: int


@click.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check the anonymity promises on the whole database; exit 1 if one does not hold."""
    click.echo(f"Checking {db.engine.url.render_as_string(hide_password=True)}")
    if not print_report(run_checks()):
        raise SystemExit(1)


def run_checks() -> list[Check]:
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("No participation, frozen member, key or raw answer of a released round", _no_raw_kept),
        ("No plaintext raw answer or comment of an open round", _sealed_while_open),
        ("No kept count or label below the rules", _nothing_below_the_rules),
        ("Released figures agree with the rules, recomputed from released counts", _recomputed),
        ("Released comments only for groups whose comments are shown", _comments_bound),
        ("Used sign-in links are deleted, not kept with a time", _no_used_links),
        ("Clean-up after every release completed (journal empty)", _cleaned_up),
    ]
    return [Check(promise, problems()) for promise, problems in checks]


def print_report(checks: list[Check]) -> bool:
    for check in checks:
        click.echo(f"{'PASS' if check.holds else 'FAIL'}  {check.promise}")
        for problem in check.problems[:20]:
            click.echo(f"        {problem}")
        if len(check.problems) > 20:
            click.echo(f"        ... and {len(check.problems) - 20} more")
    failed = sum(1 for c in checks if not c.holds)
    click.echo(f"{len(checks) - failed} of {len(checks)} promises hold.")
    return failed == 0


def _released_ids() -> set[int]:
    return set(db.session.scalars(select(Round.id).where(Round.state == RoundState.RELEASED)))


def _no_raw_kept() -> list[str]:
    released = _released_ids()
    problems = []
    for model in RAW_MODELS:
        rows = db.session.execute(
            select(model.round_id, func.count()).group_by(model.round_id)
        ).all()
        for round_id, count in rows:
            if round_id in released:
                problems.append(
                    f"{model.__tablename__}: {count} row(s) of released round {round_id}"
                )
    return problems


def _sealed_while_open() -> list[str]:
    problems = []
    inspector = sa.inspect(db.engine)
    tables = set(inspector.get_table_names())
    for old in ("answer", "comment"):
        if old in tables:
            problems.append(f"table {old} (plaintext answers) exists")
    columns = {c["name"] for c in inspector.get_columns("sealed_answer")}
    if columns != {"id", "round_id", "box"}:
        problems.append(f"sealed_answer has columns {sorted(columns)}, not only id, round_id, box")
    rounds = {
        r.id: r
        for r in db.session.execute(select(Round.id, Round.state, Round.comments_enabled)).all()
    }
    keys = dict(db.session.execute(select(RoundKey.round_id, func.length(RoundKey.wrapped))).all())
    for round_id, length in keys.items():
        if length != WRAPPED_KEY_BYTES:
            problems.append(f"round {round_id}: its key is not a wrapped 256-bit key")
    sizes = db.session.execute(
        select(SealedAnswer.round_id, func.length(SealedAnswer.box), func.count()).group_by(
            SealedAnswer.round_id, func.length(SealedAnswer.box)
        )
    ).all()
    for round_id, length, count in sizes:
        round_ = rounds.get(round_id)
        expected = NONCE_BYTES + box_size(bool(round_ and round_.comments_enabled)) + TAG_BYTES
        if length != expected:
            problems.append(
                f"round {round_id}: {count} raw answer row(s) of {length} bytes, not sealed"
                f" boxes of {expected}"
            )
        if round_id not in keys:
            problems.append(f"round {round_id}: raw answers but no round key")
    return problems


def _thresholds() -> dict[int, Thresholds]:
    rows = db.session.execute(
        select(
            Round.id,
            Round.min_group_size,
            Round.min_comment_group_size,
            Organisation.min_group_size,
            Organisation.min_comment_group_size,
            Organisation.min_distribution_size,
        ).join(Organisation, Organisation.id == Round.organisation_id)
    ).all()
    result = {}
    for round_id, k, comment_k, org_k, org_comment_k, distribution_k in rows:
        k = k or org_k
        result[round_id] = Thresholds(k, comment_k or org_comment_k, max(distribution_k, k))
    return result


def _family_k(kind: str, limits: Thresholds) -> int:
    return limits.comment_k if kind == "comments" else limits.k


def _figures():
    return db.session.execute(
        select(
            ReleasedFigure.round_id,
            ReleasedFigure.unit_id,
            ReleasedFigure.kind,
            ReleasedFigure.ref,
            ReleasedFigure.suppressed,
            ReleasedFigure.reason,
            ReleasedFigure.invited,
            ReleasedFigure.respondents,
            ReleasedFigure.mean,
            ReleasedFigure.distribution,
            ReleasedFigure.path,
        )
    ).all()


def _nothing_below_the_rules() -> list[str]:
    limits = _thresholds()
    released = _released_ids()
    problems = []
    for model in (ReleasedFigure, ReleasedComment):
        early = db.session.scalars(
            select(model.round_id).where(model.round_id.not_in(released)).distinct()
        ).all()
        problems += [f"{model.__tablename__}: rows of round {r}, not released" for r in early]
    for f in _figures():
        where = f"round {f.round_id}, unit {f.unit_id}, {f.kind} {f.ref}".rstrip()
        if f.suppressed:
            if any(v is not None for v in (f.invited, f.respondents, f.mean, f.distribution)):
                problems.append(f"{where}: hidden, but keeps a number")
            if f.reason not in ("too_few", "protects_others"):
                problems.append(f"{where}: hidden with reason {f.reason!r}")
            continue
        k = _family_k(f.kind, limits[f.round_id])
        if f.respondents is None or f.respondents < k:
            problems.append(f"{where}: shown for {f.respondents} (< {k})")
        if f.distribution is not None:
            if f.respondents < limits[f.round_id].distribution_k:
                problems.append(
                    f"{where}: distribution for {f.respondents}"
                    f" (< {limits[f.round_id].distribution_k})"
                )
            if sum(f.distribution.values()) != f.respondents:
                problems.append(f"{where}: distribution does not add up to its respondents")
            elif f.mean is not None and f.respondents:
                mean = sum(int(v) * n for v, n in f.distribution.items()) / f.respondents
                if abs(mean - f.mean) > 0.051:
                    problems.append(f"{where}: mean {f.mean} is not its distribution's {mean:.2f}")
    return problems


def _recomputed() -> list[str]:
    """Every visible figure minus its nearest visible descendants (in the tree at release,
    from the stored paths) covers nobody or at least the family's threshold."""
    limits = _thresholds()
    today = _paths_of_today()
    families: dict[tuple[int, str, str], dict[int, tuple[str, int | None]]] = defaultdict(dict)
    for f in _figures():
        if f.kind == "dimension":
            continue  # made from its questions' figures, which are checked themselves
        path = f.path or today.get(f.unit_id, f"/{f.unit_id}/")
        families[(f.round_id, f.kind, f.ref)][f.unit_id] = (
            path,
            None if f.suppressed else f.respondents,
        )
    problems = []
    for (round_id, kind, ref), family in families.items():
        k = _family_k(kind, limits[round_id])
        below: dict[int, int] = defaultdict(int)
        for unit_id, (path, respondents) in family.items():
            if respondents is None:
                continue
            parent = _nearest_visible_ancestor(path, unit_id, family)
            if parent is not None:
                below[parent] += respondents
        for unit_id, (_path, respondents) in family.items():
            if respondents is None:
                continue
            residual = respondents - below[unit_id]
            if 0 < residual < k or residual < 0:
                problems.append(
                    f"round {round_id}, unit {unit_id}, {kind} {ref}: minus its shown sub-units"
                    f" it isolates {residual} (< {k})".replace("  ", " ")
                )
    return problems


def _nearest_visible_ancestor(path: str, unit_id: int, family) -> int | None:
    chain = [int(part) for part in path.strip("/").split("/") if part]
    for ancestor in reversed(chain[:-1] if chain and chain[-1] == unit_id else chain):
        shown = family.get(ancestor)
        if shown is not None and shown[1] is not None:
            return ancestor
    return None


def _paths_of_today() -> dict[int, str]:
    parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    paths: dict[int, str] = {}
    for start in parents:
        chain, node = [], start
        while node is not None and node not in paths and node not in chain:
            chain.append(node)
            node = parents.get(node)
        prefix = paths.get(node, "/") if node is not None else "/"
        for uid in reversed(chain):
            prefix = paths[uid] = f"{prefix}{uid}/"
    return paths


def _comments_bound() -> list[str]:
    shown = {
        (r, u)
        for r, u in db.session.execute(
            select(ReleasedFigure.round_id, ReleasedFigure.unit_id).where(
                ReleasedFigure.kind == "comments", ReleasedFigure.suppressed.is_(False)
            )
        )
    }
    problems = []
    rows = db.session.execute(
        select(
            ReleasedComment.round_id, ReleasedComment.unit_id, ReleasedComment.path, func.count()
        ).group_by(ReleasedComment.round_id, ReleasedComment.unit_id, ReleasedComment.path)
    ).all()
    for round_id, unit_id, path, count in rows:
        if (round_id, unit_id) not in shown:
            problems.append(
                f"round {round_id}, unit {unit_id}: {count} comment(s) kept for a group whose"
                " comments are hidden"
            )
        if not path.endswith(f"/{unit_id}/"):
            problems.append(f"round {round_id}, unit {unit_id}: comment path {path} is not its own")
    return problems


def _no_used_links() -> list[str]:
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("sign_in_token")}
    return ["sign_in_token has a used_at column"] if "used_at" in columns else []


def _cleaned_up() -> list[str]:
    problems = [
        f"round {round_id}: released, clean-up not yet completed (the tick retries it)"
        for round_id in db.session.scalars(select(Round.id).where(Round.cleanup_pending.is_(True)))
    ]
    if db.engine.dialect.name == "sqlite":
        # Fold the journal into the file first (what a release's clean-up does): what is left
        # afterwards, or a reader that prevents it, is a finding.
        db.session.rollback()
        busy = db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0]
        db.session.rollback()
        if busy:
            problems.append("the SQLite journal can't be emptied: another process is reading")
        path = db.engine.url.database
        wal = f"{path}-wal" if path else None
        if wal and os.path.exists(wal) and os.path.getsize(wal) > 0:
            problems.append(
                f"the SQLite journal {wal} holds {os.path.getsize(wal)} bytes: pages written"
                " since the last clean-up (stop other readers and run the tick)"
            )
    return problems
