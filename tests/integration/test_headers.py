"""Security headers on every page: strict CSP, no framing, no caching."""

from __future__ import annotations

import pytest

from tests.factories import sign_in


@pytest.fixture
def signed_in(client, world):
    sign_in(client, world.alice)
    return client


def pages(world) -> list[str]:
    return ["/", f"/pulse/{world.round_id}", "/settings", "/privacy", "/no-such-page"]


def test_every_page_has_a_strict_content_security_policy(signed_in, world):
    for path in pages(world):
        response = signed_in.get(path)
        policy = response.headers["Content-Security-Policy"]
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";"))
        )
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert directives["script-src"] == "'self'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        # The sign-in token in a path must never reach another site.
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), path


def test_personal_pages_are_never_cached(signed_in, world):
    for path in pages(world):
        assert signed_in.get(path).headers["Cache-Control"] == "no-store", path


def test_pages_have_no_inline_script_or_style(signed_in, world):
    for path in pages(world):
        html = signed_in.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert " onclick=" not in html and "javascript:" not in html, path
