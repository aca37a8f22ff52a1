"""`flask pulse import-org`: dry run, idempotence, refused files, moves and leavers, release."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import (
    AuditEvent,
    Committee,
    CommitteeMember,
    Membership,
    Organisation,
    Person,
    ReleasedFigure,
    RoleAssignment,
    Round,
    RoundMember,
    RoundState,
    RoundTeam,
    Unit,
)

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-organisation.csv"
TABLES = (Organisation, Unit, Person, Membership, RoleAssignment, Committee, CommitteeMember)


def state(database) -> dict:
    """Every row the import can touch, as plain tuples (ids included)."""
    with database.session() as session:
        return {
            model.__tablename__: sorted(
                tuple(getattr(row, c.key) for c in model.__table__.columns)
                for row in session.scalars(select(model))
            )
            for model in (*TABLES, AuditEvent)
        }


def run_import(runner, path, *args):
    return runner.invoke(args=["pulse", "import-org", str(path), *args])


def write(tmp_path, text: str | bytes, name="org.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def test_dry_run_changes_nothing(runner, database):
    before = state(database)
    result = run_import(runner, SAMPLE, "--dry-run", "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "People to add: 40" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert state(database) == before


def test_import_then_the_same_file_again_changes_nothing(runner, database, tmp_path):
    result = run_import(runner, SAMPLE, "--yes")
    assert result.exit_code == 0, result.output
    assert database.count(Person) == 40
    assert database.count(Unit) == 11
    assert database.count(Committee) == 2
    assert database.count(AuditEvent, AuditEvent.kind == "org.import") == 1
    with database.session() as session:
        anne = session.scalar(select(Person).where(Person.email == "anne.jensen@solbjerg.example"))
        assert anne.membership.unit.name == "Afsnit Birk"
        assert {(r.role, r.unit.name) for r in anne.roles} == {("tr", "Afsnit Birk")}
        assert [c.name for c in anne.committees] == ["Område-MED Ældre og Sundhed"]
        admins = session.scalars(select(RoleAssignment).where(RoleAssignment.role == "admin"))
        assert len(list(admins)) == 2
    first = state(database)

    again = run_import(runner, SAMPLE, "--yes", "--locale", "en")
    assert again.exit_code == 0, again.output
    assert "Nothing to change" in again.output
    assert state(database) == first

    # A BOM and commas instead of semicolons: the same organisation, so nothing to change.
    comma = "\ufeff" + "\n".join(line.replace(";", ",") for line in sample_lines()) + "\n"
    result = run_import(runner, write(tmp_path, comma.encode("utf-8")), "--yes")
    assert result.exit_code == 0, result.output
    assert state(database) == first


def test_without_yes_it_asks_and_a_no_changes_nothing(runner, database):
    before = state(database)
    result = runner.invoke(args=["pulse", "import-org", str(SAMPLE)], input="n\n")
    assert result.exit_code == 0, result.output
    assert state(database) == before
    result = runner.invoke(args=["pulse", "import-org", str(SAMPLE)], input="y\n")
    assert result.exit_code == 0, result.output
    assert database.count(Person) == 40


HEADER = "email;name;unit_path;role;locale"
GOOD = "a@x.example;Anne A;Kommune / Team;;"

BAD_FILES = {
    "unknown role": (
        f"{HEADER}\n{GOOD}\nb@x.example;Bo B;Kommune / Team;boss;\n",
        "Line 3, column “role”: unknown role “boss”",
    ),
    "empty e-mail": (f"{HEADER}\n{GOOD}\n;Bo B;Kommune / Team;;\n", "Line 3, column “email”"),
    "invalid e-mail": (
        f"{HEADER}\n{GOOD}\nbo.example;Bo B;Kommune / Team;;\n",
        "Line 3, column “email”: “bo.example” is not an e-mail address",
    ),
    "duplicate e-mail": (
        f"{HEADER}\n{GOOD}\nA@x.example;Anne Igen;Kommune / Team;;\n",
        "Line 3, column “email”: a@x.example is already on line 2",
    ),
    "contradicting unit path": (
        f"{HEADER}\n{GOOD}\nb@x.example;Bo B;Kommune / team;;\n",
        "Line 3, column “unit_path”: “Kommune / team” is written differently on line 2",
    ),
    "second organisation": (
        f"{HEADER}\n{GOOD}\nb@x.example;Bo B;Nabokommune / Team;;\n",
        "Line 3, column “unit_path”: “Nabokommune” is not the organisation's top unit",
    ),
    "bad locale": (
        f"{HEADER}\n{GOOD}\nb@x.example;Bo B;Kommune / Team;;sv\n",
        "Line 3, column “locale”: unknown language “sv”",
    ),
    "empty unit": (
        f"{HEADER}\n{GOOD}\nb@x.example;Bo B;Kommune /  / Team;;\n",
        "Line 3, column “unit_path”",
    ),
    "missing column": ("email;name;role\na@x.example;Anne;\n", "Line 1, column “unit_path”"),
    "bad encoding": (
        f"{HEADER}\n{GOOD}\n".encode() + "b@x.example;Søren;Kommune / Team;;\n".encode("cp1252"),
        "Line 3, column “name”: the file is not UTF-8",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_row_is_refused_with_line_and_column_and_nothing_applied(
    kind, runner, database, tmp_path
):
    assert run_import(runner, SAMPLE, "--yes").exit_code == 0
    before = state(database)
    content, expected = BAD_FILES[kind]
    result = run_import(runner, write(tmp_path, content), "--yes", "--locale", "en")
    assert result.exit_code == 1
    assert expected in result.output
    assert "nothing was imported" in result.output
    assert state(database) == before


def test_errors_are_in_danish_by_default(runner, tmp_path):
    content, _expected = BAD_FILES["unknown role"]
    result = run_import(runner, write(tmp_path, content), "--yes")
    assert result.exit_code == 1
    assert "Linje 3, kolonne “role”: ukendt rolle “boss”" in result.output


def reorganised(tmp_path) -> Path:
    """Anne moves to Afsnit Eg, Lars leaves, Gitte's name changes and Børnehaven is gone."""
    lines = []
    for line in sample_lines():
        if line.startswith("anne.jensen@"):
            line = line.replace("Afsnit Birk", "Afsnit Eg")
        if line.startswith("lars.hansen@"):
            continue
        if "Børnehaven" in line:
            line = line.replace("Børnehaven", "Vuggestuen")
        lines.append(line)
    return write(tmp_path, "\n".join(lines) + "\n", "reorganised.csv")


def test_moves_and_leavers_count_from_the_next_round(runner, database, tmp_path):
    from datetime import timedelta

    from pulse.rounds import create_round, open_round
    from pulse.timeutil import utcnow
    from tests.factories import load_questions

    assert run_import(runner, SAMPLE, "--yes").exit_code == 0

    def open_new_round() -> int:
        with database.session() as session:
            load_questions()
            organisation = session.scalar(select(Organisation))
            root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
            now = utcnow()
            round_ = create_round(
                organisation,
                ["vt_trusted", "au_judgement", "vt_information"],
                now,
                now + timedelta(days=7),
            )
            open_round(round_, [root.id])
            return round_.id

    round_id = open_new_round()
    frozen = state_of_round(database, round_id)

    result = run_import(runner, reorganised(tmp_path), "--yes", "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "People to move to another unit: 7" in result.output  # Anne and Børnehaven's six
    assert "People to deactivate: 1" in result.output
    assert "Units to close: 1" in result.output
    assert state_of_round(database, round_id) == frozen

    with database.session() as session:
        lars = session.scalar(select(Person).where(Person.email == "lars.hansen@solbjerg.example"))
        assert lars.active is False and lars.membership is not None  # kept, not deleted
        closed = session.scalar(select(Unit).where(Unit.name == "Børnehaven"))
        assert closed.closed_at is not None
        session.execute(db.update(Round).values(state=RoundState.RELEASED))
    next_round = state_of_round(database, open_new_round())
    teams = {name: invited for name, invited in next_round["teams"]}
    assert "Børnehaven" not in teams
    assert teams["Afsnit Eg"] == frozen_teams(frozen)["Afsnit Eg"] + 1
    assert teams["Afsnit Birk"] == frozen_teams(frozen)["Afsnit Birk"] - 2


def frozen_teams(round_state: dict) -> dict[str, int]:
    return dict(round_state["teams"])


def state_of_round(database, round_id: int) -> dict:
    with database.session() as session:
        teams = session.execute(
            select(Unit.name, RoundTeam.invited)
            .join(Unit, Unit.id == RoundTeam.unit_id)
            .where(RoundTeam.round_id == round_id)
        ).all()
        members = session.execute(
            select(RoundMember.person_id, RoundMember.unit_id).where(
                RoundMember.round_id == round_id
            )
        ).all()
        return {"teams": sorted(map(tuple, teams)), "members": sorted(map(tuple, members))}


def test_reorganisation_after_release_changes_nothing_released(runner, database, tmp_path):
    from datetime import timedelta

    from pulse.rounds import close_round, create_round, open_round, release_round
    from pulse.timeutil import utcnow
    from tests.factories import load_questions

    assert run_import(runner, SAMPLE, "--yes").exit_code == 0
    with database.session() as session:
        load_questions()
        organisation = session.scalar(select(Organisation))
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        now = utcnow()
        round_ = create_round(
            organisation,
            ["vt_trusted", "au_judgement", "vt_information"],
            now - timedelta(days=8),
            now - timedelta(days=1),
        )
        open_round(round_, [root.id])
        close_round(round_)
        release_round(round_, now)

    def released() -> list[tuple]:
        with database.session() as session:
            return sorted(
                (f.unit_id, f.kind, f.ref, f.suppressed, f.invited, f.respondents, f.mean)
                for f in session.scalars(select(ReleasedFigure))
            )

    before = released()
    assert before
    assert run_import(runner, reorganised(tmp_path), "--yes").exit_code == 0
    assert released() == before
