"""Personal sign-in links, the session cookie, sign-out and the `flask pulse links` command."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from pulse.extensions import db
from pulse.models import Person, SignInToken
from pulse.timeutil import utcnow
from tests.conftest import dispose_engines
from tests.factories import issue_token, sign_in
from tests.helpers import (
    csrf_token,
    elements,
    is_signed_in,
    page_text,
    set_cookie_headers,
    translated,
)

LINK_DEAD = "This link no longer works"


def token_row(database, token: str) -> int:
    """How many stored tokens have this token's hash (a used one is deleted)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return len(database.scalars(select(SignInToken.id).where(SignInToken.token_hash == digest)))


def sign_in_forms(response, token: str) -> list[dict]:
    return elements(response.get_data(as_text=True), "form", action=f"/login/{token}")


def test_opening_a_link_shows_a_button_and_keeps_the_link_usable(app, client, world, database):
    token = issue_token(app, world.alice)

    for _ in range(2):  # a mail scanner's prefetch, then the person
        response = client.get(f"/login/{token}")
        assert response.status_code == 200
        assert len(sign_in_forms(response, token)) == 1
        assert elements(response.get_data(as_text=True), "button", type="submit")

    assert token_row(database, token) == 1
    assert not is_signed_in(client)
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


def test_pressing_the_button_signs_in_and_goes_to_the_front_page(app, client, world, database):
    token = issue_token(app, world.alice)
    path = f"/login/{token}"

    response = client.post(path, data={"csrf_token": csrf_token(client, path)})

    assert response.status_code == 302
    assert response.location == "/"
    assert token_row(database, token) == 0  # used: deleted, not marked with a time
    assert is_signed_in(client)
    with app.app_context():
        first_name = db.session.get(Person, world.alice).name.split()[0]
    assert first_name in page_text(client.get("/"))


def test_a_link_redeemed_twice_at_the_same_moment_signs_in_once(app, world, database):
    import threading

    from pulse.auth import tokens

    token = issue_token(app, world.alice)
    found = threading.Barrier(2)
    original = tokens.find_usable_token
    results = []

    def find_then_wait(value):
        row = original(value)
        found.wait(timeout=10)  # both have found the token usable before either deletes it
        return row

    def redeem():
        with app.app_context():
            person = tokens.redeem_token(token)
            results.append(person.id if person else None)

    tokens.find_usable_token = find_then_wait
    try:
        threads = [threading.Thread(target=redeem) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        tokens.find_usable_token = original
    assert sorted(results, key=str) == sorted([world.alice, None], key=str)
    assert token_row(database, token) == 0


def test_only_the_sha256_of_the_token_is_stored(app, world):
    token = issue_token(app, world.alice)

    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM sign_in_token")).all()
    assert len(rows) == 1
    cells = [str(cell) for cell in rows[0]]
    assert hashlib.sha256(token.encode()).hexdigest() in cells
    assert not any(token in cell for cell in cells)


def test_a_link_works_only_once(app, client, world):
    token = issue_token(app, world.alice)
    path = f"/login/{token}"
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302

    other_device = app.test_client()
    response = other_device.get(path)
    assert response.status_code < 500
    assert not sign_in_forms(response, token)
    assert translated(app, LINK_DEAD) in page_text(response)
    response = other_device.post(path, data={"csrf_token": csrf_token(other_device)})
    assert response.status_code == 400
    assert translated(app, LINK_DEAD) in page_text(response)
    assert not is_signed_in(other_device)


def test_an_expired_link_does_not_work(app, client, world, database):
    token = issue_token(app, world.alice)
    with database.session() as session:
        session.execute(update(SignInToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    path = f"/login/{token}"

    assert not sign_in_forms(client.get(path), token)
    response = client.post(path, data={"csrf_token": csrf_token(client)})

    assert response.status_code == 400
    assert translated(app, LINK_DEAD) in page_text(response)
    assert not is_signed_in(client)


def test_a_link_of_a_deactivated_person_does_not_work(app, client, world, database):
    token = issue_token(app, world.alice)
    with database.session() as session:
        session.get(Person, world.alice).active = False
    path = f"/login/{token}"

    assert client.post(path, data={"csrf_token": csrf_token(client)}).status_code == 400
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "x" * 43,
        "x" * 101,
        "a" * 10_000,
        "%00%01",
        "%C3%A6%C3%B8%C3%A5",
        "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
        "%FF%FE",
        "..",
        "%20",
        "'%20OR%201=1--",
        "%3Cscript%3E",
    ],
)
def test_unknown_or_garbage_links_give_a_clean_page(app, client, token):
    path = f"/login/{token}"
    response = client.get(path)
    assert response.status_code < 500
    assert not elements(response.get_data(as_text=True), "button", type="submit")

    response = client.post(path, data={"csrf_token": csrf_token(client)})
    assert 400 <= response.status_code < 500
    assert "<h1>" in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused_and_keeps_the_link(app, client, world, database):
    token = issue_token(app, world.alice)
    path = f"/login/{token}"
    client.get(path)

    assert client.post(path).status_code == 400
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 400

    assert token_row(database, token) == 1
    assert not is_signed_in(client)
    # The person can still use the link properly.
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302


def test_sign_in_with_another_sessions_csrf_token_is_refused(app, client, world, database):
    token = issue_token(app, world.alice)
    path = f"/login/{token}"
    attacker = app.test_client()
    forged = csrf_token(attacker, path)
    client.get(path)  # the victim's own session has a different CSRF secret

    assert client.post(path, data={"csrf_token": forged}).status_code == 400
    assert token_row(database, token) == 1


def test_session_cookie_is_httponly_and_samesite_lax(app, client, world):
    token = issue_token(app, world.alice)
    path = f"/login/{token}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})

    (cookie,) = set_cookie_headers(response, app.config["SESSION_COOKIE_NAME"])
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert any(a.startswith("expires=") for a in attributes)  # stays signed in on the device


@pytest.fixture
def production_app(app, migrated_database_url, monkeypatch):
    """The app with production defaults (PULSE_ENV unset); `app` empties the database after."""
    from pulse import create_app

    for name in ("PULSE_ENV", "SESSION_COOKIE_SECURE", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    production = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "production-like",
            "SQLALCHEMY_DATABASE_URI": migrated_database_url,
        }
    )
    yield production
    dispose_engines(production)


def test_production_cookie_is_host_prefixed_and_secure(production_app, world):
    assert production_app.config["SESSION_COOKIE_NAME"] == "__Host-pulse"
    client = production_app.test_client()
    token = issue_token(production_app, world.alice)
    url = f"https://localhost/login/{token}"
    page = client.get(url)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")

    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url)},
        headers={"Referer": url},  # CSRF over https also checks the referrer
    )

    assert response.status_code == 302
    (cookie,) = set_cookie_headers(response, "__Host-pulse")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert not any(a.startswith("domain=") for a in attributes)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, migrated_database_url):
    from pulse import create_app

    for name in ("PULSE_ENV", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": migrated_database_url})


def test_sign_out_ends_the_session(app, client, world):
    sign_in(client, world.alice)
    token = csrf_token(client, "/settings")

    response = client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.location == "/signed-out?bye=1"
    assert not is_signed_in(client)
    response = client.get(f"/pulse/{world.round_id}")
    assert response.status_code == 302
    assert response.location.startswith("/signed-out")


def test_sign_out_without_csrf_token_is_refused(app, client, world):
    sign_in(client, world.alice)

    assert client.post("/logout").status_code == 400
    assert is_signed_in(client)


def test_bumping_session_version_signs_out_every_device(app, client, world, database):
    phone = app.test_client()
    sign_in(client, world.alice)
    sign_in(phone, world.alice)
    sign_in(app.test_client(), world.bob)
    assert is_signed_in(client) and is_signed_in(phone)

    with database.session() as session:
        session.get(Person, world.alice).session_version += 1

    assert not is_signed_in(client)
    assert not is_signed_in(phone)
    assert client.get(f"/pulse/{world.round_id}").status_code == 302


def test_sign_in_attempts_are_rate_limited(app, client):
    """Guessing is cut off, but a whole team on one Wi-Fi (one address) can still sign in."""
    token = csrf_token(client)
    statuses = []
    while len(statuses) < 500 and 429 not in statuses:
        statuses.append(client.post("/login/guessing", data={"csrf_token": token}).status_code)

    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {400}
    assert len(statuses) - 1 >= 60


def test_a_copied_cookie_stops_working_after_sign_out(app, client, world):
    sign_in(client, world.alice)
    assert client.get("/").status_code == 200
    copy = app.test_client()
    cookie = client.get_cookie("pulse_session")
    copy.set_cookie("pulse_session", cookie.value)
    assert copy.get(f"/pulse/{world.round_id}").status_code == 200  # the copy is signed in
    token = csrf_token(client, "/settings")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    # The copy still holds the old cookie, but its device session is gone: signed out.
    response = copy.get(f"/pulse/{world.round_id}")
    assert response.status_code == 302 and "/signed-out" in response.location


def test_sign_in_seeds_the_sessions_csrf_secret(app, client, world):
    """Requests right after sign-in must not race to create the CSRF secret."""
    from tests.factories import issue_token

    token = issue_token(app, world.alice)
    path = f"/login/{token}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session.get("csrf_token")
