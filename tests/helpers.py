"""HTTP helpers for tests: the CSRF token of a page, and reading HTML without a browser."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser


class _PageParser(HTMLParser):
    """Collects the CSRF token (form field or htmx headers) and the attributes of elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form_token: str | None = None
        self.header_token: str | None = None
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "input" and attributes.get("name") == "csrf_token" and self.form_token is None:
            self.form_token = attributes.get("value")
        if tag == "body" and attributes.get("hx-headers"):
            self.header_token = json.loads(attributes["hx-headers"]).get("X-CSRFToken")


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def csrf_token_in(html: str) -> str:
    """The CSRF token in a page: the form's hidden field, else the htmx headers on <body>."""
    page = parse_page(html)
    token = page.form_token or page.header_token
    if not token:
        raise AssertionError("no CSRF token in the page")
    return token


def csrf_token(client, path: str = "/privacy") -> str:
    """GET a page with the client (which puts a CSRF secret in its session) and read its token."""
    response = client.get(path)
    assert response.status_code < 400, (path, response.status_code)
    return csrf_token_in(response.get_data(as_text=True))


def elements(html: str, tag: str, **attributes: str | bool) -> list[dict[str, str | None]]:
    """Attributes of every <tag> whose attributes include the given ones.

    `class_="x"` matches class="x" exactly, `data_state` means data-state, and True matches an
    attribute that is present with any value (`checked=True`).
    """
    wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attributes.items()}

    def matches(attrs: dict) -> bool:
        return all(
            key in attrs if value is True else attrs.get(key) == value
            for key, value in wanted.items()
        )

    return [attrs for name, attrs in parse_page(html).elements if name == tag and matches(attrs)]


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def page_text(response) -> str:
    """The response body with HTML entities decoded (Jinja escapes apostrophes and quotes)."""
    return html.unescape(response.get_data(as_text=True))


def translated(app, message: str, **variables) -> str:
    """`message` as an anonymous visitor sees it (the default language, Danish)."""
    from flask_babel import gettext

    with app.test_request_context():
        return gettext(message, **variables)


def is_signed_in(client) -> bool:
    """The front page greets a signed-in person; others get the how-to-sign-in page."""
    response = client.get("/")
    assert response.status_code == 200
    return bool(elements(response.get_data(as_text=True), "h1", class_="greeting"))
