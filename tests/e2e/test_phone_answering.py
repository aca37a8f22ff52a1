"""An employee answers a pulse on a phone: sign-in link, home page, answer page, thank-you.

Assertions rely on structure (data-state, input names, hrefs), not on the wording, which is
translated: the UI may be Danish, or English while the catalogue is being written.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.e2e

COMMENT = "Vi mangler tid til at tale sammen - e2e-test"
#: Main's interactive elements, which must each be at least 44 x 44 CSS px.
TAP_TARGETS = "main label.choice, main button, main a"


# --------------------------------------------------------------------------------------------
# Steps


def sign_in(page, server, link: str) -> None:
    """Open a personal link and press its sign-in button; land on the home page."""
    page.goto(link)
    button = page.locator("main form button[type=submit]")
    assert button.count() == 1, "the link page shows no sign-in button (link not usable?)"
    button.tap()
    page.wait_for_url(f"{server.url}/")


def open_answer_page(page, server, round_id: int) -> None:
    page.goto(f"{server.url}/pulse/{round_id}")
    page.locator(f'form[action$="/pulse/{round_id}"]').wait_for()


def answer_questions(page, skip: int | None = 0) -> int:
    """Tap one choice per question (the skip choice for question `skip`); return how many got a
    value. The choices differ per question so the stored answers are not all the same."""
    questions = page.locator("form fieldset.question:not(.comment)")
    count = questions.count()
    assert count > 0, "the answer page has no questions"
    answered = 0
    for index in range(count):
        question = questions.nth(index)
        if index == skip:
            choice = question.locator("label.choice.skip")
        else:
            choices = question.locator("label.choice:not(.skip)")
            choice = choices.nth(index % choices.count())
            answered += 1
        choice.scroll_into_view_if_needed()
        choice.tap()
        assert choice.locator("input[type=radio]").is_checked()
    return answered


def counts(server, round_id: int, person_id: int) -> dict[str, int]:
    """What the database holds for the round: this person's participations, and all answers."""
    from pulse.extensions import db
    from pulse.models import Participation
    from tests.sealed import opened_boxes

    with server.app.app_context():
        return {
            "participations": db.session.scalar(
                select(func.count())
                .select_from(Participation)
                .where(Participation.round_id == round_id, Participation.person_id == person_id)
            ),
            "answers": sum(len(box.answers) for box in opened_boxes(round_id)),
        }


def question_count(server, round_id: int) -> int:
    from pulse.extensions import db
    from pulse.models import Round

    with server.app.app_context():
        return len(db.session.get(Round, round_id).questions)


def no_horizontal_scroll(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], f"horizontal scroll at {width} px: {sizes}"
    assert sizes["scroll"] <= width, f"the page is wider than the {width} px screen: {sizes}"


# --------------------------------------------------------------------------------------------
# Tests


def test_employee_answers_a_pulse_on_a_phone(live_server, phone, screenshot):
    from tests.sealed import comments as sealed_comments

    page, server = phone.page, live_server
    person_id = server.demo_employee_id
    round_id = server.open_round_id(person_id)
    questions = question_count(server, round_id)
    before = counts(server, round_id, person_id)
    assert before["participations"] == 0
    # A fresh link, as `make run` prints them: issuing a link revokes the person's older ones,
    # and other browser tests may have printed the demo links since the session began.
    name, _unit, link = server.links()["employee"]
    assert name == server.demo_links["employee"][0]  # the demo roles stay the same people
    assert link.startswith(f"{server.url}/login/")

    started = time.monotonic()
    sign_in(page, server, link)

    # Home: the open pulse, its question count, and the way to answer it.
    card = page.locator("main .pulse-card")
    meta = card.locator(".meta").inner_text()
    first_number = re.search(r"\d+", meta)
    assert first_number and int(first_number.group()) == questions, f"question count? {meta!r}"
    answer_link = card.locator(f'a[href="/pulse/{round_id}"]')
    assert answer_link.is_visible()
    screenshot(page, "01-home.png")
    answer_link.tap()
    page.wait_for_url(f"{server.url}/pulse/{round_id}")

    form = page.locator(f'form[action$="/pulse/{round_id}"]')
    assert form.locator("fieldset.question:not(.comment)").count() == questions
    screenshot(page, "02-answer.png")
    answered = answer_questions(page, skip=1 if questions > 1 else 0)
    assert answered == questions - 1

    textarea = form.locator("textarea[name=comment]")
    assert textarea.count() == 1, "the demo round has comments on: the comment box is missing"
    textarea.tap()
    textarea.fill(COMMENT)
    reps = form.locator("label.choice:has(input[name=audience][value=reps])")
    reps.tap()
    assert reps.locator("input").is_checked()
    screenshot(page, "02b-answer-filled.png")

    # htmx swaps #pulse in place: a marker on window survives only without a full page load.
    page.evaluate("() => { window.__e2eMarker = 'same document'; }")
    form.locator("button[type=submit]").tap()
    thanks = page.locator("#pulse [data-state=thanks]")
    thanks.wait_for()
    elapsed = time.monotonic() - started
    assert page.evaluate("() => window.__e2eMarker") == "same document", "a full page load"
    assert page.url == f"{server.url}/pulse/{round_id}"
    screenshot(page, "03-thanks.png")
    print(f"\nlink opened -> thank-you: {elapsed:.1f} s ({questions} questions)")
    assert elapsed < 60

    # The server kept it once, with one answer per answered question and the comment for reps.
    after = counts(server, round_id, person_id)
    assert after["participations"] == 1
    assert after["answers"] - before["answers"] == answered
    with server.app.app_context():
        comments = [c for c in sealed_comments(round_id) if c.comment == COMMENT]
        assert [c.audience for c in comments] == ["reps"]

    # Back home, the card says the round is answered: no "answer" link any more.
    thanks.locator('a[href="/"]').tap()
    page.wait_for_url(f"{server.url}/")
    assert page.locator(f'main a[href="/pulse/{round_id}"]').count() == 0
    screenshot(page, "04-home-answered.png")


def test_answer_page_has_big_tap_targets_and_no_horizontal_scroll(live_server, phone, screenshot):
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    sign_in(page, server, link)
    open_answer_page(page, server, server.open_round_id(person_id))

    for width in (390, 320):
        no_horizontal_scroll(page, width)
    screenshot(page, "05-answer-320.png")
    page.set_viewport_size({"width": 390, "height": 844})

    boxes = page.eval_on_selector_all(
        TAP_TARGETS,
        """elements => elements
            .filter(el => el.getClientRects().length > 0
                          && getComputedStyle(el).visibility !== 'hidden')
            .map(el => {
              const box = el.getBoundingClientRect();
              return {tag: el.tagName.toLowerCase(), text: el.innerText.trim().slice(0, 60),
                      width: box.width, height: box.height};
            })""",
    )
    assert boxes, "no tap targets found in main"
    small = [b for b in boxes if b["width"] < 44 or b["height"] < 44]
    assert not small, "tap targets smaller than 44 x 44 CSS px:\n" + "\n".join(
        f"  <{b['tag']}> {b['text']!r}: {b['width']:.0f} x {b['height']:.0f}" for b in small
    )


def test_double_submit_is_stored_once(live_server, phone, screenshot):
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    open_answer_page(page, server, round_id)
    before = counts(server, round_id, person_id)
    answered = answer_questions(page, skip=0)

    form = page.locator(f'form[action$="/pulse/{round_id}"]')
    with page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith(f"/pulse/{round_id}")
    ) as sent:
        form.locator("button[type=submit]").tap()
    page.locator("#pulse [data-state=thanks]").wait_for()
    body = sent.value.post_data
    assert "submission_key=" in body
    after_first = counts(server, round_id, person_id)
    assert after_first["participations"] == 1
    assert after_first["answers"] - before["answers"] == answered

    resend = """async ({url, body}) => {
        const headers = JSON.parse(document.body.getAttribute('hx-headers'));
        const reply = await fetch(url, {
            method: 'POST',
            headers: {...headers, 'Content-Type': 'application/x-www-form-urlencoded',
                      'HX-Request': 'true', 'HX-Target': 'pulse'},
            body,
        });
        return {status: reply.status, html: await reply.text()};
    }"""
    url = f"/pulse/{round_id}"
    # The same submission again (a double tap, a retry): the same reply, nothing stored.
    again = page.evaluate(resend, {"url": url, "body": body})
    assert again["status"] == 200, again
    assert 'data-state="thanks"' in again["html"]
    after_resend = counts(server, round_id, person_id)
    assert after_resend == after_first

    # A different submission from the same person (another tab): refused, nothing stored.
    other = _with_field(body, "submission_key", "another-key-0123456789abcdef")
    refused = page.evaluate(resend, {"url": url, "body": other})
    assert refused["status"] == 409, refused
    assert 'data-state="already_answered"' in refused["html"]
    assert counts(server, round_id, person_id) == after_first

    page.reload()
    page.locator("#pulse [data-state=already_answered]").wait_for()
    assert page.locator("form[hx-post]").count() == 0
    screenshot(page, "06-already-answered.png")


def test_no_csp_violation_or_console_message_during_the_flow(live_server, phone):
    page, server = phone.page, live_server
    person_id, link = server.fresh_employee_link()
    round_id = server.open_round_id(person_id)
    sign_in(page, server, link)
    page.locator(f'main a[href="/pulse/{round_id}"]').tap()
    page.wait_for_url(f"{server.url}/pulse/{round_id}")

    # An invalid value first: the 422 reply with its error is swapped in by htmx too. Chromium
    # logs every 4xx response to the console; that one expected line is taken out again.
    page.evaluate(
        """() => {
            const radio = document.querySelector('fieldset.question input[type=radio]');
            radio.value = '99';
            radio.checked = true;
        }"""
    )
    logged = len(phone.console)
    page.locator("form button[type=submit]").tap()
    page.locator("#pulse fieldset.question .error").first.wait_for()
    assert counts(server, round_id, person_id)["participations"] == 0
    expected = [m for m in phone.console[logged:] if "status of 422" in m]
    assert len(expected) == 1, phone.console[logged:]
    phone.console.remove(expected[0])

    answer_questions(page, skip=None)
    page.locator("form button[type=submit]").tap()
    page.locator("#pulse [data-state=thanks]").wait_for()
    page.locator('#pulse a[href="/"]').tap()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/privacy")
    page.wait_for_load_state("load")
    assert not phone.complaints(), "\n".join(phone.complaints())

    # The listener really works: a violation caused on purpose is reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'void 0';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert any(v["directive"].startswith("script-src") for v in phone.csp_violations), (
        "the securitypolicyviolation listener did not report a deliberate violation"
    )
    phone.forget_deliberate_violations()


def _with_field(body: str, name: str, value: str) -> str:
    from urllib.parse import parse_qsl, urlencode

    pairs = [(k, value if k == name else v) for k, v in parse_qsl(body, keep_blank_values=True)]
    return urlencode(pairs)
