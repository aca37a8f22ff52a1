"""Sign-in links of people with a role reach only them; every link and card issued is audited,
the TRIO reads the audit, a person sees their last one, and a new link revokes older ones."""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from pypdf import PdfReader
from sqlalchemy import select

from pulse.auth.issuing import How, issue_link
from pulse.auth.tokens import find_usable_token, hash_token
from pulse.extensions import db
from pulse.models import (
    AuditEvent,
    Membership,
    Organisation,
    Person,
    PrivacyChange,
    Role,
    SignInToken,
    Unit,
)
from pulse.timeutil import utcnow
from tests.factories import assign_role, make_committee, make_person, sign_in
from tests.helpers import csrf_token, elements, page_text, translated

TOKEN = re.compile(r"/login/([A-Za-z0-9_-]{20,})")


def make_cards(client, unit_id, fmt="html"):
    token = csrf_token(client, "/cards/")
    return client.post(f"/cards/{unit_id}", data={"csrf_token": token, "format": fmt})


def test_a_card_for_a_role_holder_has_no_link_and_every_card_is_audited(app, world, client):
    tr_id = world.team_a_ids[1]
    sign_in(client, world.admin_id)
    response = make_cards(client, world.team_a_id)
    html = page_text(response)
    assert len(elements(html, "article", class_="invite")) == 6
    tokens = set(TOKEN.findall(html))
    assert len(tokens) == 5  # the TR (team A's second person) gets none
    with app.app_context():
        tr = db.session.get(Person, tr_id)
        assert tr.first_name in html
        holders = {db.session.get(SignInToken, t.id).person_id for t in _tokens(tokens)}
        assert tr_id not in holders
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "signin.card")
        ).all()
        assert len(events) == 5
        assert {e.subject_id for e in events} == set(world.team_a_ids) - {tr_id}
        assert {e.person_id for e in events} == {world.admin_id}
        # Never the token (nor its hash) in the audit log.
        for event in events:
            for token in tokens:
                assert token not in event.detail and hash_token(token) not in event.detail
    pdf = make_cards(client, world.team_a_id, "pdf")
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    uris = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])]
    assert len(uris) == 5
    with app.app_context():
        assert db.session.get(Person, tr_id).name in text


def _tokens(tokens):
    return db.session.scalars(
        select(SignInToken).where(SignInToken.token_hash.in_([hash_token(t) for t in tokens]))
    ).all()


def test_a_new_link_revokes_the_older_unused_ones(app, world):
    with app.app_context():
        alice = db.session.get(Person, world.alice)
        first = issue_link(alice, How.OPERATOR, utcnow(), 5)
        db.session.commit()
        assert find_usable_token(first) is not None
        second = issue_link(alice, How.OPERATOR, utcnow(), 5)
        db.session.commit()
        assert find_usable_token(first) is None
        assert find_usable_token(second) is not None
        kinds = db.session.scalars(
            select(AuditEvent.kind).where(AuditEvent.subject_id == world.alice)
        ).all()
        assert kinds == ["signin.operator", "signin.operator"]


def test_the_trio_reads_the_sign_in_log_and_others_do_not(app, world, client):
    admin_client = app.test_client()
    sign_in(admin_client, world.admin_id)
    make_cards(admin_client, world.team_a_id)
    path = f"/sign-in-log/{world.team_a_id}"

    sign_in(client, world.team_a_ids[1])  # the TR of the workplace
    response = client.get(path)
    assert response.status_code == 200
    html = page_text(response)
    with app.app_context():
        for person_id in world.team_a_ids[2:]:
            assert db.session.get(Person, person_id).name in html
        assert db.session.get(Person, world.admin_id).name in html
    assert translated(app, "printed QR card") in html
    # The TRIO page links to it.
    assert path in client.get(f"/team/{world.team_a_id}").get_data(as_text=True)

    employee = app.test_client()
    sign_in(employee, world.team_a_ids[0])
    assert employee.get(path).status_code == 404
    assert client.get("/sign-in-log/999999").status_code == 404
    with app.app_context():
        other_unit = db.session.get(Person, world.outsider_id).membership.unit_id
    assert client.get(f"/sign-in-log/{other_unit}").status_code == 404


def test_a_person_sees_when_a_link_was_last_made_for_them(app, world, client):
    sign_in(client, world.alice)
    assert not elements(client.get("/").get_data(as_text=True), "p", class_="hint last-issued")
    admin_client = app.test_client()
    sign_in(admin_client, world.admin_id)
    make_cards(admin_client, world.team_a_id)
    html = page_text(client.get("/"))
    [notice] = elements(html, "p", class_="hint last-issued")
    assert translated(app, "printed QR card") in html


# --- An administrator can't get a working link of anyone with a role, through any page ----


def _protected_world(app, world) -> set[int]:
    """Leader, TR, AMR, a MED member and a second administrator, each also in a team (so a card
    could be made for them). Returns their ids."""
    with app.app_context():
        organisation = db.session.get(Organisation, world.organisation_id)
        team_a = db.session.get(Unit, world.team_a_id)
        team_b = db.session.get(Unit, world.team_b_id)
        leader = db.session.get(Person, world.leader_id)
        db.session.add(Membership(person_id=leader.id, unit_id=team_a.id))
        other_admin = make_person(organisation, team_b, name="Anne Anden-Admin")
        assign_role(other_admin, Role.ADMIN)
        med = make_person(organisation, team_b, name="Mads MED")
        make_committee(organisation, [team_b], [med], name="Område-MED")
        db.session.add(
            PrivacyChange(
                organisation_id=organisation.id,
                setting="min_group_size",
                old_value="5",
                new_value="6",
                proposed_by_id=world.admin_id,
                proposed_as="management",
                proposed_at=utcnow(),
            )
        )
        db.session.commit()
        return {
            world.leader_id,
            world.team_a_ids[1],
            world.team_b_ids[1],
            other_admin.id,
            med.id,
            world.admin_id,
        }


def _ids(app, world) -> dict[str, list[int]]:
    with app.app_context():
        units = db.session.scalars(
            select(Unit.id).where(Unit.organisation_id == world.organisation_id)
        ).all()
        people = db.session.scalars(
            select(Person.id).where(Person.organisation_id == world.organisation_id)
        ).all()
        changes = db.session.scalars(select(PrivacyChange.id)).all()
    return {"unit": list(units), "person": list(people), "other": [world.round_id, *changes]}


def _get_paths(app, ids) -> set[str]:
    """Every GET route, with each id argument filled with every id of the organisation."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        arguments = sorted(rule.arguments)
        if not arguments:
            paths.add(rule.rule)
            continue
        candidates = sorted(set(ids["unit"] + ids["person"] + ids["other"]))
        for value in candidates:
            path = rule.rule
            for name in arguments:
                converter = rule._converters[name]
                filled = str(value) if type(converter).__name__ == "IdConverter" else "x"
                path = re.sub(rf"<[^>]*:?{name}>", filled, path)
            paths.add(path)
    return paths


def test_an_administrator_cannot_obtain_a_working_link_of_anyone_with_a_role(app, world):
    protected = _protected_world(app, world)
    admin = app.test_client()
    sign_in(admin, world.admin_id)
    bodies: list[str] = []

    # 1. Crawl: every GET route with every id, then every same-site link found on the pages.
    queue = deque(_get_paths(app, _ids(app, world)))
    seen: set[str] = set()
    forms: set[str] = set()
    while queue:
        path = queue.popleft()
        if path in seen or path.startswith("/logout") or path.startswith("/static/"):
            continue
        seen.add(path)
        response = admin.get(path)
        assert response.status_code < 500, path
        if response.mimetype != "text/html":
            # Binary too (the favicon, PDFs): a token is ASCII, so it would still show.
            bodies.append(response.get_data().decode("utf-8", "replace"))
            continue
        html = response.get_data(as_text=True)
        bodies.append(html)
        for link in elements(html, "a"):
            href = link.get("href") or ""
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            if target.netloc == "localhost" and target.path not in seen:
                queue.append(target.path)
        for form in elements(html, "form", method="post"):
            forms.add(form.get("action") or path)

    # 2. Every card form (page and PDF), for every team of the organisation.
    card_forms = {action for action in forms if action.startswith("/cards/")}
    assert card_forms, "the crawl found no card forms"
    for action in sorted(card_forms):
        for fmt in ("html", "pdf"):
            response = admin.post(
                action, data={"csrf_token": csrf_token(admin, "/cards/"), "format": fmt}
            )
            assert response.status_code < 500
            if response.mimetype == "application/pdf":
                reader = PdfReader(io.BytesIO(response.data))
                bodies.extend(
                    str(a.get_object()["/A"]["/URI"])
                    for page in reader.pages
                    for a in page.get("/Annots", [])
                )
                bodies.extend(page.extract_text() for page in reader.pages)
            else:
                bodies.append(response.get_data(as_text=True))

    # 3. Try every token-looking URL: none signs in as a person with a role.
    tokens = {token for body in bodies for token in TOKEN.findall(body)}
    assert tokens, "the crawl found no links at all (the test would prove nothing)"
    signed_in_as = set()
    for token in tokens:
        with app.app_context():
            row = db.session.scalar(
                select(SignInToken).where(SignInToken.token_hash == hash_token(token))
            )
            owner = row.person_id if row else None
        device = app.test_client()
        path = f"/login/{token}"
        response = device.post(path, data={"csrf_token": csrf_token(device, path)})
        if response.status_code == 302:
            signed_in_as.add(owner)
    assert signed_in_as, "no link worked at all"
    assert not signed_in_as & protected
    # And no link was even made for them (not only none shown): the database agrees.
    with app.app_context():
        made_for = set(db.session.scalars(select(SignInToken.person_id)))
    assert not (made_for - {world.admin_id}) & protected  # the admin's own sign-in only
