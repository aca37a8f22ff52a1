"""The import's problems as sentences in the reader's language (call inside a locale)."""

from __future__ import annotations

from flask_babel import gettext as _

from pulse.orgimport.parse import Problem


def problem_text(problem: Problem) -> str:
    """E.g. 'Line 7, column “role”: unknown role “boss” …'."""
    detail = _detail(problem)
    if problem.column:
        return _(
            "Line %(line)d, column “%(column)s”: %(detail)s",
            line=problem.line,
            column=problem.column,
            detail=detail,
        )
    return _("Line %(line)d: %(detail)s", line=problem.line, detail=detail)


def _detail(problem: Problem) -> str:
    value, other = problem.value, problem.other_line
    texts = {
        "encoding": lambda: _("the file is not UTF-8. Save it as “CSV UTF-8” and import it again."),
        "empty_file": lambda: _("the file is empty."),
        "no_people": lambda: _("the file has a header but no people."),
        "missing_column": lambda: _(
            "the header has no such column. The header must name the columns email, name, "
            "unit_path, role and locale."
        ),
        "empty_email": lambda: _("the e-mail address is empty."),
        "invalid_email": lambda: _("“%(value)s” is not an e-mail address.", value=value),
        "duplicate_email": lambda: _(
            "%(value)s is already on line %(other)d; each person appears once.",
            value=value,
            other=other,
        ),
        "empty_name": lambda: _("the name is empty."),
        "too_long": lambda: _("“%(value)s…” is too long.", value=value),
        "empty_unit_path": lambda: _("the unit is empty."),
        "invalid_unit_path": lambda: _(
            "“%(value)s” has an empty unit name. Separate units with “ / ”.", value=value
        ),
        "other_root": lambda: _(
            "“%(value)s” is not the organisation's top unit named on line %(other)d; the file "
            "describes one organisation.",
            value=value,
            other=other,
        ),
        "contradicts": lambda: _(
            "“%(value)s” is written differently on line %(other)d; write each unit the same "
            "way everywhere.",
            value=value,
            other=other,
        ),
        "unknown_role": lambda: _(
            "unknown role “%(value)s”. Use leader, tr, amr, admin or med:<committee name>, "
            "separated by |.",
            value=value,
        ),
        "empty_committee": lambda: _(
            "“%(value)s” names no committee. Write med:<committee name>.", value=value
        ),
        "bad_locale": lambda: _(
            "unknown language “%(value)s”. Use da, nb, en or leave it empty.", value=value
        ),
        "own_admin": lambda: _(
            "the file would end your own administrator role (your e-mail %(value)s is missing "
            "or has no admin role). Add it, or let another administrator import the file.",
            value=value,
        ),
    }
    return texts[problem.code]()


def summary_lines(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, number) for every kind of change, in the order a reader checks them."""
    return [
        (_("People to add"), counts["add"]),
        (_("People to move to another unit"), counts["move"]),
        (_("People whose details change"), counts["change"]),
        (_("People to deactivate"), counts["deactivate"]),
        (_("Units to add"), counts["units_add"]),
        (_("Closed units to reopen"), counts["units_reopen"]),
        (_("Units to close"), counts["units_close"]),
        (_("Committees to add"), counts["committees_add"]),
    ]


def field_names() -> dict[str, str]:
    return {
        "name": _("name"),
        "locale": _("language"),
        "roles": _("roles"),
        "committees": _("committees"),
        "reactivated": _("reactivated"),
    }
