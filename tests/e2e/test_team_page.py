"""The TRIO page in a real browser: same figures for leader and TR, 404 for others, no number
for a suppressed team, an AMR's action on an employee's home page, and an accessibility audit."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.e2e


def sign_in(browser, url: str, viewport=None):
    options = dict(PHONE)
    if viewport:
        options = {"viewport": viewport}
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def unit_ids(live_server):
    """The TRIO links' workplace, one of its small teams, another workplace's leader, and an
    employee of the workplace."""
    from pulse.extensions import db
    from pulse.models import Membership, RoleAssignment, Unit

    with live_server.app.app_context():
        workplace = db.session.scalar(select(Unit).where(Unit.name == "Plejecenter Egebakken"))
        small = db.session.scalar(select(Unit).where(Unit.name == "Nattevagten"))
        other = db.session.scalar(select(Unit).where(Unit.name == "Hjemmeplejen Nord"))
        other_leader = db.session.scalar(
            select(RoleAssignment.person_id).where(
                RoleAssignment.unit_id == other.id, RoleAssignment.role == "leader"
            )
        )
        employee = db.session.scalar(
            select(Membership.person_id)
            .join(Unit, Unit.id == Membership.unit_id)
            .where(Unit.parent_id == workplace.id)
            .order_by(Membership.person_id.desc())
        )
        return workplace.id, small.id, other_leader, employee


def trend_table(page) -> list[str]:
    return page.locator("#trend table").inner_text().split()


def serious(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_trio_page_end_to_end(live_server, browser, screenshot):
    links = live_server.links()
    workplace_id, small_id, other_leader_id, employee_id = unit_ids(live_server)
    team_url = f"{live_server.url}/team/{workplace_id}"

    leader_context, leader = sign_in(browser, links["leader"][2])
    leader.goto(team_url)
    leader.wait_for_selector("#trend .chart .main-svg")  # plotly drew the chart
    screenshot(leader, "10-team-phone.png")
    leader_figures = trend_table(leader)

    tr_context, tr = sign_in(browser, links["TR (shop steward)"][2])
    tr.goto(team_url)
    assert trend_table(tr) == leader_figures

    # Switching theme swaps only the trend (htmx), and both still agree.
    leader.get_by_role("link", name=re.compile("handlerum", re.I)).first.click()
    leader.locator("#trend [aria-current]", has_text="handlerum").wait_for()

    # A suppressed team shows no number of its own.
    leader.goto(f"{live_server.url}/team/{small_id}")
    cells = leader.locator("td:not(.parent)").all_inner_texts()
    assert cells and not [c for c in cells if re.search(r"\d", c)], cells

    # Another workplace's leader gets 404.
    other_context, other = sign_in(browser, live_server.link_for(other_leader_id))
    response = other.goto(team_url)
    assert response.status == 404

    # The AMR adds an action; an employee of the workplace sees it on the home page.
    amr_context, amr = sign_in(browser, links["AMR (health and safety rep)"][2])
    amr.goto(team_url)
    form = amr.locator("#actions form").last
    form.get_by_label(re.compile("Hvad vil I gøre|What will you do", re.I)).fill(
        "Fælles pause kl. 10"
    )
    form.get_by_role("button").click()
    amr.wait_for_selector("#actions details summary:has-text('Fælles pause kl. 10')")
    employee_context, employee = sign_in(browser, live_server.link_for(employee_id))
    assert "Fælles pause kl. 10" in employee.locator("main").inner_text()

    # Accessibility: no serious or critical violation on the team page and the home page.
    assert serious(Axe().run(leader)) == []
    leader.goto(team_url)
    leader.wait_for_selector("#trend .chart .main-svg")
    assert serious(Axe().run(leader)) == []
    assert serious(Axe().run(employee)) == []

    desktop_context, desktop = sign_in(
        browser,
        live_server.link_for(_leader_id(live_server, workplace_id)),
        viewport={"width": 1280, "height": 900},
    )
    desktop.goto(team_url)
    desktop.wait_for_selector("#trend .chart .main-svg")
    screenshot(desktop, "11-team-desktop.png")
    for context in (
        leader_context,
        tr_context,
        other_context,
        amr_context,
        employee_context,
        desktop_context,
    ):
        context.close()


def _leader_id(live_server, workplace_id: int) -> int:
    from pulse.extensions import db
    from pulse.models import RoleAssignment

    with live_server.app.app_context():
        return db.session.scalar(
            select(RoleAssignment.person_id).where(
                RoleAssignment.unit_id == workplace_id, RoleAssignment.role == "leader"
            )
        )
