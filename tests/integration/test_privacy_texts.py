"""Every text that states k says the round's own setting (the organisation's where there is no
round), so a two-party change of k shows up in the texts of the rounds that follow it."""

from __future__ import annotations

import uuid

from pulse.extensions import db
from pulse.governance.rules import decide, propose
from pulse.models import Organisation, Person
from pulse.timeutil import utcnow
from tests.factories import make_round, sign_in
from tests.helpers import csrf_token, page_text, translated

THANKS = (
    "Your team's results are shared when the round is released, and only if at least %(num)d "
    "people answered."
)
COMMENT_HINT = (
    "Shown without a date, in random order, only after the round is released and only if at "
    "least %(num)d people answered. Don't write anything that gives you away."
)
PRIVACY = (
    "Your team's leader, TR and AMR see the same figures, and only after the round has closed "
    "and been released. A figure is shown only when at least %(k)d people answered (%(k_member)d "
    "for a group the reader belongs to). Comments are shown only when at least %(comment_k)d "
    "answered, undated and in random order."
)


def change_setting(app, world, setting: str, value: int) -> None:
    """The leader proposes, the TR approves: the change applies to rounds opened from now on."""
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        leader = db.session.get(Person, world.leader_id)
        tr = db.session.get(Person, world.team_a_ids[1])
        change = propose(organisation, leader, "management", setting, value, utcnow())
        db.session.commit()
        decide(change, tr, True, utcnow())
        db.session.commit()


def open_new_round(app, world) -> int:
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        workplace = next(u for u in organisation.units if u.id == world.workplace_id)
        round_id = make_round(organisation, [workplace]).id
        db.session.commit()
    return round_id


def answer(client, round_id: int):
    path = f"/pulse/{round_id}"
    token = csrf_token(client, path)
    data = {"submission_key": uuid.uuid4().hex, "audience": "trio", "comment": ""}
    return client.post(path, data={**data, "csrf_token": token, "q_vt_trusted": "4"})


def test_after_k_changes_to_7_the_thank_you_page_says_7(app, client, world):
    change_setting(app, world, "min_group_size", 7)
    round_id = open_new_round(app, world)
    sign_in(client, world.alice)

    response = answer(client, round_id)

    assert response.status_code == 200
    text = page_text(response)
    assert translated(app, THANKS, num=7) in text
    assert translated(app, THANKS, num=5) not in text


def test_a_round_opened_before_the_change_keeps_its_own_k_in_its_texts(app, client, world):
    change_setting(app, world, "min_group_size", 7)
    sign_in(client, world.alice)

    response = answer(client, world.round_id)

    assert translated(app, THANKS, num=5) in page_text(response)


def test_the_comment_hint_says_the_rounds_comment_k(app, client, world):
    change_setting(app, world, "min_comment_group_size", 12)
    round_id = open_new_round(app, world)
    sign_in(client, world.alice)

    new_form = page_text(client.get(f"/pulse/{round_id}"))
    old_form = page_text(client.get(f"/pulse/{world.round_id}"))

    assert translated(app, COMMENT_HINT, num=12) in new_form
    assert translated(app, COMMENT_HINT, num=10) in old_form


def test_the_privacy_page_says_the_organisations_settings(app, client, world):
    assert translated(app, PRIVACY, k=5, k_member=6, comment_k=10) in page_text(
        client.get("/privacy")
    )
    change_setting(app, world, "min_group_size", 7)
    sign_in(client, world.alice)

    text = page_text(client.get("/privacy"))

    assert translated(app, PRIVACY, k=7, k_member=8, comment_k=10) in text
