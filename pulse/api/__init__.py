"""The open JSON API of released figures (`/api/v1/`), for the organisation's BI tools.

flask-smorest builds the OpenAPI document from the marshmallow schemas the views already use
for their arguments and responses (README "The JSON API" says why this library). Read-only,
released figures only, behind API tokens an administrator issues (`pulse/api/admin.py`).
"""

from flask import Blueprint, Flask
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

bp = ApiBlueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Released figures, the unit tree, the questions and the TRIOs' actions.",
)
#: The readable docs page and the token administration (ordinary pages, not API operations).
pages = Blueprint("api_pages", __name__)


class PulseApi(Api):
    def _register_error_handlers(self):
        # The app's own handlers (pulse/web.py) answer every error, with problem+json under
        # /api/; flask-smorest's would turn the HTML error pages of the whole site into JSON.
        pass


def configure_api(app: Flask) -> None:
    from pulse.api import admin, routes  # noqa: F401  (registers the views)
    from pulse.web import IdConverter

    app.config.setdefault("API_RATE_LIMIT", "300 per minute")
    app.config.setdefault("API_TITLE", "Tillidspuls")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = PulseApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Read-only figures released under the anonymity rules: a hidden figure "
                    "has status too_few and no number. Authenticate with "
                    "`Authorization: Bearer <token>`."
                )
            }
        },
    )
    api.register_converter(IdConverter, lambda _converter: {"type": "integer", "minimum": 1})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"token": []}]
    api.register_blueprint(bp)
    _document_formats(api.spec)
    app.register_blueprint(pages)


PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "errors": {"type": "object"},
    },
    "required": ["type", "title", "status"],
}


def _document_formats(spec) -> None:
    """Say in the document what the views do beyond their schemas: `format=csv` answers in CSV,
    and every error is `application/problem+json` (pulse/web.py `problem`)."""
    for operations in spec._paths.values():
        get = operations.get("get", {})
        if any(p.get("name") == "format" for p in get.get("parameters", [])):
            content = get["responses"]["200"]["content"]
            content["text/csv"] = {"schema": {"type": "string"}}
    for response in spec.components.responses.values():
        if "content" in response:
            response["content"] = {"application/problem+json": {"schema": PROBLEM}}
