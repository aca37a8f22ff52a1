"""The organisation import as an upload: the file is checked and previewed, then applied only
when the administrator confirms that exact preview (README, "Importing the organisation")."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pulse.admin import bp
from pulse.admin.messages import error_text
from pulse.extensions import db
from pulse.forms import EmptyForm
from pulse.orgimport import ImportRefused, Problem, apply_plan, make_plan, read_rows
from pulse.orgimport.messages import field_names, problem_text, summary_lines
from pulse.timeutil import utcnow

#: Rows listed per kind of change in the preview (the counts are always complete).
PREVIEW_ROWS = 100


#: A preview nobody confirmed is forgotten after this long (its file is deleted).
UPLOAD_MAX_AGE_SECONDS = 24 * 3600


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _delete_stale_uploads() -> None:
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in _upload_dir().glob("*.csv"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _own_admin_kept(rows) -> list[Problem]:
    """An administrator can't import a file that ends their own administrator role."""
    email = (current_user.email or "").strip().lower()
    mine = next((row for row in rows if row.email == email), None)
    if mine is not None and "admin" in mine.roles:
        return []
    return [Problem(mine.line if mine else 1, "role" if mine else "email", "own_admin", email)]


def _plan_of(data: bytes):
    rows = read_rows(data)
    problems = _own_admin_kept(rows)
    if problems:
        raise ImportRefused(problems)
    return make_plan(rows, current_user.organisation)


@bp.get("/import")
@login_required
def import_form():
    return render_template("admin/import.html", form=EmptyForm(), plan=None, problems=None)


@bp.post("/import")
@login_required
def import_preview():
    """Check the uploaded file and show what it would change; nothing is written."""
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        flash(error_text("no_file"), "error")
        return render_template("admin/import.html", form=EmptyForm(), plan=None, problems=None), 422
    try:
        plan = _plan_of(data)
    except ImportRefused as refused:
        problems = [problem_text(p) for p in refused.problems]
        return render_template(
            "admin/import.html", form=EmptyForm(), plan=None, problems=problems, total=refused.total
        ), 422
    # The file waits in the instance folder for the confirmation (it holds what the database
    # holds: names, e-mail addresses, units), and is deleted when applied.
    _delete_stale_uploads()
    token = secrets.token_urlsafe(16)
    (_upload_dir() / f"{token}.csv").write_bytes(data)
    _forget_upload()
    session["org_import"] = token
    return render_template(
        "admin/import.html",
        form=EmptyForm(),
        plan=plan,
        summary=summary_lines(plan.counts()),
        fields=field_names(),
        limit=PREVIEW_ROWS,
        fingerprint=plan.fingerprint(),
        problems=None,
    )


def _forget_upload() -> None:
    token = session.pop("org_import", None)
    if token and token.replace("-", "").replace("_", "").isalnum():
        (_upload_dir() / f"{token}.csv").unlink(missing_ok=True)


@bp.post("/import/confirm")
@login_required
def import_confirm():
    """Apply the previewed import, if the organisation is still as it was at the preview."""
    token = session.get("org_import") or ""
    path = _upload_dir() / f"{token}.csv"
    if not token.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        flash(error_text("import_expired"), "error")
        return redirect(url_for("admin.import_form"), code=303)
    try:
        plan = _plan_of(path.read_bytes())
    except ImportRefused:
        plan = None
    if plan is None or plan.fingerprint() != request.form.get("fingerprint"):
        flash(error_text("import_changed"), "error")
        return redirect(url_for("admin.import_form"), code=303)
    if not plan.is_empty:
        apply_plan(plan, utcnow(), actor_id=current_user.id)
        db.session.commit()
    _forget_upload()
    flash(_("Imported. Moves and leavers count from the next round."), "ok")
    return redirect(url_for("admin.import_form"), code=303)
