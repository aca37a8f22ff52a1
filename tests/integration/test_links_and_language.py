"""The `flask pulse links` command and choosing a language (the settings page)."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import Person
from tests.factories import sign_in
from tests.helpers import (
    csrf_token,
    elements,
    is_signed_in,
)

# -- flask pulse links ---------------------------------------------------------------------


def test_links_prints_one_line_per_active_person(app, runner, world, database):
    with database.session() as session:
        session.get(Person, world.team_b_ids[-1]).active = False

    result = runner.invoke(args=["pulse", "links"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = database.scalars(select(Person.name).where(Person.active.is_(True)))
    assert len(lines) == len(expected) == 13
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 4 for row in rows)
    by_name = {name: (role, unit, url) for name, role, unit, url in rows}
    assert sorted(by_name) == sorted(expected)
    assert all(url.startswith("http://localhost/login/") for _r, _u, url in by_name.values())

    leader = by_name["Lea Leder"]
    assert leader[:2] == ("leader,med", "Plejecentret")
    assert by_name["Ada Administrator"][:2] == ("admin", "-")
    with app.app_context():
        tr = db.session.get(Person, world.team_a_ids[1]).name
        employee = db.session.get(Person, world.team_a_ids[2]).name
    assert by_name[tr][:2] == ("employee,tr,med", "Plejecentret / Team A")
    assert by_name[employee][:2] == ("employee", "Plejecentret / Team A")


def test_each_printed_link_works_once(app, runner, world):
    result = runner.invoke(args=["pulse", "links"])
    assert result.exit_code == 0, result.output
    urls = [line.split("\t")[3] for line in result.output.splitlines()]
    assert len(set(urls)) == len(urls)

    for number, url in enumerate(urls):
        path = url.removeprefix(app.config["PULSE_BASE_URL"])
        # Separate addresses: the sign-in rate limit counts per client address.
        device, again = app.test_client(), app.test_client()
        device.environ_base["REMOTE_ADDR"] = f"10.0.1.{number}"
        again.environ_base["REMOTE_ADDR"] = f"10.0.2.{number}"
        assert device.post(path, data={"csrf_token": csrf_token(device, path)}).status_code == 302
        assert is_signed_in(device)
        assert again.post(path, data={"csrf_token": csrf_token(again, path)}).status_code == 400


def test_settings_page_raises_no_deprecation_warning(app, client):
    """pytest turns warnings into errors, but a view must not depend on it being run there."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert client.get("/settings").status_code == 200


def test_choosing_a_language_is_remembered_on_the_person(app, client, world, database):
    sign_in(client, world.alice)

    response = client.post(
        "/settings", data={"csrf_token": csrf_token(client, "/settings"), "locale": "en"}
    )

    assert response.status_code == 200
    assert database.scalars(select(Person.locale).where(Person.id == world.alice)) == ["en"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("locale", ["xx", "", "da,en", "<script>"])
def test_an_unknown_language_is_refused(app, client, world, database, locale):
    sign_in(client, world.alice)

    response = client.post(
        "/settings", data={"csrf_token": csrf_token(client, "/settings"), "locale": locale}
    )

    assert response.status_code == 400
    assert elements(response.get_data(as_text=True), "p", class_="error", id="locale-error")
    assert database.scalars(select(Person.locale).where(Person.id == world.alice)) == [None]


def test_a_visitor_can_choose_a_language_for_the_visit(app, client):
    token = csrf_token(client, "/settings")

    assert client.post("/settings", data={"csrf_token": token, "locale": "nb"}).status_code == 200

    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)
    assert '<html lang="da">' in app.test_client().get("/").get_data(as_text=True)
