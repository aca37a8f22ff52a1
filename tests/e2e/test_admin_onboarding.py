"""Onboarding a real organisation in a real browser, on an empty database (no demo):

the sample CSV is imported with the CLI, the administrator signs in and creates a pulse plan in
the administration area, `pulse tick --now …` opens a round and e-mails the invitations (a real
SMTP server), and an imported employee signs in with the e-mailed link and answers. Then every
administration page is photographed at 390 and 1280 px (/tmp/shots-admin/) and audited by axe.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.conftest import preserved_logging
from tests.e2e.conftest import PHONE
from tests.smtp_server import local_smtp_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "docs" / "sample-organisation.csv"
SHOTS = Path("/tmp/shots-admin")
EMPLOYEE = "fatima.hussein@solbjerg.example"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]+)")


class Server:
    def __init__(self, url, app, inbox):
        self.url, self.app, self.inbox = url, app, inbox

    def cli(self, *args: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["pulse", *args])
        assert result.exit_code == 0, result.output
        return result.output


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from pulse import create_app
    from pulse.extensions import db

    tmp = tmp_path_factory.mktemp("onboarding")
    with local_smtp_server() as inbox, pytest.MonkeyPatch.context() as env:
        env.setenv("PULSE_INSTANCE_PATH", str(tmp / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "e2e-onboarding-not-secret",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'onboarding.sqlite3'}",
                "PULSE_BASE_URL": "http://127.0.0.1:0",
                "SESSION_COOKIE_SECURE": False,
                "SESSION_COOKIE_NAME": "pulse_session",
                "WTF_CSRF_SSL_STRICT": False,
                **inbox.app_settings(),
            }
        )
        with app.app_context(), preserved_logging():
            upgrade()
        http = make_server("127.0.0.1", 0, app, threaded=True)
        app.config["PULSE_BASE_URL"] = f"http://127.0.0.1:{http.server_port}"
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield Server(app.config["PULSE_BASE_URL"], app, inbox)
        finally:
            http.shutdown()
            http.server_close()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def sign_in(browser, link: str, viewport: dict | None = None):
    options = dict(PHONE) if viewport is None else {"viewport": viewport}
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def link_of(output: str, name: str) -> str:
    for line in output.splitlines():
        if line.startswith(f"{name}\t"):
            return line.split("\t")[3]
    raise AssertionError(f"no link for {name}")


def serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_onboarding_from_csv_to_an_answered_pulse(server, browser):
    from pulse.extensions import db
    from pulse.models import Participation, Person, Plan, Round, RoundState
    from pulse.timeutil import utcnow

    # 1. The organisation from the CSV file, with the command an IT person would run.
    output = server.cli("import-org", str(SAMPLE), "--yes")
    assert "40" in output

    # 2. The administrator signs in (a link printed by `pulse links`) and creates a plan whose
    #    weekday was three days ago, so the round it opens is running now.
    admin_link = link_of(server.cli("links"), "Karen Lund")
    context, page = sign_in(browser, admin_link, {"width": 1280, "height": 900})
    page.goto(f"{server.url}/admin/plans")
    local = ZoneInfo(server.app.config["PULSE_TIMEZONE"])
    opening_day = (utcnow().replace(tzinfo=ZoneInfo("UTC")) - timedelta(days=3)).astimezone(local)
    page.fill("#plan-name", "Ugentlig trivselspuls")
    page.select_option("#plan-units", label="Solbjerg Kommune")
    page.select_option("#plan-cadence", "weekly")
    page.select_option("#plan-weekday", str(opening_day.weekday()))
    page.fill("#plan-hour", "0")
    page.fill("#plan-days", "7")
    page.fill("#plan-questions", "4")
    page.locator("#plan-preview table tbody tr").first.wait_for()  # htmx: the rounds ahead
    assert page.locator("#plan-preview table tbody tr").count() == 6
    page.get_by_role("button", name=re.compile("Opret planen|Create the plan")).click()
    page.wait_for_url(re.compile(r"/admin/plans/\d+$"))
    assert page.locator("table tbody tr").count() >= 6  # the preview of the next rounds
    context.close()
    with server.app.app_context():
        plan = db.session.scalar(select(Plan))
        assert plan.name == "Ugentlig trivselspuls" and plan.active

    # 3. The scheduler: a tick a week ago schedules the round, a tick now opens it and e-mails
    #    the invitations.
    week_ago = (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    server.cli("tick", "--now", week_ago)
    server.cli("tick", "--now", utcnow().strftime("%Y-%m-%dT%H:%M"))
    with server.app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.state == RoundState.OPEN))
        assert round_ is not None
        round_id = round_.id
        employee_id = db.session.scalar(select(Person.id).where(Person.email == EMPLOYEE))

    # 4. The employee signs in with the e-mailed link and answers.
    mails = [m for m in server.inbox.received() if EMPLOYEE in m["X-Envelope-To"]]
    assert mails, "no invitation reached the employee"
    link = LINK.search(mails[0].get_body(("plain",)).get_content()).group(1)
    context, page = sign_in(browser, link)
    page.goto(f"{server.url}/pulse/{round_id}")
    questions = page.locator("form fieldset.question:not(.comment)")
    with server.app.app_context():
        asked = len(db.session.get(Round, round_id).questions)
    assert 3 <= questions.count() == asked <= 4
    for index in range(questions.count()):
        choice = questions.nth(index).locator("label.choice:not(.skip)").nth(index)
        choice.scroll_into_view_if_needed()
        choice.tap()
    page.locator("form button[type=submit]").last.tap()
    page.locator("#pulse [data-state=thanks]").wait_for()
    context.close()
    with server.app.app_context():
        answered = db.session.scalar(
            select(Participation.id).where(
                Participation.round_id == round_id, Participation.person_id == employee_id
            )
        )
        assert answered is not None


ADMIN_PAGES = [
    ("index", "/admin/"),
    ("import", "/admin/import"),
    ("units", "/admin/units"),
    ("unit", "/admin/units/{unit}"),
    ("people", "/admin/people?q=jensen"),
    ("person", "/admin/people/{person}"),
    ("person-new", "/admin/people/new"),
    ("committees", "/admin/committees"),
    ("committee", "/admin/committees/{committee}"),
    ("plans", "/admin/plans"),
    ("plan", "/admin/plans/{plan}"),
    ("sign-in", "/admin/sign-in"),
    ("audit", "/admin/audit"),
]


def test_admin_pages_at_phone_and_desktop_width_pass_axe(server, browser):
    from pulse.extensions import db
    from pulse.models import Committee, Person, Plan, Unit

    if "Karen Lund" not in server.cli("links"):
        server.cli("import-org", str(SAMPLE), "--yes")
    with server.app.app_context():
        ids = {
            "unit": db.session.scalar(select(Unit.id).where(Unit.name == "Afsnit Birk")),
            "person": db.session.scalar(
                select(Person.id).where(Person.email == "anne.jensen@solbjerg.example")
            ),
            "committee": db.session.scalar(select(Committee.id).order_by(Committee.id)),
            "plan": db.session.scalar(select(Plan.id)) or 0,
        }
    SHOTS.mkdir(exist_ok=True)
    axe = Axe()
    problems = []
    for width in (390, 1280):
        link = link_of(server.cli("links"), "Karen Lund")
        context, page = sign_in(browser, link, {"width": width, "height": 900})
        for name, path in ADMIN_PAGES:
            if name == "plan" and not ids["plan"]:
                continue
            response = page.goto(server.url + path.format(**ids))
            assert response.status == 200, path
            if name == "plans":
                page.locator("#plan-preview table").wait_for()
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            problems += [f"{path} @ {width}: {p}" for p in serious(axe.run(page))]
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{path} @ {width}: {overflow}px horizontal scroll")
        # The upload's two outcomes: a preview of the changes, and a refused file.
        reorganised = SAMPLE.read_bytes().replace(b"Afsnit Birk;tr", b"Afsnit Eg;tr")
        reorganised = reorganised.replace(b"lars.hansen@", b"lars.holm.hansen@")
        broken = SAMPLE.read_bytes().replace(b";amr;", b";boss;").replace(b"ida.holm@", b"")
        for name, data in (("import-preview", reorganised), ("import-refused", broken)):
            page.goto(f"{server.url}/admin/import")
            page.set_input_files(
                "#file", files=[{"name": "org.csv", "mimeType": "text/csv", "buffer": data}]
            )
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_load_state()
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
            problems += [f"{name} @ {width}: {p}" for p in serious(axe.run(page))]
        assert page.locator(".problems li").count() >= 3
        context.close()
    assert not problems, "\n".join(problems)


def test_a_large_organisation_moves_a_person_with_the_unit_picker(server, browser):
    """Above PULSE_ADMIN_UNIT_SELECT_MAX open units the person page offers a search instead of
    one long select box: type, see the matches, choose one (Enter searches, never submits)."""
    from pulse.extensions import db
    from pulse.models import Person

    if "Karen Lund" not in server.cli("links"):
        server.cli("import-org", str(SAMPLE), "--yes")
    with server.app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == EMPLOYEE))
        person_id = person.id
    server.app.config["PULSE_ADMIN_UNIT_SELECT_MAX"] = 3
    try:
        context, page = sign_in(browser, link_of(server.cli("links"), "Karen Lund"))
        page.goto(f"{server.url}/admin/people/{person_id}")
        search = page.locator("#move")
        current = page.locator("#move-matches input[type=radio]:checked")
        assert current.count() == 1  # the person's own unit, chosen
        search.fill("birk")
        search.press("Enter")  # searches now; the form is not sent
        choice = page.locator("#move-matches label", has_text="Afsnit Birk")
        choice.wait_for()
        assert page.url.endswith(f"/admin/people/{person_id}")
        page.screenshot(path=str(SHOTS / "unit-picker-390.png"), full_page=True)
        assert not serious(Axe().run(page))
        choice.click()
        page.locator("#move").locator("xpath=ancestor::form").get_by_role("button").click()
        page.wait_for_load_state()
        assert (
            page.locator("#move-matches label", has_text="Afsnit Birk")
            .locator("input")
            .is_checked()
        )
        context.close()
    finally:
        server.app.config["PULSE_ADMIN_UNIT_SELECT_MAX"] = 300
    with server.app.app_context():
        moved = db.session.get(Person, person_id)
        assert moved.membership.unit.name == "Afsnit Birk"
