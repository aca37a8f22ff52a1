"""Reading and validating the organisation CSV: plain functions, no database, no Flask.

The format (README, "Importing the organisation"): UTF-8 with or without BOM, `;` or `,`, a
header row, then one row per person: `email;name;unit_path;role;locale`. A file with any problem
is refused as a whole, every problem named by its line and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

UNIT_SEPARATOR = " / "
ROLE_SEPARATOR = "|"
TRIO_ROLES = ("leader", "tr", "amr")
ORGANISATION_ROLES = ("admin",)
COMMITTEE_PREFIX = "med:"
LOCALES = ("da", "nb", "en")
REQUIRED_COLUMNS = ("email", "name", "unit_path")
OPTIONAL_COLUMNS = ("role", "locale")
#: Lengths of the columns these values are stored in (pulse/models/org.py).
MAX_LENGTH = {"email": 254, "name": 200, "unit": 200, "committee": 200}
#: A plausible address: something@domain.tld, no spaces. Delivery is the real test.
EMAIL = re.compile(r"^[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[^@\s;,<>\"]+$")
#: Enough to fix a file in one go, without a page of thousands of lines.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Row:
    """One person as the file describes them. `email` is lower-cased (people are matched by it)."""

    line: int
    email: str
    name: str
    path: tuple[str, ...]
    roles: frozenset[str]
    committees: frozenset[str]
    locale: str | None


@dataclass(frozen=True)
class Problem:
    """What is wrong where: `code` picks the message (messages.py), `value` is the bad text."""

    line: int
    column: str
    code: str
    value: str = ""
    other_line: int | None = None


class ImportRefused(Exception):
    """The file can't be imported; nothing was changed."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
        self.total = total if total is not None else len(problems)


def normalise(text: str) -> str:
    """How two spellings of a unit name are compared: case and spacing do not count."""
    return " ".join(text.split()).casefold()


def decode(data: bytes) -> str:
    """The file as text (UTF-8, a BOM dropped), or refused with the line and column of the
    first byte that is not UTF-8 (a file saved as Windows-1252 or Latin-1, typically)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        line_start = data.rfind(b"\n", 0, start) + 1
        header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        delimiter = detect_delimiter(header)
        before = data[line_start:start].decode("utf-8", errors="replace")
        index = before.count(delimiter)
        names = [n.strip().lower() for n in header.split(delimiter)]
        column = names[index] if index < len(names) else str(index + 1)
        raise ImportRefused([Problem(line, column, "encoding")]) from None


def detect_delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def read_rows(data: bytes) -> list[Row]:
    """Every person in the file, or `ImportRefused` with every problem found."""
    text = decode(data)
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportRefused([Problem(1, "", "empty_file")])
    delimiter = detect_delimiter(lines[first])
    reader = csv.reader(io.StringIO("".join(lines[first:])), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    header_line = first + 1
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportRefused([Problem(header_line, name, "missing_column") for name in missing])
    index = {
        name: header.index(name)
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        if name in header
    }

    problems: list[Problem] = []
    rows: list[Row] = []
    checker = _Consistency(problems)
    previous_end = header_line - 1 + reader.line_num
    for record in reader:
        line = previous_end + 1
        previous_end = header_line - 1 + reader.line_num
        if not any(field.strip() for field in record):
            continue
        fields = {name: (record[i].strip() if i < len(record) else "") for name, i in index.items()}
        row = _row(line, fields, problems)
        if row is not None:
            checker.check(row)
            rows.append(row)
    if not rows and not problems:
        problems.append(Problem(header_line, "", "no_people"))
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS], total=len(problems))
    return rows


def _row(line: int, fields: dict[str, str], problems: list[Problem]) -> Row | None:
    found = len(problems)
    email = fields["email"].lower()
    if not email:
        problems.append(Problem(line, "email", "empty_email"))
    elif len(email) > MAX_LENGTH["email"] or not EMAIL.match(email):
        problems.append(Problem(line, "email", "invalid_email", fields["email"]))
    name = " ".join(fields["name"].split())
    if not name:
        problems.append(Problem(line, "name", "empty_name"))
    elif len(name) > MAX_LENGTH["name"]:
        problems.append(Problem(line, "name", "too_long", name[:40]))
    # " / " between units; a "/" inside a name ("Børn/Unge") without spaces around it stays.
    path = tuple(part.strip() for part in " ".join(fields["unit_path"].split()).split(" / "))
    if not fields["unit_path"]:
        problems.append(Problem(line, "unit_path", "empty_unit_path"))
        path = ()
    elif any(not part or part.startswith("/") or part.endswith("/") for part in path):
        problems.append(Problem(line, "unit_path", "invalid_unit_path", fields["unit_path"]))
    elif any(len(part) > MAX_LENGTH["unit"] for part in path):
        problems.append(Problem(line, "unit_path", "too_long", fields["unit_path"][:40]))
    roles, committees = set(), set()
    for token in fields.get("role", "").split(ROLE_SEPARATOR):
        token = token.strip()
        if not token:
            continue
        if token.lower() in (*TRIO_ROLES, *ORGANISATION_ROLES):
            roles.add(token.lower())
        elif token.lower().startswith(COMMITTEE_PREFIX):
            committee = " ".join(token[len(COMMITTEE_PREFIX) :].split())
            if not committee:
                problems.append(Problem(line, "role", "empty_committee", token))
            elif len(committee) > MAX_LENGTH["committee"]:
                problems.append(Problem(line, "role", "too_long", committee[:40]))
            else:
                committees.add(committee)
        else:
            problems.append(Problem(line, "role", "unknown_role", token))
    locale = fields.get("locale", "").lower() or None
    if locale is not None and locale not in LOCALES:
        problems.append(Problem(line, "locale", "bad_locale", fields["locale"]))
    if len(problems) > found:
        return None
    return Row(line, email, name, path, frozenset(roles), frozenset(committees), locale)


class _Consistency:
    """Checks across rows: an e-mail only once, one top unit, and each unit spelled one way.

    A unit written two ways ("Afsnit Birk" and "afsnit  birk") would become two units, or
    silently one; either guess could be wrong, so the file is refused and both lines named.
    Committees are matched by name exactly as written, so a differing spelling there is a
    different committee.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.emails: dict[str, int] = {}
        self.units: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}
        self.root: tuple[str, int] | None = None

    def check(self, row: Row) -> None:
        first = self.emails.setdefault(row.email, row.line)
        if first != row.line:
            self.problems.append(Problem(row.line, "email", "duplicate_email", row.email, first))
        if self.root is None:
            self.root = (row.path[0], row.line)
        elif normalise(row.path[0]) != normalise(self.root[0]):
            self.problems.append(
                Problem(row.line, "unit_path", "other_root", row.path[0], self.root[1])
            )
            return
        for depth in range(1, len(row.path) + 1):
            spelled = row.path[:depth]
            key = tuple(normalise(part) for part in spelled)
            known, line = self.units.setdefault(key, (spelled, row.line))
            if known != spelled:
                value = UNIT_SEPARATOR.join(spelled)
                self.problems.append(Problem(row.line, "unit_path", "contradicts", value, line))
                return
