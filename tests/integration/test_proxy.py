"""Behind a reverse proxy: limits key on the client (PULSE_TRUSTED_PROXIES), the Host header is
checked (TRUSTED_HOSTS), and opening sign-in links is rate-limited too."""

from __future__ import annotations

from tests.conftest import make_app

PROXY = "10.0.0.1"


def _app(url, **overrides):
    return make_app(url, PULSE_SIGNIN_RATE_LIMIT="3 per minute", **overrides)


def _open(client, client_address: str | None, path: str = "/login/not-a-real-token"):
    headers = {"X-Forwarded-For": client_address} if client_address else {}
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": PROXY})


def test_opening_a_sign_in_link_is_rate_limited(migrated_database_url):
    client = _app(migrated_database_url).test_client()
    statuses = [client.get("/login/abc").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_with_trusted_proxies_each_client_has_its_own_limit(migrated_database_url):
    client = _app(migrated_database_url, PULSE_TRUSTED_PROXIES=1).test_client()
    assert [_open(client, "192.0.2.10").status_code for _ in range(4)] == [200, 200, 200, 429]
    # Another client behind the same proxy is not limited by the first.
    assert _open(client, "192.0.2.11").status_code == 200
    # A client can't escape by sending its own X-Forwarded-For: the proxy appends the real
    # address, and only the last (one proxy's worth) is believed.
    assert _open(client, "198.51.100.7, 192.0.2.10").status_code == 429


def test_without_the_setting_the_forwarded_header_is_ignored(migrated_database_url):
    client = _app(migrated_database_url).test_client()
    statuses = [_open(client, f"192.0.2.{n}").status_code for n in range(4)]
    # Everyone is the proxy: a forged X-Forwarded-For changes nothing.
    assert statuses == [200, 200, 200, 429]


def test_the_scheme_comes_from_the_proxy(migrated_database_url):
    app = _app(migrated_database_url, PULSE_TRUSTED_PROXIES=1)

    @app.get("/test-scheme")
    def _scheme():
        from flask import request

        return request.scheme

    client = app.test_client()
    response = client.get(
        "/test-scheme",
        headers={"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert response.get_data(as_text=True) == "https"


def test_a_foreign_host_header_is_refused_not_reflected(migrated_database_url):
    app = _app(migrated_database_url, TRUSTED_HOSTS=["tillidspuls.example"])
    client = app.test_client()
    for path in ("/", "/cards", "/settings", "/login/abc"):
        response = client.get(path, headers={"Host": "evil.test"})
        assert response.status_code == 400, path
        assert "evil.test" not in str(response.headers)
        assert "evil.test" not in response.get_data(as_text=True)
    # The real host works, and its redirects stay on it.
    response = client.get("/cards", headers={"Host": "tillidspuls.example"})
    assert response.status_code in (200, 302, 308)
    assert "evil" not in response.headers.get("Location", "")
    assert client.get("/signed-out", headers={"Host": "tillidspuls.example"}).status_code == 200
