"""A TR signs in through the organisation's identity provider in Chromium on a phone.

A real OpenID Provider (tests/oidc_provider) and the app each listen on 127.0.0.1; the person
presses "Sign in with your work account", types at the provider's own login page, consents, and
lands signed in on the home page. Then signs out, which goes on to the provider's sign-out.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import preserved_logging
from tests.idp_provider import provider_unavailable, running_provider

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(provider_unavailable() is not None, reason=provider_unavailable() or ""),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def idp_site(tmp_path, monkeypatch) -> Iterator[tuple[str, str]]:
    """The app with a TR whose work e-mail is tove@kommune.dk, and the provider. (URL, issuer)"""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from pulse import create_app
    from pulse.extensions import db
    from pulse.models import Role
    from tests.factories import assign_role, make_organisation, make_person, make_unit

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with running_provider([url + "/login/idp/callback"], [url + "/signed-out?bye=1"]) as idp:
        monkeypatch.setenv("PULSE_INSTANCE_PATH", str(tmp_path / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "e2e-not-secret",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
                "PULSE_BASE_URL": url,
                "SESSION_COOKIE_SECURE": False,
                "SESSION_COOKIE_NAME": "pulse_session",
                "WTF_CSRF_SSL_STRICT": False,
                "OIDC_REQUIRED_ROLES": ("leader", "tr", "amr"),
                **idp.app_settings(),
            }
        )
        with app.app_context():
            with preserved_logging():
                upgrade()
            organisation = make_organisation()
            team = make_unit(organisation, "Afsnit Birk")
            tove = make_person(organisation, team, name="Tove Tillid", email="tove@kommune.dk")
            assign_role(tove, Role.TR, team)
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield url, idp.issuer
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_tr_signs_in_with_the_work_account_on_a_phone(idp_site, phone, screenshot):
    url, issuer = idp_site
    page = phone.page
    page.goto(url + "/signed-out")
    button = page.get_by_role("link", name="Log ind med din arbejdskonto")
    screenshot(page, "idp-signed-out-390.png")
    assert _serious_violations(page) == []
    box = button.bounding_box()
    assert box and box["height"] >= 44  # a tap target on a phone
    button.click()

    page.wait_for_url(issuer + "/**")
    page.fill("input[name=login]", "Tove@kommune.dk")
    page.fill("input[name=password]", "anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(url + "/")
    assert "Tove" in page.inner_text("main")
    screenshot(page, "idp-signed-in-390.png")

    assert _serious_violations(page) == []

    page.goto(url + "/settings")
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(issuer + "/**")  # the provider's own sign-out page
    ours = [c for c in phone.csp_violations if (c.get("source") or "").startswith(url)]
    assert ours == []
    assert phone.page_errors == []
