"""The installable app on a phone: service worker, offline answering sent exactly once, push.

Each test checks the server's database, not the page, for what was stored.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.e2e

#: Is `path` kept in one of the worker's page caches?
KEPT = """async (path) => {
    for (const name of await caches.keys()) {
        if (name.startsWith('pulse-pages-') && await (await caches.open(name)).match(path)) {
            return true;
        }
    }
    return false;
}"""
NOTIFICATIONS = """async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
}"""


def serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page."""
    from axe_playwright_python.sync_playwright import Axe

    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page, server, link: str) -> None:
    page.goto(link)
    page.locator("main form button[type=submit]").tap()
    page.wait_for_url(f"{server.url}/")


def wait_for_worker(page) -> None:
    """The service worker is active and controls this page."""
    try:
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    except Exception:
        state = page.evaluate(
            """async () => {
                const r = await navigator.serviceWorker.getRegistration();
                return r ? {installing: r.installing && r.installing.state,
                            waiting: r.waiting && r.waiting.state,
                            active: r.active && r.active.state, url: location.href} : null;
            }"""
        )
        raise AssertionError(f"no service worker controls the page: {state}") from None


def answer_all(page) -> int:
    questions = page.locator("form fieldset.question:not(.comment)")
    for index in range(questions.count()):
        choices = questions.nth(index).locator("label.choice:not(.skip)")
        choice = choices.nth(index % choices.count())
        choice.scroll_into_view_if_needed()
        choice.tap()
    return questions.count()


def outbox_count(page) -> int:
    return page.evaluate("() => PulseOutbox.count()")


def stored(server, round_id: int, person_id: int) -> tuple[int, int]:
    """This person's participations in the round, and all answers to it."""
    from pulse.extensions import db
    from pulse.models import Participation
    from tests.sealed import opened_boxes

    with server.app.app_context():
        participations = db.session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == round_id, Participation.person_id == person_id)
        )
        answers = sum(len(box.answers) for box in opened_boxes(round_id))
        db.session.remove()
    return participations, answers


def wait_until(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def worker_registration(page, server):
    """A DevTools session on the page, and the id of the service worker's registration."""
    registrations: list[dict] = []
    cdp = page.context.new_cdp_session(page)
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    scope = f"{server.url}/"
    wait_until(
        lambda: (page.wait_for_timeout(50), any(r["scopeURL"] == scope for r in registrations))[1]
    )
    return cdp, next(r["registrationId"] for r in registrations if r["scopeURL"] == scope)


def answer_offline(page, server, round_id: int, screenshot=None) -> int:
    """Open the app without a connection, go to the kept pulse, answer it; how many answered."""
    wait_for_worker(page)
    wait_until(lambda: page.evaluate(KEPT, f"/pulse/{round_id}"))
    page.context.set_offline(True)
    page.goto(f"{server.url}/")
    page.locator("[data-state=offline]").wait_for()
    page.locator(f'#offline-pages a[href="/pulse/{round_id}"]').wait_for()
    if screenshot:
        screenshot(page, "pwa-00-opened-offline.png")
    assert serious_violations(page) == []
    kept = page.locator(f'#offline-pages a[href="/pulse/{round_id}"]')
    kept.tap()
    page.wait_for_url(f"{server.url}/pulse/{round_id}")
    answered = answer_all(page)
    page.locator("form button[type=submit]").tap()
    page.locator("#pulse [data-state=saved]").wait_for()
    assert page.locator("#request-error").is_hidden()
    assert outbox_count(page) == 1
    return answered


def test_service_worker_controls_the_page_and_keeps_only_the_open_pulse(live_server, phone):
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    wait_for_worker(page)
    wait_until(lambda: page.evaluate(KEPT, f"/pulse/{round_id}"))
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) {
                    urls.push(new URL(request.url).pathname);
                }
            }
            return urls;
        }"""
    )
    personal = [url for url in cached if not url.startswith("/static/")]
    assert sorted(personal) == sorted(
        ["/offline", "/manifest.webmanifest", f"/pulse/{round_id}"]
    ), cached
    assert not phone.complaints(), "\n".join(phone.complaints())


def test_an_answer_given_offline_is_stored_exactly_once_when_back_online(
    live_server, phone, screenshot
):
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    before = stored(server, round_id, person_id)

    answered = answer_offline(page, server, round_id, screenshot)
    screenshot(page, "pwa-01-saved-offline.png")
    assert serious_violations(page) == []
    assert stored(server, round_id, person_id) == before  # nothing reached the server

    page.context.set_offline(False)  # the `online` event replays the outbox
    page.locator("#pulse [data-state=thanks]").wait_for()
    page.locator("#outbox-notices [data-outbox=sent]").wait_for()
    screenshot(page, "pwa-02-sent-when-online.png")
    after = wait_until(
        lambda: stored(server, round_id, person_id)[0] and stored(server, round_id, person_id)
    )
    assert after == (1, before[1] + answered)
    assert outbox_count(page) == 0

    # Another page load (which replays too) and the worker's Background Sync change nothing.
    page.reload()
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    assert outbox_count(page) == 0
    assert stored(server, round_id, person_id) == (1, before[1] + answered)
    assert not phone.page_errors and not phone.csp_violations, phone.complaints()


def test_an_offline_answer_for_a_round_that_closed_meanwhile_is_refused_visibly(
    live_server, phone, screenshot
):
    from pulse.extensions import db
    from pulse.models import Round
    from pulse.timeutil import utcnow

    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    before = stored(server, round_id, person_id)
    answer_offline(page, server, round_id)

    with server.app.app_context():
        round_ = db.session.get(Round, round_id)
        closes_at = round_.closes_at
        round_.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    try:
        page.context.set_offline(False)
        notice = page.locator("#outbox-notices [data-outbox=closed]")
        notice.wait_for()
        assert notice.is_visible() and notice.get_attribute("role") == "alert"
        page.locator("#pulse [data-state=closed]").wait_for()
        screenshot(page, "pwa-03-closed-meanwhile.png")
        assert outbox_count(page) == 0
        assert stored(server, round_id, person_id) == before
    finally:
        with server.app.app_context():
            db.session.get(Round, round_id).closes_at = closes_at
            db.session.commit()
            db.session.remove()


def test_a_push_message_shows_a_notification(live_server, phone):
    from pulse.extensions import db
    from pulse.models import Round
    from pulse.notify.push import round_payload

    page, server = phone.page, live_server
    page.context.grant_permissions(["notifications"], origin=server.url)
    page.goto(f"{server.url}/privacy")
    wait_for_worker(page)

    cdp, registration_id = worker_registration(page, server)

    round_id = server.open_round_id(server.demo_employee_id)
    with server.app.app_context():
        payload = round_payload(db.session.get(Round, round_id), "open", "da")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": server.url, "registrationId": registration_id, "data": json.dumps(payload)},
    )
    [shown] = wait_until(lambda: page.evaluate(NOTIFICATIONS))
    assert shown["title"] == payload["title"]
    assert shown["body"] == payload["body"]
    assert shown["tag"] == f"round-{round_id}"
    assert shown["data"] == {"url": "/"}


def test_settings_offer_notifications_and_sign_out_forgets_the_kept_pulse(
    live_server, phone, screenshot
):
    from pulse.extensions import db
    from pulse.models import PushSubscription
    from pulse.notify.push import generate_vapid_keys

    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    server.app.config["VAPID_PUBLIC_KEY"] = generate_vapid_keys()[1]
    try:
        sign_in(page, server, link)
        wait_for_worker(page)
        wait_until(lambda: page.evaluate(KEPT, f"/pulse/{round_id}"))
        page.goto(f"{server.url}/settings")
        section = page.locator("#notifications")
        section.wait_for()
        button = section.locator("[data-push-on]")
        assert button.is_visible()
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        section.scroll_into_view_if_needed()
        screenshot(page, "pwa-04-settings-notifications.png")
        assert serious_violations(page) == []
    finally:
        server.app.config["VAPID_PUBLIC_KEY"] = None

    # The endpoint the button uses stores this device's subscription (CSRF from the page).
    subscription = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/device-1",
        "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
    }
    status = page.evaluate(
        """async (body) => {
            const headers = JSON.parse(document.body.getAttribute('hx-headers'));
            const reply = await fetch('/pwa/subscription', {
                method: 'POST', body: JSON.stringify(body),
                headers: {...headers, 'Content-Type': 'application/json'},
            });
            return reply.status;
        }""",
        subscription,
    )
    assert status == 200
    with server.app.app_context():
        rows = db.session.scalars(
            select(PushSubscription.person_id).where(
                PushSubscription.endpoint == subscription["endpoint"]
            )
        ).all()
        db.session.remove()
    assert rows == [person_id]

    # Signing out drops the kept answer page from the device.
    page.locator('form[action="/logout"] button').tap()
    page.wait_for_url(f"{server.url}/signed-out?bye=1")
    wait_until(lambda: not page.evaluate(KEPT, f"/pulse/{round_id}"))
    assert outbox_count(page) == 0


def test_background_sync_sends_the_outbox_with_no_page_open(live_server, phone):
    """The worker replays on its own (Background Sync): the page that saved it is gone."""
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    before = stored(server, round_id, person_id)
    answered = answer_offline(page, server, round_id)
    cdp, registration_id = worker_registration(page, server)

    page.goto("about:blank")  # no page of ours is left to replay on `online`
    page.context.set_offline(False)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": server.url,
            "registrationId": registration_id,
            "tag": "pulse-outbox",
            "lastChance": False,
        },
    )
    after = wait_until(
        lambda: stored(server, round_id, person_id)[0] and stored(server, round_id, person_id)
    )
    assert after == (1, before[1] + answered)

    # The next visit finds the outbox empty and says the answers were sent.
    page.goto(f"{server.url}/privacy")
    page.locator("#outbox-notices [data-outbox=sent]").wait_for()
    assert outbox_count(page) == 0
    assert stored(server, round_id, person_id) == after


def test_kept_answers_are_never_sent_as_another_person_on_a_shared_device(live_server, phone):
    """A answers offline; before the phone is online, B signs in on the same device (A never
    signed out). A's answers must not be sent as B's; they wait for A."""
    page, server = phone.page, live_server
    a_id, a_link = server.fresh_employee_link()
    b_id, b_link = server.fresh_employee_link()
    round_id = server.open_round_id(a_id)
    sign_in(page, server, a_link)
    before_answers = stored(server, round_id, a_id)[1]
    answer_offline(page, server, round_id)

    page.context.clear_cookies()  # A's session is gone (expired), the outbox is not
    page.context.set_offline(False)  # the old page's replay finds nobody signed in...
    page.wait_for_timeout(1000)  # ...and has settled before B opens a link
    assert stored(server, round_id, a_id) == (0, before_answers)
    sign_in(page, server, b_link)  # B's first page load replays the outbox...
    page.wait_for_timeout(1000)
    assert stored(server, round_id, b_id) == (0, before_answers)  # ...but not A's answers as B
    assert stored(server, round_id, a_id) == (0, before_answers)
    assert outbox_count(page) == 1

    page.context.clear_cookies()
    sign_in(page, server, server.link_for(a_id))  # A is back: now they go, once
    wait_until(lambda: stored(server, round_id, a_id)[0] == 1)
    wait_until(lambda: outbox_count(page) == 0)
    assert stored(server, round_id, b_id)[0] == 0
