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


# -- Every interactive control of the team page keeps the charts drawn -------------------------
# htmx replaces a section (outerHTML); plotly must draw into the new element every time. The
# graph div's `data` is what plotly drew, so it is read from the page itself.

CHART_POINTS = """(selector) => {
  const element = document.querySelector(selector);
  if (!element || !element.data || !element.querySelector('.main-svg')) return -1;
  return Math.max(0, ...element.data.map((trace) => (trace.x || []).length));
}"""


def chart_points(page, selector: str) -> int:
    """How many points (categories) the chart at `selector` drew; -1 when it drew nothing."""
    # A function with an argument, not an expression: Playwright would eval() an expression,
    # which the page's CSP refuses (and the browser watch would report).
    page.wait_for_function(f"(selector) => ({CHART_POINTS})(selector) > 0", arg=selector)
    return page.evaluate(CHART_POINTS, selector)


MARK_STALE = """(s) => {
  document.querySelector(s).dataset.stale = 'yes';
  window.swapSettled = false;
  document.addEventListener('htmx:afterSettle', () => { window.swapSettled = true; }, {once: true});
}"""

SWAPPED = """(s) => {
  const e = document.querySelector(s);
  return e && !e.dataset.stale && window.swapSettled;
}"""


def swap(page, selector: str, action) -> None:
    """Do `action` and wait until htmx has replaced the element at `selector` and settled.

    The new element is in the page before htmx has bound its triggers (that happens when the
    swap settles); a change made in between fires no request, so the wait covers the settle too.
    """
    page.evaluate(MARK_STALE, selector)
    action()
    page.wait_for_function(
        SWAPPED,
        arg=selector,
        timeout=30_000,  # a loaded CI machine; a swap that never comes still fails
    )


def assert_charts_hold_data(page) -> None:
    trend_rows = page.locator("#trend tbody tr").count()
    assert chart_points(page, "#trend .chart") == trend_rows
    participation_rows = page.locator("section[aria-labelledby=participation-heading] tbody tr")
    assert chart_points(page, "section[aria-labelledby=participation-heading] .chart") == (
        participation_rows.count()
    )


def open_team_page(live_server, browser, role: str = "leader", viewport=None):
    workplace_id = unit_ids(live_server)[0]
    context, page = sign_in(browser, live_server.links()[role][2], viewport)
    page.goto(f"{live_server.url}/team/{workplace_id}")
    assert_charts_hold_data(page)
    return context, page


def test_every_theme_tab_keeps_a_chart_with_data(live_server, browser):
    context, page = open_team_page(live_server, browser)
    names = page.locator("#trend nav.tabs a").all_inner_texts()
    assert len(names) >= 5, names
    for name in [*names[1:], names[0]]:
        page.locator("#trend nav.tabs").get_by_role("link", name=name, exact=True).click()
        page.locator("#trend nav.tabs a[aria-current]").filter(
            has_text=re.compile(f"^{re.escape(name)}$")
        ).wait_for()
        assert page.locator("#trend caption").inner_text().startswith(name)
        assert_charts_hold_data(page)
    context.close()


def test_switching_the_round_keeps_the_charts(live_server, browser):
    context, page = open_team_page(live_server, browser)
    select = page.locator("#comments select[name=round]")
    rounds = select.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
    assert len(rounds) >= 3
    # Every other round, then back to the one shown first. (The page opens on the round whose
    # comments it can show, not always the newest: selecting the option already selected would
    # fire no change and swap nothing.)
    shown_first = select.input_value()
    for value in [*(v for v in rounds if v != shown_first), shown_first]:
        swap(page, "#comments", lambda value=value: select.select_option(value))
        assert page.locator("#comments select[name=round]").input_value() == value
        assert_charts_hold_data(page)
    context.close()


def test_creating_and_editing_an_action_keeps_the_charts(live_server, browser):
    context, page = open_team_page(live_server, browser, role="TR (shop steward)")
    title = "Tavlemøde om vagtplanen"
    form = page.locator("#actions .new-action form")
    form.get_by_label(re.compile("Hvad vil I gøre", re.I)).fill(title)
    form.get_by_label(re.compile("Følg op den", re.I)).fill("2031-03-14")
    form.get_by_role("button").click()
    summary = page.locator("#actions details summary", has_text=title)
    summary.wait_for()
    # The follow-up date is in another year: it says so, in Danish.
    assert "14. mar. 2031" in summary.inner_text().replace("\xa0", " ")
    assert_charts_hold_data(page)

    summary.click()
    details = page.locator("#actions details", has_text=title)
    details.get_by_label(re.compile("^Status", re.I)).select_option(index=1)
    details.get_by_label(re.compile("Note", re.I)).fill("Aftalt på personalemødet")
    details.get_by_role("button").click()
    page.locator("#actions details", has_text=title).locator(
        "li", has_text="Aftalt på personalemødet"
    ).wait_for(state="attached")
    assert_charts_hold_data(page)
    context.close()


def test_comments_for_representatives_only_reach_tr_and_amr(live_server, browser):
    """The comments section, as the leader and as the TR see it, round by round: the TR sees
    everything the leader sees and the comments addressed only to TR and AMR."""
    leader_context, leader = open_team_page(live_server, browser, role="leader")
    tr_context, tr = open_team_page(live_server, browser, role="TR (shop steward)")
    rounds = leader.locator("#comments select option").evaluate_all(
        "(options) => options.map((o) => o.value)"
    )
    extra = 0
    for value in rounds[:6]:
        seen = {}
        for name, page in (("leader", leader), ("tr", tr)):
            select = page.locator("#comments select[name=round]")
            swap(page, "#comments", lambda s=select, v=value: s.select_option(v))
            seen[name] = sorted(page.locator("#comments ul.comments li").all_inner_texts())
            assert_charts_hold_data(page)
        assert set(seen["leader"]) <= set(seen["tr"]), value
        extra += len(seen["tr"]) - len(seen["leader"])
        if seen["tr"]:
            assert "TR" in tr.locator("#comments .hint").inner_text()
    assert extra > 0, "no round had a comment addressed only to TR and AMR"
    leader_context.close()
    tr_context.close()


# -- Small phones and accessibility -----------------------------------------------------------

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_pages_fit_a_small_phone_and_pass_the_accessibility_audit(live_server, browser):
    """At 320 px nothing scrolls sideways but a table that says it does; axe finds no serious
    or critical violation on the home, team, privacy-settings and cards pages."""
    workplace_id = unit_ids(live_server)[0]
    small = {"width": 320, "height": 640}
    links = live_server.links()
    checked = []

    def check(page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at 320 px"
        for region in page.locator(".table-scroll").all():
            assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
        assert serious(Axe().run(page)) == [], name
        checked.append(name)

    employee_context, employee = sign_in(browser, links["employee"][2], small)
    assert employee.locator("section[aria-labelledby=history-heading] meter").count() > 0
    check(employee, "home")

    tr_context, tr = sign_in(browser, links["TR (shop steward)"][2], small)
    tr.goto(f"{live_server.url}/team/{workplace_id}")
    assert_charts_hold_data(tr)
    check(tr, "team")
    tr.goto(f"{live_server.url}/team/{workplace_id}/dialogue-cards")
    assert tr.locator(".dialogue-card").count() >= 7
    assert tr.get_by_role("button", name=re.compile("Udskriv kortene")).count() == 1
    check(tr, "dialogue cards")
    tr.goto(f"{live_server.url}/privacy-settings")
    assert tr.locator("input[type=number][min][max]").count() == 2
    assert tr.locator("input[type=checkbox][role=switch]").count() == 1
    check(tr, "privacy settings")

    admin_context, admin = sign_in(browser, links["administrator"][2], small)
    admin.goto(f"{live_server.url}/cards/")
    check(admin, "QR card teams")
    admin.locator("form", has_text="Nattevagten").get_by_role("button").first.click()
    admin.wait_for_selector("article.invite")
    check(admin, "QR cards")
    assert len(checked) == 6
    for context in (employee_context, tr_context, admin_context):
        context.close()
