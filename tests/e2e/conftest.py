"""Browser tests: the real app on a real HTTP server, driven by Chromium on a phone viewport.

Self-contained on purpose (nothing from tests/conftest.py): a fresh SQLite database in a temporary
directory, migrated by Alembic and seeded with the demo municipality, served by werkzeug in a
daemon thread for the whole session. Sign-in links come from the real `flask pulse links` code.

Chromium comes from the system packages (/usr/bin/chromium, or PULSE_CHROMIUM); Playwright's own
browser download is not used.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import preserved_logging

ROOT = Path(__file__).resolve().parents[2]
# `make install` installs the app (pip install -e .); a bare checkout's venv may not have it yet.
if importlib.util.find_spec("pulse") is None:
    sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: A mid-sized phone (iPhone 12-15 class): CSS viewport 390 x 844 at 2x.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "da-DK",
}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


# --------------------------------------------------------------------------------------------
# The live server


@dataclass
class LiveServer:
    """The running app: its URL, the Flask app (for database checks) and the demo's people."""

    url: str
    app: object
    #: CLI output of `flask pulse links --demo`: role -> (name, unit, URL). Single-use links.
    demo_links: dict[str, tuple[str, str, str]]
    demo_employee_id: int
    _handed_out: set[int] = field(default_factory=set)

    def links(self) -> dict[str, tuple[str, str, str]]:
        """Fresh links for the demo users, through the CLI exactly as `make run` prints them."""
        return run_links_cli(self.app)

    def open_round_id(self, person_id: int) -> int:
        return open_round_id(self.app, person_id)

    def link_for(self, person_id: int) -> str:
        """A new sign-in link for this person."""
        from pulse.auth.tokens import issue_sign_in_token
        from pulse.extensions import db
        from pulse.models import Person

        with self.app.app_context():
            token = issue_sign_in_token(db.session.get(Person, person_id), valid_days=1)
            db.session.commit()
        return f"{self.url}/login/{token}"

    def fresh_employee_link(self) -> tuple[int, str]:
        """A new sign-in link for an invited member of the open round who has not answered yet.

        Never the demo employee (test 1 uses that one) and never the same person twice in a
        session, so tests don't depend on each other's order.
        """
        from sqlalchemy import select

        from pulse.auth.tokens import issue_sign_in_token
        from pulse.extensions import db
        from pulse.models import Participation, Person, RoundMember

        with self.app.app_context():
            round_id = open_round_id(self.app, self.demo_employee_id)
            answered = select(Participation.person_id).where(Participation.round_id == round_id)
            candidates = db.session.scalars(
                select(RoundMember.person_id)
                .where(RoundMember.round_id == round_id, RoundMember.person_id.not_in(answered))
                .order_by(RoundMember.person_id)
            ).all()
            person_id = next(
                pid
                for pid in candidates
                if pid != self.demo_employee_id and pid not in self._handed_out
            )
            self._handed_out.add(person_id)
            token = issue_sign_in_token(db.session.get(Person, person_id), valid_days=1)
            db.session.commit()
        return person_id, f"{self.url}/login/{token}"


def run_links_cli(app) -> dict[str, tuple[str, str, str]]:
    """`flask pulse links --demo`: tab-separated "name, role, unit, URL" lines, keyed by role."""
    result = app.test_cli_runner().invoke(args=["pulse", "links", "--demo"])
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.output.splitlines():
        name, role, unit, url = line.split("\t")
        rows[role] = (name, unit, url)
    assert "employee" in rows, f"no demo employee in:\n{result.output}"
    return rows


def open_round_id(app, person_id: int) -> int:
    """The open round the person is invited to (the demo has exactly one)."""
    from pulse.extensions import db
    from pulse.invitations import open_round_for
    from pulse.models import Person
    from pulse.timeutil import utcnow

    with app.app_context():
        round_ = open_round_for(db.session.get(Person, person_id), utcnow())
        assert round_ is not None, "the demo employee has no open round"
        return round_.id


_logging_kept = preserved_logging  # Alembic's fileConfig would take pytest's log capture


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from pulse import create_app
    from pulse.demo import create_demo
    from pulse.extensions import db
    from pulse.models import Person, Round, RoundState
    from pulse.timeutil import utcnow

    tmp = tmp_path_factory.mktemp("live")
    with pytest.MonkeyPatch.context() as env:
        # Keep everything (including the instance folder) out of the working tree.
        env.setenv("PULSE_INSTANCE_PATH", str(tmp / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "e2e-not-secret",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}",
                "PULSE_BASE_URL": "http://127.0.0.1:0",  # replaced once the port is known
                # Plain http on 127.0.0.1: no Secure cookie, hence no __Host- prefix.
                "SESSION_COOKIE_SECURE": False,
                "SESSION_COOKIE_NAME": "pulse_session",
                "WTF_CSRF_SSL_STRICT": False,
            }
        )

    with app.app_context():
        with _logging_kept():
            upgrade()
        create_demo()
        # The demo's open round runs Monday 08:00 to Sunday 20:00 (UTC). Between Sunday 20:00
        # and Monday 08:00 it is still "open" but no longer accepts answers, and the employee
        # would see no pulse. Keep the browser tests independent of the day of the week.
        now = utcnow()
        for round_ in db.session.scalars(select(Round).where(Round.state == RoundState.OPEN)):
            if round_.closes_at <= now:
                round_.closes_at = now + timedelta(days=1)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PULSE_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        links = run_links_cli(app)
        with app.app_context():
            employee_name = links["employee"][0]
            employee_id = db.session.scalar(select(Person.id).where(Person.name == employee_name))
        yield LiveServer(url=url, app=app, demo_links=links, demo_employee_id=employee_id)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# --------------------------------------------------------------------------------------------
# The browser


def _chromium_path() -> str:
    path = os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        message = f"Chromium not found at {path} (make test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message + "; the browser tests must run in CI.", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session", autouse=True)
def chromium_executable() -> str:
    """Checked first (autouse), so a missing browser skips before the demo is seeded."""
    return _chromium_path()


#: Console text Chromium logs for a Content-Security-Policy violation.
CSP_CONSOLE_TEXT = re.compile(r"Content Security Policy|Refused to (apply|execute|load)", re.I)


@dataclass
class Watch:
    """What one browser context complained about: CSP violations and JavaScript errors."""

    csp_violations: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def complaints(self) -> list[str]:
        return self.errors + [
            "CSP violation: {directive} blocked {blocked} at {source}:{line}".format(**v)
            for v in self.csp_violations
        ]


#: The watches of the contexts opened during the running test (checked when it ends).
WATCHES: list[Watch] = []


def watch(context) -> Watch:
    """Report every CSP violation (the `securitypolicyviolation` event, or Chromium's console
    text for one) and every uncaught JavaScript error in any page of this context."""
    seen = Watch()
    WATCHES.append(seen)

    def on_page(page) -> None:
        page.on("pageerror", lambda error: seen.errors.append(f"JS error on {page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                seen.errors.append(f"console on {page.url}: {message.text}")
                if message.type == "error" and CSP_CONSOLE_TEXT.search(message.text)
                else None
            ),
        )

    context.expose_binding(
        "__reportCspViolation", lambda _source, report: seen.csp_violations.append(report)
    )
    context.add_init_script(CSP_LISTENER)
    context.on("page", on_page)
    return seen


class WatchedBrowser:
    """The browser, with every new context watched (see `watch`)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.pulse_watch = watch(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violation_or_js_error() -> Iterator[None]:
    """Fails any browser test during which a page broke the CSP or threw a JavaScript error."""
    WATCHES.clear()
    yield
    complaints = [c for seen in WATCHES for c in seen.complaints()]
    WATCHES.clear()
    if complaints:
        pytest.fail("The browser complained:\n" + "\n".join(complaints), pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium_executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield WatchedBrowser(browser)
        finally:
            browser.close()


@dataclass
class Phone:
    """A page on a phone-sized browser context, with everything the page complained about."""

    page: object
    watch: Watch | None = None
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)

    def forget_deliberate_violations(self) -> None:
        """After a test broke the CSP on purpose: not a fault of the page."""
        self.csp_violations.clear()
        if self.watch is not None:
            self.watch.errors.clear()

    def complaints(self) -> list[str]:
        return (
            [f"console: {m}" for m in self.console]
            + [f"page error: {e}" for e in self.page_errors]
            + [
                "CSP violation: {directive} blocked {blocked} at {source}:{line}".format(**v)
                for v in self.csp_violations
            ]
        )


#: Runs in every document before its own scripts; reports CSP violations to the test (each
#: browser context exposes `__reportCspViolation`, see `watch`).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture
def phone(browser) -> Iterator[Phone]:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # The context's watch collects CSP violations; the phone shares its list, so a test that
    # causes one on purpose can check it and then clear it.
    phone = Phone(page=page, watch=context.pulse_watch)
    phone.csp_violations = phone.watch.csp_violations
    page.on("console", lambda msg: phone.console.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda error: phone.page_errors.append(str(error)))
    try:
        yield phone
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[object, str], Path]:
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
