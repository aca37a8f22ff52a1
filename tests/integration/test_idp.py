"""Sign-in with the organisation's identity provider, against a real OpenID Provider.

The provider (panva's oidc-provider, tests/oidc_provider) runs on 127.0.0.1 for each test that
needs it; nothing of the protocol is mocked. Each refusal is checked for a clear message and
for leaving the browser signed out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from pulse.admin.service import add_role, committee_member
from pulse.extensions import db
from pulse.models import Committee, DeviceSession, Person, Role
from pulse.scheduling.tick import run_tick
from tests.conftest import dispose_engines, empty_database, make_app
from tests.factories import (
    assign_role,
    issue_token,
    make_committee,
    make_organisation,
    make_person,
    make_unit,
    sign_in,
)
from tests.helpers import csrf_token, is_signed_in, page_text, translated
from tests.idp_provider import LoginDriver, provider_unavailable, running_provider

pytestmark = pytest.mark.skipif(
    provider_unavailable() is not None, reason=provider_unavailable() or ""
)

BASE = "http://localhost"
CALLBACK = BASE + "/login/idp/callback"

STATE = (
    "The sign-in could not be checked: it was started in another window or has expired. "
    "Start again."
)
REPLAYED = "This sign-in answer has already been used or has expired. Start again."
NONCE = "The sign-in service's answer did not belong to this sign-in. Start again."
EXPIRED = "The sign-in service's answer has expired. Start again."
UNVERIFIED = "The sign-in service's answer could not be verified. Start again."
UNKNOWN = (
    "You signed in, but your account is not among the people of this organisation in "
    "Tillidspuls. Ask your administrator to add you (with the e-mail address of your work "
    "account)."
)
ROLE_NEEDS_PROVIDER = (
    "People with your role sign in with their work account, not with a link. Use the button below."
)
UNREACHABLE = "The sign-in service did not answer. Try again in a minute."


@pytest.fixture
def provider():
    with running_provider([CALLBACK], [BASE + "/signed-out?bye=1"]) as running:
        yield running


def _app(migrated_database_url, provider, **overrides):
    return make_app(migrated_database_url, **provider.app_settings(**overrides))


@pytest.fixture
def idp_app(migrated_database_url, provider) -> Iterator:
    app = _app(migrated_database_url, provider)
    yield app
    empty_database(app)
    dispose_engines(app)


def _people(app) -> dict[str, int]:
    """An employee, a TR and a leader, each with a work e-mail address."""
    with app.app_context():
        organisation = make_organisation()
        team = make_unit(organisation, "Afsnit Birk")
        ada = make_person(organisation, team, name="Ada Employee", email="ada@kommune.dk")
        tove = make_person(organisation, team, name="Tove TR", email="Tove.TR@kommune.dk")
        assign_role(tove, Role.TR, team)
        db.session.commit()
        return {"ada": ada.id, "tove": tove.id}


def _start(client) -> str:
    response = client.get("/login/idp")
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def _callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _signed_in_sessions(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(DeviceSession)).all())


def test_sign_in_with_pkce_state_and_nonce(idp_app):
    ids = _people(idp_app)
    client = idp_app.test_client()
    authorization = _start(client)
    query = parse_qs(urlsplit(authorization).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]

    back = LoginDriver(BASE).log_in(authorization, "ADA@kommune.dk")
    response = client.get(_callback_path(back))
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    home = client.get("/")
    assert "Ada" in page_text(home)
    with idp_app.app_context():
        assert db.session.scalars(select(DeviceSession.person_id)).all() == [ids["ada"]]


def _assert_refused(app, response, status: int, message: str) -> None:
    """Refused with `message` (in the visitor's language) and nobody signed in."""
    assert response.status_code == status
    assert translated(app, message) in page_text(response)
    assert _signed_in_sessions(app) == 0


def test_a_wrong_state_is_refused(idp_app):
    _people(idp_app)
    client = idp_app.test_client()
    back = LoginDriver(BASE).log_in(_start(client), "ada@kommune.dk")
    tampered = back.replace("state=", "state=x")
    response = client.get(_callback_path(tampered))
    _assert_refused(idp_app, response, 400, STATE)


def test_a_replayed_code_is_refused(idp_app):
    _people(idp_app)
    client = idp_app.test_client()
    authorization = _start(client)
    with client.session_transaction() as session:
        saved = {key: value for key, value in session.items() if key.startswith("_state_")}
    back = LoginDriver(BASE).log_in(authorization, "ada@kommune.dk")
    assert client.get(_callback_path(back)).status_code == 302

    # An attacker who saw the answer replays it in a browser holding the same sign-in state.
    other = idp_app.test_client()
    with other.session_transaction() as session:
        session.update(saved)
    response = other.get(_callback_path(back))
    assert response.status_code == 400
    assert translated(idp_app, REPLAYED) in page_text(response)
    assert _signed_in_sessions(idp_app) == 1  # only the first sign-in


def test_a_wrong_nonce_is_refused(idp_app):
    _people(idp_app)
    client = idp_app.test_client()
    authorization = _start(client)
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "not-the-nonce-the-provider-saw"
                session[key] = value
    back = LoginDriver(BASE).log_in(authorization, "ada@kommune.dk")
    response = client.get(_callback_path(back))
    _assert_refused(idp_app, response, 400, NONCE)


def test_an_expired_id_token_is_refused(migrated_database_url):
    # A provider whose clock is two hours behind issues ID tokens that have already expired.
    with running_provider([CALLBACK], clock_offset_seconds=-7200) as late:
        app = _app(migrated_database_url, late)
        try:
            _people(app)
            client = app.test_client()
            back = LoginDriver(BASE).log_in(_start(client), "ada@kommune.dk")
            response = client.get(_callback_path(back))
            _assert_refused(app, response, 400, EXPIRED)
        finally:
            empty_database(app)
            dispose_engines(app)


def test_an_id_token_not_signed_by_the_providers_keys_is_refused(migrated_database_url, provider):
    # This client's ID tokens are signed with the client secret (HS256), not the provider's
    # published keys: the app must not accept them.
    app = _app(migrated_database_url, provider, OIDC_CLIENT_ID="pulse-hs256")
    try:
        _people(app)
        client = app.test_client()
        back = LoginDriver(BASE).log_in(_start(client), "ada@kommune.dk")
        response = client.get(_callback_path(back))
        _assert_refused(app, response, 400, UNVERIFIED)
    finally:
        empty_database(app)
        dispose_engines(app)


def test_an_unknown_person_gets_a_clear_page_not_an_account(idp_app):
    _people(idp_app)
    client = idp_app.test_client()
    back = LoginDriver(BASE).log_in(_start(client), "stranger@elsewhere.dk")
    response = client.get(_callback_path(back))
    _assert_refused(idp_app, response, 403, UNKNOWN)
    with idp_app.app_context():
        assert (
            db.session.scalar(select(Person).where(Person.email == "stranger@elsewhere.dk")) is None
        )


def test_a_role_that_must_use_the_provider_cannot_use_a_personal_link(
    migrated_database_url, provider
):
    app = _app(migrated_database_url, provider, OIDC_REQUIRED_ROLES=("leader", "tr", "amr"))
    try:
        ids = _people(app)
        client = app.test_client()
        token = issue_token(app, ids["tove"])
        page = client.get(f"/login/{token}")
        assert page.status_code == 403
        assert translated(app, ROLE_NEEDS_PROVIDER) in page_text(page)
        response = client.post(f"/login/{token}", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 403
        assert _signed_in_sessions(app) == 0

        # An employee without such a role still signs in with a link.
        employee = app.test_client()
        token = issue_token(app, ids["ada"])
        response = employee.post(f"/login/{token}", data={"csrf_token": csrf_token(employee)})
        assert response.status_code == 302
        assert _signed_in_sessions(app) == 1
    finally:
        empty_database(app)
        dispose_engines(app)


def test_sign_out_ends_the_session_here_and_at_the_provider(idp_app, provider):
    _people(idp_app)
    client = idp_app.test_client()
    back = LoginDriver(BASE).log_in(_start(client), "ada@kommune.dk")
    client.get(_callback_path(back))
    assert _signed_in_sessions(idp_app) == 1

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == [BASE + "/signed-out?bye=1"]
    assert query["id_token_hint"][0].count(".") == 2
    assert _signed_in_sessions(idp_app) == 0
    # The sign-out form may go on to the provider under the content security policy.
    assert provider.issuer in client.get("/settings").headers["Content-Security-Policy"]


def test_the_signed_out_page_offers_the_provider(idp_app):
    page = page_text(idp_app.test_client().get("/signed-out"))
    assert "/login/idp" in page


def test_an_unreachable_provider_is_a_clear_page_not_a_500(migrated_database_url):
    app = make_app(
        migrated_database_url,
        OIDC_ISSUER="http://127.0.0.1:9",  # nothing listens on the discard port
        OIDC_CLIENT_ID="pulse",
        OIDC_CLIENT_SECRET="x",
    )
    try:
        response = app.test_client().get("/login/idp")
        assert response.status_code == 502
        assert translated(app, UNREACHABLE) in page_text(response)
    finally:
        dispose_engines(app)


def test_without_a_provider_the_routes_do_not_exist(client):
    assert client.get("/login/idp").status_code == 404
    assert client.get("/login/idp/callback?code=x&state=y").status_code == 404
    assert "/login/idp" not in page_text(client.get("/signed-out"))


# -- A device signed in with a link stays signed in only while the person may use links ---------
# When a person's role comes to require the provider (the setting switched on, a role or a seat
# given here, an import), their link-made sessions end: by the next tick, and at once when the
# role is given here. Sessions made through the provider stay, and so do everyone else's.

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _sessions(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(DeviceSession.person_id, DeviceSession.via)).all()
        return sorted((person_id, via) for person_id, via in rows)


def test_switching_the_setting_on_ends_link_sessions_of_those_roles_at_the_next_tick(idp_app):
    ids = _people(idp_app)  # Ada an employee, Tove a TR
    tove_by_link, ada_by_link, tove_by_idp = (idp_app.test_client() for _ in range(3))
    sign_in(tove_by_link, ids["tove"])
    sign_in(ada_by_link, ids["ada"])
    back = LoginDriver(BASE).log_in(_start(tove_by_idp), "tove.tr@kommune.dk")
    tove_by_idp.get(_callback_path(back))
    assert _sessions(idp_app) == sorted(
        [(ids["tove"], "link"), (ids["ada"], "link"), (ids["tove"], "idp")]
    )

    # The operator switches the setting on (a redeploy with OIDC_REQUIRED_ROLES).
    idp_app.config["OIDC_REQUIRED_ROLES"] = ("leader", "tr", "amr")
    with idp_app.app_context():
        run_tick(NOW)

    assert _sessions(idp_app) == sorted([(ids["ada"], "link"), (ids["tove"], "idp")])
    assert not is_signed_in(tove_by_link)
    assert is_signed_in(tove_by_idp)
    assert is_signed_in(ada_by_link)


def test_being_given_such_a_role_or_seat_ends_link_sessions_at_once(idp_app):
    ids = _people(idp_app)
    idp_app.config["OIDC_REQUIRED_ROLES"] = ("tr", "med")
    with idp_app.app_context():
        ada_person = db.session.get(Person, ids["ada"])
        organisation, team = ada_person.organisation, ada_person.membership.unit
        admin = make_person(organisation, name="Anna Admin", email="admin@kommune.dk")
        assign_role(admin, Role.ADMIN)
        bo = make_person(organisation, team, name="Bo Employee", email="bo@kommune.dk")
        committee = make_committee(organisation, [team], [], name="Lokal-MED")
        db.session.commit()
        admin_id, bo_id, committee_id, team_id = admin.id, bo.id, committee.id, team.id
    ada, bo = idp_app.test_client(), idp_app.test_client()
    sign_in(ada, ids["ada"])
    sign_in(bo, bo_id)

    with idp_app.app_context():
        actor = db.session.get(Person, admin_id)
        add_role(actor, db.session.get(Person, ids["ada"]), "tr", team_id, NOW)
        db.session.commit()
    assert not is_signed_in(ada)
    assert is_signed_in(bo)

    with idp_app.app_context():
        actor = db.session.get(Person, admin_id)
        committee = db.session.get(Committee, committee_id)
        committee_member(actor, committee, db.session.get(Person, bo_id), True, NOW)
        db.session.commit()
    assert not is_signed_in(bo)
    assert _sessions(idp_app) == []
