"""No request returns a 500, whatever it carries: random input via Hypothesis."""

from __future__ import annotations

import itertools
import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from pulse.extensions import db
from pulse.models import Participation, SealedAnswer
from tests.conftest import dispose_engines, make_app
from tests.factories import sign_in
from tests.helpers import csrf_token
from tests.sealed import opened_boxes

RANDOM = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def mostly(likely, unlikely) -> st.SearchStrategy:
    """`likely` about three times in four, so most examples get past the first check."""
    return st.integers(0, 3).flatmap(lambda n: unlikely if n == 3 else likely)


FIELD_NAMES = [
    "csrf_token",
    "submission_key",
    "comment",
    "audience",
    "locale",
    "q_vt_trusted",
    "q_vt_information",
    "q_au_judgement",
    "q_who5_1",
    "q_unknown",
]
#: Strings that have broken web forms before: other digits, direction marks, markup, size.
NASTY = [
    "",
    "a\x00b",
    "3",
    " 4 ",
    "0x3",
    "1e1",
    "+3",
    "-0",
    "٣",
    "０",
    "𝟛",
    "⑤",
    "3\u200b",
    "\u202e5",
    "\r\n",
    "\ufeff",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%00",
    "trio",
    "reps",
    "da",
    "en",
    "k" * 40,
    "x" * 2000,
]
values = st.one_of(
    text,
    st.integers(-10, 20).map(str),
    st.text("0123456789", min_size=1, max_size=25),
    st.sampled_from(NASTY),
)
forms = st.dictionaries(
    st.one_of(st.sampled_from(FIELD_NAMES), text),
    st.one_of(values, st.lists(values, max_size=3)),
    max_size=8,
)
#: An answer form that is valid more often than not, with random fields laid over it, so the
#: examples reach the code that stores answers as well as the validation in front of it.
answer_forms = st.builds(
    lambda base, noise: {**base, **noise},
    st.fixed_dictionaries(
        {
            "submission_key": mostly(
                st.text("abcdefABCDEF0123456789_-", min_size=16, max_size=64), values
            ),
            "audience": mostly(st.sampled_from(["trio", "reps"]), values),
            "comment": st.one_of(st.just(""), st.sampled_from(NASTY), text),
            "q_vt_trusted": st.one_of(
                st.sampled_from(["1", "3", "5", ""]), st.sampled_from(NASTY), values
            ),
            "q_who5_1": mostly(st.sampled_from(["0", "5", ""]), values),
        }
    ),
    mostly(st.just({}), forms),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "HX-Request": st.sampled_from(["true", "false", ""]),
        "HX-Target": st.one_of(st.just("pulse"), st.text("abcdefghijk-#", max_size=20)),
        "Accept-Language": st.sampled_from(["en", "nb", "de", "*", ";q=x"]),
    },
)


@pytest.fixture
def alice_client(app, world):
    client = app.test_client()
    sign_in(client, world.alice)
    return client


def post(client, path: str, form: dict, extra_headers: dict, with_csrf: bool):
    form = dict(form)
    extra_headers = dict(extra_headers)
    if with_csrf:
        token = csrf_token(client)
        form["csrf_token"] = token
        extra_headers["X-CSRFToken"] = token
    return client.post(path, data=form, headers=extra_headers)


def forget_answers() -> None:
    for model in (SealedAnswer, Participation):
        db.session.execute(delete(model))


@RANDOM
@given(
    form=answer_forms,
    extra_headers=headers,
    with_csrf=mostly(st.just(True), st.just(False)),
    signed_in=mostly(st.just(True), st.just(False)),
    round_choice=mostly(st.none(), st.integers(0, 10**30)),
)
def test_answer_endpoint_never_fails(
    app, world, database, alice_client, form, extra_headers, with_csrf, signed_in, round_choice
):
    database.run(forget_answers)  # so that every example may store its answers
    client = alice_client if signed_in else app.test_client()
    round_id = world.round_id if round_choice is None else round_choice

    response = post(client, f"/pulse/{round_id}", form, extra_headers, with_csrf)

    assert response.status_code < 500


@RANDOM
@given(token=text, form=forms, with_csrf=st.booleans())
def test_sign_in_endpoint_never_fails(app, world, token, form, with_csrf):
    client = app.test_client()
    path = "/login/" + quote(token, safe="")

    assert client.get(path).status_code < 500
    assert post(client, path, form, {}, with_csrf).status_code < 500


_addresses = itertools.count(1)


@RANDOM
@given(
    form=forms,
    extra_headers=headers,
    with_csrf=st.booleans(),
    signed_in=st.booleans(),
    path=st.sampled_from(["/settings", "/logout"]),
)
def test_settings_and_sign_out_never_fail(
    app, world, form, extra_headers, with_csrf, signed_in, path
):
    client = app.test_client()
    if signed_in:
        # A fresh device each time (a sign-out must not leak into the next example), each on
        # its own address so the sign-in rate limit stays out of the way.
        number = next(_addresses)
        client.environ_base["REMOTE_ADDR"] = f"10.9.{number // 250}.{number % 250}"
        sign_in(client, world.alice)

    assert post(client, path, form, extra_headers, with_csrf).status_code < 500
    assert client.get("/").status_code < 500


@RANDOM
@given(path=text, query=forms, method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE"]))
def test_any_path_never_fails(app, alice_client, path, query, method):
    for client in (alice_client, app.test_client()):
        response = client.open("/" + quote(path), method=method, query_string=query)
        assert response.status_code < 500


def test_a_comment_with_a_nul_character_is_not_a_crash(app, client, world, database):
    sign_in(client, world.alice)
    path = f"/pulse/{world.round_id}"

    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "submission_key": "k" * 32,
            "audience": "trio",
            "comment": "Hej\x00med dig",
        },
    )

    assert response.status_code in (200, 400, 422)
    with app.app_context():
        assert not [box.comment for box in opened_boxes() if "\x00" in box.comment]


def test_a_huge_round_id_is_not_found_rather_than_a_crash(app, client, world):
    sign_in(client, world.alice)

    for round_id in (2**31, 2**63, 10**20, "9" * 5000):
        assert client.get(f"/pulse/{round_id}").status_code == 404


# --- JSON bodies, for every route that takes one (and every other state-changing route) ---

#: Endpoints on the push services' hosts, and look-alikes, so examples reach storage too.
ENDPOINTS = [
    "https://fcm.googleapis.com/fcm/send/",
    "https://updates.push.services.mozilla.com/wpush/v2/",
    "https://wns2-db5p.notify.windows.com/w/?token=",
    "https://web.push.apple.com/",
    "https://169.254.169.254/",
    "https://127.0.0.1:5432/",
    "https://[::1]/",
    "http://fcm.googleapis.com/",
    "https://fcm.googleapis.com.evil.test/",
]
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Keys of the right length, with junk (that a lenient decoder skips) now and then.
keys = st.builds(
    lambda p256dh, auth, junk, where: {
        "p256dh": "B" + p256dh if where != 1 else junk + "B" + p256dh,
        "auth": auth if where != 2 else auth + junk,
    },
    st.text(B64, min_size=86, max_size=86),
    st.text(B64, min_size=22, max_size=22),
    st.sampled_from(["!!!!", "é" * 80, "=", "\x00", " ", "*" * 120, "AAAA"]),
    st.integers(0, 3),
)
subscriptions = st.fixed_dictionaries(
    {
        "endpoint": mostly(
            st.builds(lambda host, tail: host + tail, st.sampled_from(ENDPOINTS), text), values
        ),
        "keys": mostly(keys, st.dictionaries(text, values, max_size=3)),
    },
    optional={"expirationTime": st.one_of(st.none(), st.integers(), text)},
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**80), 2**80),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
        st.sampled_from(NASTY),
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(["endpoint", "keys", "auth"]), text), children, max_size=4
        )
    ),
    max_leaves=12,
)
#: Raw bodies that are not JSON, or JSON that breaks naive parsers.
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.integers(1, 20000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(1, 20000).map(lambda n: b"[" * n),
    st.sampled_from(
        [
            b"",
            b"{",
            b"NaN",
            b'{"a": Infinity}',
            b"\xff\xfe",
            b'"\\u0000"',
            b'{"endpoint": "\\ud800"}',
            b"9" * 5000,
            b'{"endpoint": "' + b"x" * 60000 + b'"}',
            b"null",
            b"[]",
            b"{}",
        ]
    ),
)
json_bodies = st.one_of(
    subscriptions.map(lambda value: json.dumps(value).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    raw_bodies,
)
#: Routes whose use would end the example's session (sign-out, sign-in): not sent bodies.
_SKIPPED = {"auth.sign_out", "auth.use_sign_in_link", "static"}


def _state_changing_paths(app, world) -> list[tuple[str, str]]:
    """(method, path) of every non-GET route, with ids filled from the world."""
    ids = [world.team_a_id, world.round_id, world.alice, world.workplace_id]
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in _SKIPPED:
            continue
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            for number in ids:
                path = rule.rule
                for name in rule.arguments:
                    converter = type(rule._converters[name]).__name__
                    fill = str(number) if converter == "IdConverter" else "approve"
                    path = path.replace(f"<{name}>", fill)
                    path = re.sub(rf"<[^<>]*:{name}>", fill, path)
                paths.append((method, path))
    return sorted(set(paths))


#: At least 2,000 generated requests per backend, in about a minute.
JSON_EXAMPLES = 700


def test_json_bodies_never_fail(app, world, database):
    client = app.test_client()
    sign_in(client, world.alice)
    token = csrf_token(client, "/settings")
    others = _state_changing_paths(app, world)
    assert ("POST", "/pwa/subscription") in others and ("DELETE", "/pwa/subscription") in others
    sent: list[int] = []

    @settings(
        max_examples=JSON_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        body=json_bodies,
        other=st.sampled_from(others),
        with_csrf=mostly(st.just(True), st.just(False)),
        content_type=mostly(st.just("application/json"), st.sampled_from(["text/plain", ""])),
    )
    def run(body, other, with_csrf, content_type):
        headers = {"X-CSRFToken": token} if with_csrf else {}
        if content_type:
            headers["Content-Type"] = content_type
        for method, path in [("POST", "/pwa/subscription"), ("DELETE", "/pwa/subscription"), other]:
            response = client.open(path, method=method, data=body, headers=headers)
            sent.append(response.status_code)
            assert response.status_code < 500, (method, path, body[:200])
            if path == "/pwa/subscription" and response.status_code == 400 and with_csrf:
                assert response.get_json()["error"]  # a message, not just a status

    run()
    assert len(sent) >= 2000
    assert not [status for status in sent if status >= 500]


def test_api_errors_stay_problems_and_a_database_away_is_503(tmp_path):
    """The JSON guard, an unknown method, an untrusted host and the database being away all answer
    the API in `application/problem+json`; a page gets the 503 page ("try again")."""
    app = make_app(
        f"sqlite:///{tmp_path}/missing/pulse.db",  # a directory that does not exist: no database
        WTF_CSRF_ENABLED=True,
        TRUSTED_HOSTS=("localhost",),
    )
    client = app.test_client()
    as_json = {"Content-Type": "application/json"}

    deep = client.post("/api/v1/units", data=b"[" * 50 + b"]" * 50, headers=as_json)
    assert deep.status_code == 400 and deep.mimetype == "application/problem+json"
    no_such_method = client.post("/api/v1/units", data=b"{}", headers=as_json)  # no CSRF either
    assert no_such_method.status_code == 405
    assert no_such_method.mimetype == "application/problem+json"
    foreign = client.get("/api/v1/units", headers={"Host": "evil.test"})
    assert foreign.status_code == 400 and foreign.mimetype == "application/problem+json"
    assert b"evil.test" not in foreign.data

    away = client.get("/api/v1/units", headers={"Authorization": "Bearer tp_x"})
    assert away.status_code == 503 and away.mimetype == "application/problem+json"
    assert away.get_json()["status"] == 503 and away.headers["Retry-After"]
    page = client.get("/login/" + "x" * 43)
    assert page.status_code == 503 and page.mimetype in ("text/html", "text/plain")
    assert page.headers["Retry-After"] == "5"  # the rendered page says when, as the plain one
    dispose_engines(app)
