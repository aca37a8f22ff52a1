"""The administration area (`/admin/…`): the organisation's import, unit tree, people, roles,
MED committees, pulse plans, sign-in e-mails and the audit log. Administrators only: every
other signed-in person gets 404, as if the area did not exist."""

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from pulse.extensions import csrf

bp = Blueprint("admin", __name__, url_prefix="/admin")
# CSRF is checked below, after the role: a non-administrator learns nothing, not even that a
# token was missing (404 either way).
csrf.exempt(bp)


@bp.before_request
def _administrators_only():
    from pulse.admin.service import is_admin

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not is_admin(current_user):
        abort(404)
    if request.endpoint == "admin.import_preview":
        request.max_content_length = current_app.config["ADMIN_IMPORT_MAX_BYTES"]
    if request.method == "POST":
        csrf.protect()
    return None


from pulse.admin import (  # noqa: E402,F401
    routes_import,
    routes_org,
    routes_people,
    routes_plans,
    routes_signin,
)
