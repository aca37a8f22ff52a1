"""The MED committee's quarterly summary in a real browser: the demo MED member signs in, finds
the committee from the home page, reads the summary on a phone and on a desktop (charts drawn
under the strict CSP), downloads the PDF, CSV and XLSX, and axe finds nothing serious."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.e2e

#: Screenshots and downloads to look at by hand (the closing note of the MED issue shows them).
SHOTS = Path("/tmp/shots-med")
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "da-DK"}


def serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def open_summary(page, sign_in_url: str) -> None:
    """Sign in, follow the home page's link to the committee, open its newest quarter."""
    page.goto(sign_in_url)
    page.get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name=re.compile("Medlem af Hoved-MED")).click()
    page.wait_for_url(re.compile(r"/med/\d+$"))
    quarters = page.locator("main a.list-link")
    assert quarters.count() >= 2  # the demo has released rounds in two quarters at least
    quarters.first.click()
    page.wait_for_url(re.compile(r"/med/\d+/\d{4}-Q[1-4]$"))
    page.wait_for_selector("#chart-area .main-svg")  # plotly drew the chart


def test_the_med_member_reads_and_downloads_the_quarterly_summary(live_server, phone, browser):
    SHOTS.mkdir(exist_ok=True)
    links = live_server.links()
    name, _unit, url = links["MED committee member"]
    _assert_not_a_leader(live_server, name)

    page = phone.page
    open_summary(page, url)
    text = page.locator("main").inner_text()
    assert "Kvartalsoversigt" in text and "Kræver opmærksomhed" in text
    page.screenshot(path=str(SHOTS / "summary-phone.png"), full_page=True)
    assert phone.complaints() == []
    # Nothing sticks out sideways on a phone: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious(Axe().run(page)) == []

    for label, suffix, magic in (
        ("PDF til mødet", ".pdf", b"%PDF"),
        ("CSV", ".csv", "\ufeff".encode()),
        ("XLSX", ".xlsx", b"PK"),
    ):
        with page.expect_download() as download_info:
            page.get_by_role("link", name=label, exact=True).click()
        download = download_info.value
        assert download.suggested_filename.endswith(suffix)
        target = SHOTS / f"download{suffix}"
        download.save_as(str(target))
        assert target.read_bytes().startswith(magic)

    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(15_000)
    try:
        desktop = context.new_page()
        open_summary(desktop, live_server.link_for(_person_id(live_server, name)))
        desktop.screenshot(path=str(SHOTS / "summary-desktop.png"), full_page=True)
        assert serious(Axe().run(desktop)) == []
    finally:
        context.close()


def _person_id(live_server, name: str) -> int:
    from sqlalchemy import select

    from pulse.extensions import db
    from pulse.models import Person

    with live_server.app.app_context():
        return db.session.scalar(select(Person.id).where(Person.name == name))


def _assert_not_a_leader(live_server, name: str) -> None:
    from pulse.extensions import db
    from pulse.models import Person

    with live_server.app.app_context():
        person = db.session.get(Person, _person_id(live_server, name))
        assert person.committees
        assert "leader" not in {r.role for r in person.roles}
