"""The sign-in log in a real browser: a TR sees the links made for their unit, the home page says
when a link was last made for the person, and both pass the accessibility audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.test_pwa import serious_violations

pytestmark = pytest.mark.e2e


def test_the_tr_reads_the_sign_in_log_of_their_unit(live_server, phone):
    from pulse.extensions import db
    from pulse.models import Person, RoleAssignment

    page, server = phone.page, live_server
    links = server.links()  # `pulse links --demo`: each link issued is an audit row
    name, _unit, url = links["TR (shop steward)"]
    with server.app.app_context():
        person = db.session.scalar(select(Person).where(Person.name == name))
        unit_id = db.session.scalar(
            select(RoleAssignment.unit_id).where(
                RoleAssignment.person_id == person.id, RoleAssignment.role == "tr"
            )
        )
        db.session.remove()

    page.goto(url)
    page.locator("main form button[type=submit]").tap()
    page.wait_for_url(f"{server.url}/")
    notice = page.locator("p.last-issued")
    assert notice.is_visible()
    assert serious_violations(page) == []

    page.goto(f"{server.url}/team/{unit_id}")
    page.locator(f'a[href="/sign-in-log/{unit_id}"]').click()
    page.wait_for_url(f"{server.url}/sign-in-log/{unit_id}")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    assert name in page.locator("table").inner_text()
    assert serious_violations(page) == []
    assert phone.complaints() == []
