"""WHO-5 on the device: after answering all five items, the thank-you shows the person's own
0-100 score, computed in the browser; nothing of it reaches the server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

WHO5 = [f"who5_{i}" for i in range(1, 6)]


def who5_round_for_a_new_person(server) -> tuple[int, str]:
    """A small team of its own (so the demo's round and people are untouched) with an open
    round asking the five WHO-5 items; returns the round id and a sign-in link."""
    from datetime import timedelta

    from sqlalchemy import select

    from pulse.auth.tokens import issue_sign_in_token
    from pulse.extensions import db
    from pulse.models import Membership, Organisation, Person, Unit
    from pulse.rounds import create_round, open_round
    from pulse.timeutil import utcnow

    with server.app.app_context():
        organisation = db.session.scalar(select(Organisation).order_by(Organisation.id))
        root = db.session.scalar(
            select(Unit).where(Unit.organisation_id == organisation.id, Unit.parent_id.is_(None))
        )
        team = Unit(organisation_id=organisation.id, parent=root, name="WHO-5 e2e", kind="team")
        person = Person(organisation_id=organisation.id, name="Wenche Who")
        db.session.add_all([team, person])
        db.session.flush()
        db.session.add(Membership(person_id=person.id, unit_id=team.id))
        now = utcnow()
        round_ = create_round(organisation, WHO5, now - timedelta(hours=1), now + timedelta(days=2))
        open_round(round_, [team.id])
        token = issue_sign_in_token(person, valid_days=1)
        db.session.commit()
        return round_.id, f"{server.url}/login/{token}"


def test_who5_score_is_shown_from_the_answers_and_never_sent(live_server, phone, screenshot):
    page, server = phone.page, live_server
    round_id, link = who5_round_for_a_new_person(server)
    page.goto(link)
    page.locator("main form button[type=submit]").tap()
    page.wait_for_url(f"{server.url}/")

    page.goto(f"{server.url}/pulse/{round_id}")
    values = [5, 4, 3, 2, 1]  # sum 15 -> 60
    for item, value in zip(WHO5, values, strict=True):
        choice = page.locator(f'label.choice:has(input[name="q_{item}"][value="{value}"])')
        choice.scroll_into_view_if_needed()
        choice.tap()
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.post_data or ""))
    page.locator("form button[type=submit]").tap()
    result = page.locator("[data-who5-result]")
    result.wait_for(state="visible")
    assert page.locator("[data-state=thanks]").count() == 1
    assert result.locator("[data-who5-score]").inner_text() == "60"
    visible = [
        band.get_attribute("data-who5-band")
        for band in result.locator("[data-who5-band]").all()
        if band.is_visible()
    ]
    assert visible == ["good"]
    screenshot(page, "who5-thanks.png")

    # The only request was the answers themselves; the score went nowhere.
    assert len(posted) == 1
    from urllib.parse import parse_qs

    fields = parse_qs(posted[0])
    assert not any("score" in name or "who5" in name and "q_" not in name for name in fields)
    # Only the form's own fields went: the answers, the key, CSRF, audience and comment.
    assert "60" not in [value for values in fields.values() for value in values]
    assert page.evaluate("() => sessionStorage.getItem('tillidspuls-who5')") is None
    assert phone.complaints() == []


def test_no_score_when_a_who5_item_is_skipped(live_server, phone):
    page, server = phone.page, live_server
    round_id, link = who5_round_for_a_new_person(server)
    page.goto(link)
    page.locator("main form button[type=submit]").tap()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/pulse/{round_id}")
    for item in WHO5[:4]:
        page.locator(f'label.choice:has(input[name="q_{item}"][value="1"])').tap()
    page.locator('label.choice.skip:has(input[name="q_who5_5"])').tap()
    page.locator("form button[type=submit]").tap()
    page.locator("[data-state=thanks]").wait_for()
    assert page.locator("[data-who5-result]").is_hidden()
    assert phone.complaints() == []
