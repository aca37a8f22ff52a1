"""Push endpoints only on the push services' hosts, no redirects followed, a few per person, and
JSON bodies parsed defensively: every refusal is a 400 with a message, never a 500."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import PushSubscription, Round
from pulse.notify.push import (
    DEFAULT_PUSH_HOSTS,
    MAX_SUBSCRIPTIONS,
    endpoint_allowed,
    generate_vapid_keys,
    send_round_push,
)
from tests.factories import sign_in
from tests.helpers import csrf_token


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


KEYS = {"p256dh": b64(b"\x04" + b"1" * 64), "auth": b64(b"2" * 16)}


def subscription(endpoint: str, **keys) -> dict:
    return {"endpoint": endpoint, "keys": {**KEYS, **keys}}


@pytest.fixture
def alice(client, world):
    sign_in(client, world.alice)
    return {"X-CSRFToken": csrf_token(client, "/settings")}


REFUSED = [
    # private networks
    "https://10.0.0.1/push",
    "https://192.168.1.20/push",
    "https://172.16.0.5/push",
    # loopback
    "https://127.0.0.1:5432/",
    "https://localhost/push",
    "https://[::1]/push",
    # link-local (cloud metadata)
    "https://169.254.169.254/latest/meta-data/",
    "https://[fe80::1]/push",
    # unknown hosts, and look-alikes of the known ones
    "https://push.example.test/abc",
    "https://fcm.googleapis.com.evil.test/fcm/send/x",
    "https://evilfcm.googleapis.com/x",
    "https://notify.windows.com/x",
    "https://x.notify.windows.com.evil.test/x",
    # known hosts, but not https on the standard port, or with credentials
    "http://fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com:8443/fcm/send/x",
    "https://user:pw@fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com\\@10.0.0.1/x",
    "https://[fcm.googleapis.com/x",
    "ftp://fcm.googleapis.com/x",
]


@pytest.mark.parametrize("endpoint", REFUSED)
def test_endpoints_off_the_push_services_are_refused(client, alice, database, endpoint):
    response = client.post("/pwa/subscription", json=subscription(endpoint), headers=alice)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert database.count(PushSubscription) == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://wns2-db5p.notify.windows.com/w/?token=BQYAAA",
        "https://web.push.apple.com/QGx1",
    ],
)
def test_the_browsers_push_services_are_accepted(client, alice, database, endpoint):
    response = client.post("/pwa/subscription", json=subscription(endpoint), headers=alice)
    assert response.status_code == 200
    assert database.scalars(select(PushSubscription.endpoint)) == [endpoint]


def test_the_default_list_is_only_the_vendors(app):
    with app.test_request_context():
        assert tuple(app.config["PULSE_PUSH_HOSTS"] or DEFAULT_PUSH_HOSTS) == DEFAULT_PUSH_HOSTS
        assert not endpoint_allowed("http://127.0.0.1:8123/push")
        app.config["PULSE_PUSH_HOSTS"] = ("http://127.0.0.1:8123",)
        assert endpoint_allowed("http://127.0.0.1:8123/push")
        assert not endpoint_allowed("http://127.0.0.1:8124/push")
        assert not endpoint_allowed("https://fcm.googleapis.com/fcm/send/x")


def test_a_person_keeps_at_most_a_few_devices_the_oldest_replaced(client, alice, database):
    endpoints = [f"https://fcm.googleapis.com/fcm/send/device-{n}" for n in range(8)]
    for endpoint in endpoints:
        response = client.post("/pwa/subscription", json=subscription(endpoint), headers=alice)
        assert response.status_code == 200
    kept = database.scalars(select(PushSubscription.endpoint).order_by(PushSubscription.id))
    assert kept == endpoints[-MAX_SUBSCRIPTIONS:]


BAD_BODIES = [
    b"{",
    b"not json",
    b"\xff\xfe{}",
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'{"endpoint": "https://fcm.googleapis.com/fcm/send/a\\u0000b", "keys": {}}',
    b'{"endpoint\\u0000": 1}',
    b'{"endpoint": "https://fcm.googleapis.com/' + b"x" * 5000 + b'", "keys": {}}',
    b'{"endpoint": NaN}',
    b'{"n": ' + b"9" * 6000 + b"}",
    b"[[[[[[[[1]]]]]]]]",
    b"null",
    b"[]",
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_bad_json_is_a_400_with_a_message(client, alice, database, body, method):
    response = client.open(
        "/pwa/subscription",
        method=method,
        data=body,
        headers={**alice, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert database.count(PushSubscription) == 0


@pytest.mark.parametrize(
    "keys",
    [
        # junk characters that a lenient decoder would skip, so the length check passes
        {"auth": "!!!!" * 30 + KEYS["auth"]},
        {"auth": KEYS["auth"] + "\u00e9" * 90},
        {"p256dh": "*" * 99 + KEYS["p256dh"]},
        {"p256dh": KEYS["p256dh"] + "===="},
        {"auth": KEYS["auth"][:-1]},
        {"auth": b64(b"2" * 17)},
        {"p256dh": 65},
        {"auth": None},
    ],
)
def test_keys_with_junk_are_a_400(client, alice, database, keys):
    body = subscription("https://fcm.googleapis.com/fcm/send/k", **keys)
    response = client.post("/pwa/subscription", json=body, headers=alice)
    assert response.status_code == 400
    assert database.count(PushSubscription) == 0


def test_an_oversized_body_is_refused_not_a_crash(client, alice):
    body = b'{"endpoint": "' + b"x" * 100_000 + b'"}'
    response = client.post(
        "/pwa/subscription", data=body, headers={**alice, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


class Recorder:
    """A local HTTP server that records requests and answers with a fixed status/Location."""

    def __init__(self, status: int = 201, location: str | None = None) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server API)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.paths.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirecting_push_service_is_not_followed(app, world, database, status):
    target = Recorder()
    redirector = Recorder(status, location=f"{target.url}/internal")
    try:
        private, public = generate_vapid_keys()
        app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
        # Both are local: only the redirecting one is an allowed push service.
        app.config["PULSE_PUSH_HOSTS"] = (redirector.url,)
        with database.session() as session:
            browser_key = b64(
                ec.generate_private_key(ec.SECP256R1())
                .public_key()
                .public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            )
            session.add(
                PushSubscription(
                    person_id=world.alice,
                    endpoint=f"{redirector.url}/push/a",
                    p256dh=browser_key,
                    auth=KEYS["auth"],
                )
            )
        with app.app_context():
            report = send_round_push(db.session.get(Round, world.round_id), "open")
        assert redirector.paths == ["/push/a"]
        assert target.paths == []
        assert (report.sent, report.failed) == (0, 1)
    finally:
        redirector.close()
        target.close()


def test_a_stored_endpoint_off_the_list_is_never_contacted(app, world, database):
    """A row from before the list changed: dropped at send time, nothing is sent to it."""
    target = Recorder()
    try:
        private, public = generate_vapid_keys()
        app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
        with database.session() as session:
            session.add(
                PushSubscription(
                    person_id=world.alice,
                    endpoint=f"{target.url}/push/old",
                    p256dh=KEYS["p256dh"],
                    auth=KEYS["auth"],
                )
            )
        with app.app_context():
            report = send_round_push(db.session.get(Round, world.round_id), "open")
        assert target.paths == []
        assert report.removed == 1
        assert database.count(PushSubscription) == 0
    finally:
        target.close()
