"""Web push end to end without the internet: a local push service decrypts and checks each message.

The test plays both the browser (an EC P-256 key pair and an auth secret, as `pushManager
.subscribe()` makes them) and the push service (a small HTTP server on 127.0.0.1 that decrypts
the body with http_ece and verifies the VAPID JWT with the application server's public key).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import select

from pulse.extensions import db
from pulse.models import PushSubscription, Round
from pulse.notify.push import generate_vapid_keys, send_round_push

SUBJECT = "mailto:it@example.test"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One device's push keys, as the browser keeps them."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )


@dataclass
class Delivery:
    path: str
    #: Names in lower case.
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1: records every delivery, answers with `status_for(path)`."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.statuses: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.deliveries.append(
                    Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(service.statuses.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


@pytest.fixture
def vapid(app, push_service) -> str:
    """VAPID keys in the settings, as `flask pulse vapid-keys` makes them; the public key.
    The local push service (and the port nothing listens on) are the allowed push hosts."""
    private, public = generate_vapid_keys()
    app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public, VAPID_SUBJECT=SUBJECT)
    app.config["PULSE_PUSH_HOSTS"] = (push_service.url, "http://127.0.0.1:9")
    return public


def subscribe(database, person_id: int, endpoint: str, browser: Browser) -> None:
    with database.session() as session:
        session.add(
            PushSubscription(
                person_id=person_id,
                endpoint=endpoint,
                p256dh=browser.p256dh,
                auth=b64url(browser.auth),
            )
        )


def push_round(app, round_id: int, kind: str = "open"):
    with app.app_context():
        return send_round_push(db.session.get(Round, round_id), kind)


def decrypt(delivery: Delivery, browser: Browser) -> dict:
    assert delivery.headers["content-encoding"] == "aes128gcm"
    plain = http_ece.decrypt(
        delivery.body,
        private_key=browser.private_key,
        auth_secret=browser.auth,
        version="aes128gcm",
    )
    return json.loads(plain)


def verify_vapid(delivery: Delivery, public_key: str, audience: str) -> dict:
    """Check the `Authorization: vapid t=<JWT>, k=<key>` header as a push service does."""
    scheme, _, params = delivery.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert parts["k"] == public_key
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(unb64url(header_b64))
    assert header == {"typ": "JWT", "alg": "ES256"}
    signature = unb64url(signature_b64)
    assert len(signature) == 64
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == audience
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    # And a forged signature would not pass.
    with pytest.raises(InvalidSignature):
        key.verify(der, f"{header_b64}.{claims_b64}x".encode(), ec.ECDSA(hashes.SHA256()))
    return claims


def test_a_round_push_reaches_every_invited_device_encrypted_and_signed(
    app, world, database, push_service, vapid, client
):
    from tests.factories import sign_in
    from tests.helpers import csrf_token

    # Alice answers first: she gets the push all the same (never only the non-responders).
    sign_in(client, world.alice)
    token = csrf_token(client, f"/pulse/{world.round_id}")
    answer = {"submission_key": "k" * 32, "audience": "trio", "csrf_token": token}
    answer[f"q_{world.question_ids[0]}"] = "4"
    assert client.post(f"/pulse/{world.round_id}", data=answer).status_code == 200

    phones = {world.alice: Browser(), world.bob: Browser()}
    for person_id, browser in phones.items():
        subscribe(database, person_id, f"{push_service.url}/push/{person_id}", browser)
    # Someone in another organisation, not invited to the round.
    subscribe(database, world.outsider_id, f"{push_service.url}/push/outsider", Browser())

    report = push_round(app, world.round_id, "open")

    assert (report.sent, report.removed, report.failed) == (2, 0, 0)
    by_path = {d.path: d for d in push_service.deliveries}
    assert set(by_path) == {f"/push/{world.alice}", f"/push/{world.bob}"}
    for person_id, browser in phones.items():
        delivery = by_path[f"/push/{person_id}"]
        assert int(delivery.headers["ttl"]) > 0
        verify_vapid(delivery, vapid, push_service.url)
        payload = decrypt(delivery, browser)
        # Only what the notification needs: no answers, no names, no figures.
        assert set(payload) == {"title", "body", "url", "tag"}
        assert payload["url"] == "/"
        assert payload["tag"] == f"round-{world.round_id}"
        assert payload["title"]  # in the person's language (Danish by default)
    # Both got the same message: nothing tells who has answered.
    assert decrypt(by_path[f"/push/{world.alice}"], phones[world.alice]) == decrypt(
        by_path[f"/push/{world.bob}"], phones[world.bob]
    )


def test_the_reminder_has_its_own_wording(app, world, database, push_service, vapid):
    browser = Browser()
    subscribe(database, world.alice, f"{push_service.url}/push/a", browser)
    push_round(app, world.round_id, "open")
    push_round(app, world.round_id, "reminder")
    opened, reminder = (decrypt(d, browser) for d in push_service.deliveries)
    assert opened["title"] != reminder["title"]


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(app, world, database, push_service, vapid, status):
    subscribe(database, world.alice, f"{push_service.url}/push/gone", Browser())
    subscribe(database, world.bob, f"{push_service.url}/push/fine", Browser())
    push_service.statuses["/push/gone"] = status

    report = push_round(app, world.round_id)

    assert (report.sent, report.removed, report.failed) == (1, 1, 0)
    endpoints = database.scalars(select(PushSubscription.endpoint))
    assert endpoints == [f"{push_service.url}/push/fine"]


def test_a_failing_push_service_keeps_the_subscription_and_logs_no_person(
    app, world, database, push_service, vapid, caplog
):
    subscribe(database, world.alice, f"{push_service.url}/push/busy", Browser())
    push_service.statuses["/push/busy"] = 500
    caplog.set_level(logging.INFO)

    report = push_round(app, world.round_id)

    assert (report.sent, report.removed, report.failed) == (0, 0, 1)
    assert database.count(PushSubscription) == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "push" in logged
    # Counts only: no endpoint, no person's name.
    assert "busy" not in logged and "Testesen" not in logged and "Person" not in logged


def test_an_unreachable_push_service_does_not_stop_the_others(
    app, world, database, push_service, vapid
):
    subscribe(database, world.alice, "http://127.0.0.1:9/nothing-listens-here", Browser())
    subscribe(database, world.bob, f"{push_service.url}/push/fine", Browser())
    report = push_round(app, world.round_id)
    assert (report.sent, report.removed, report.failed) == (1, 0, 1)


def test_without_vapid_keys_nothing_is_sent(app, world, database, push_service):
    subscribe(database, world.alice, f"{push_service.url}/push/a", Browser())
    report = push_round(app, world.round_id)
    assert report.sent == 0 and push_service.deliveries == []


def test_unknown_kind_is_refused(app, world, vapid):
    with pytest.raises(ValueError):
        push_round(app, world.round_id, "results")


def test_push_command(app, world, database, push_service, vapid, runner):
    subscribe(database, world.alice, f"{push_service.url}/push/a", Browser())
    result = runner.invoke(args=["pulse", "push", str(world.round_id), "--kind", "reminder"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(push_service.deliveries) == 1


def test_each_person_gets_their_language_and_inactive_people_none(
    app, world, database, push_service, vapid
):
    from pulse.models import Person

    danish, norwegian, gone = Browser(), Browser(), Browser()
    subscribe(database, world.alice, f"{push_service.url}/push/da", danish)
    subscribe(database, world.bob, f"{push_service.url}/push/nb", norwegian)
    subscribe(database, world.team_a_ids[2], f"{push_service.url}/push/gone", gone)
    with database.session() as session:
        session.get(Person, world.bob).locale = "nb"
        session.get(Person, world.team_a_ids[2]).active = False

    push_round(app, world.round_id)

    by_path = {d.path: d for d in push_service.deliveries}
    assert set(by_path) == {"/push/da", "/push/nb"}
    with app.app_context():
        from pulse.notify.push import round_payload

        round_ = db.session.get(Round, world.round_id)
        assert decrypt(by_path["/push/da"], danish) == round_payload(round_, "open", "da")
        assert decrypt(by_path["/push/nb"], norwegian) == round_payload(round_, "open", "nb")
