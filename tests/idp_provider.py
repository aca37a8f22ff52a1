"""A real OpenID Provider on 127.0.0.1 for the sign-in tests: panva's oidc-provider under Node.js.

`make test` installs it (`npm ci` in tests/oidc_provider). Where Node.js or the package is
missing, `provider_unavailable()` says why and the tests that need it skip with that reason.
`LoginDriver` plays the person at the provider's own login page with plain HTTP (the e2e test
uses Chromium instead).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

HERE = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_SECRET = "test-client-secret-that-is-long-enough-for-hs256-0123456789"


def provider_unavailable() -> str | None:
    """Why the provider cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "Node.js is not installed (the OpenID Provider of the tests runs on it)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider is not installed: `make test` installs it (npm ci)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Provider:
    issuer: str

    def app_settings(self, client_id: str = "pulse", **overrides) -> dict:
        settings = {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": client_id,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email",
        }
        settings.update(overrides)
        return settings


@contextlib.contextmanager
def running_provider(
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    clock_offset_seconds: int = 0,
) -> Iterator[Provider]:
    """Start the provider, wait until it listens, stop it afterwards."""
    port = _free_port()
    settings = {
        "port": port,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris or [],
        "clock_offset_seconds": clock_offset_seconds,
    }
    process = subprocess.Popen(
        ["node", str(HERE / "provider.mjs"), json.dumps(settings)],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        line = process.stdout.readline()
        if not line.startswith("ready") or time.monotonic() > deadline:
            raise RuntimeError(f"the OpenID Provider did not start: {line!r}")
        yield Provider(issuer=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


class LoginDriver:
    """A person at the provider's login page, with a browser's cookie jar (requests)."""

    def __init__(self, app_base_url: str) -> None:
        self.app_base_url = app_base_url.rstrip("/")
        self.http = requests.Session()

    def log_in(self, authorization_url: str, login: str) -> str:
        """Follow the provider's pages (login, consent) and return the app URL it sends back to.

        The URL is returned, not followed: the test decides what the app gets.
        """
        response = self.http.get(authorization_url, allow_redirects=False, timeout=10)
        for _step in range(10):
            if response.is_redirect:
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(self.app_base_url + "/"):
                    return location
                response = self.http.get(location, allow_redirects=False, timeout=10)
                continue
            form = re.search(
                r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", response.text, re.S
            )
            if form is None:
                raise AssertionError(f"no form on the provider's page: {response.text[:500]}")
            fields = dict(re.findall(r'name="([^"]+)"\s+value="([^"]*)"', form.group(2)))
            if 'name="login"' in form.group(2):
                fields.update(login=login, password="any")
            action = urljoin(response.url, form.group(1))
            response = self.http.post(action, data=fields, allow_redirects=False, timeout=10)
        raise AssertionError("the provider never sent the browser back to the app")
