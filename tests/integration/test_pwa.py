"""The installable app: manifest, icons, service worker, offline page, the worker's endpoints."""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from pulse.models import PushSubscription
from tests.factories import sign_in
from tests.helpers import csrf_token, elements

ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HX-Request": "true", "HX-Target": "pulse"}


def static_url(client, filename: str) -> str:
    """A static file's URL as pages link it (content-hashed, see pulse/web.py)."""
    with client.application.test_request_context():
        return url_for("static", filename=filename)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a real PNG: signature, an IHDR chunk with a valid CRC, an IEND."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    header = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    assert zlib.crc32(b"IHDR" + header) == crc, "IHDR checksum"
    assert data.endswith(b"IEND\xaeB`\x82"), "no IEND chunk"
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    return width, height


def test_manifest_is_valid_and_linked_from_every_page(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    for field in ("name", "short_name", "description", "start_url", "scope", "lang"):
        assert manifest[field], field
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["lang"] == "da"
    assert manifest["theme_color"].startswith("#")
    assert manifest["background_color"].startswith("#")

    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.mimetype == "image/png"
        width, height = png_size(image.data)
        assert f"{width}x{height}" == icon["sizes"], icon["src"]

    for path in ("/", "/privacy", "/settings", "/offline"):
        page = client.get(path).get_data(as_text=True)
        links = elements(page, "link", rel="manifest")
        assert [link["href"] for link in links] == ["/manifest.webmanifest"], path
        assert elements(page, "meta", name="theme-color"), path
        assert elements(page, "script", src=static_url(client, "js/pwa.js")), path


def test_manifest_speaks_the_chosen_language(client):
    client.post("/settings", data={"locale": "nb", "csrf_token": csrf_token(client, "/settings")})
    manifest = client.get("/manifest.webmanifest").get_json(force=True)
    assert manifest["lang"] == "nb"


def test_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert "clients.claim()" in body and "skipWaiting()" in body
    # The precached shell: every file exists, and the version changes with their contents.
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert "/offline" in shell and static_url(client, "js/outbox.js") in shell
    for path in shell:
        assert client.get(path).status_code == 200, path
    # Nothing personal in the shell: no home page, no results, no answer pages.
    assert "/" not in shell
    assert not [path for path in shell if path.startswith(("/pulse", "/results", "/med"))]


def test_offline_page(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert elements(response.get_data(as_text=True), "section", data_state="offline")


def test_csrf_endpoint_gives_a_token_that_a_replay_can_use(client, world, database):
    sign_in(client, world.alice)
    token = client.get("/pwa/csrf").get_json()["token"]
    assert client.get("/pwa/csrf").headers["Cache-Control"] == "no-store"
    # As the outbox replays: the kept form's fields, the fresh token in place of the old one.
    data = {
        "submission_key": uuid.uuid4().hex,
        "audience": "trio",
        "comment": "",
        "csrf_token": token,
    }
    response = client.post(
        f"/pulse/{world.round_id}", data=data, headers={**HTMX, "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert 'data-state="thanks"' in response.get_data(as_text=True)
    # The same submission again (a replay after a lost reply): same reply, stored once.
    again = client.post(
        f"/pulse/{world.round_id}", data=data, headers={**HTMX, "X-CSRFToken": token}
    )
    assert again.status_code == 200
    from pulse.models import Participation

    assert database.count(Participation) == 1


def test_offline_pages_list_only_an_unanswered_open_round(client, world):
    assert client.get("/pwa/pages").get_json() == {"pages": []}
    sign_in(client, world.alice)
    assert client.get("/pwa/pages").get_json() == {"pages": [f"/pulse/{world.round_id}"]}
    assert client.get("/pwa/pages").headers["Cache-Control"] == "no-store"
    token = csrf_token(client, f"/pulse/{world.round_id}")
    data = {"submission_key": uuid.uuid4().hex, "audience": "trio", "csrf_token": token}
    assert client.post(f"/pulse/{world.round_id}", data=data).status_code == 200
    assert client.get("/pwa/pages").get_json() == {"pages": []}


def subscription_json(endpoint: str = "https://fcm.googleapis.com/fcm/send/abc") -> dict:
    import base64

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "endpoint": endpoint,
        "keys": {"p256dh": b64(b"\x04" + b"1" * 64), "auth": b64(b"2" * 16)},
    }


def test_a_device_subscribes_and_unsubscribes(client, world, database):
    sign_in(client, world.alice)
    token = csrf_token(client, "/settings")
    headers = {"X-CSRFToken": token}
    response = client.post("/pwa/subscription", json=subscription_json(), headers=headers)
    assert response.status_code == 200
    # The same device again: still one row.
    client.post("/pwa/subscription", json=subscription_json(), headers=headers)
    rows = database.scalars(select(PushSubscription.person_id))
    assert rows == [world.alice]

    response = client.delete(
        "/pwa/subscription", json={"endpoint": subscription_json()["endpoint"]}, headers=headers
    )
    assert response.status_code == 200
    assert database.count(PushSubscription) == 0


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"endpoint": "https://fcm.googleapis.com/fcm/send/abc"},
        subscription_json("http://127.0.0.1:8080/internal"),
        subscription_json("javascript:alert(1)"),
        {**subscription_json(), "keys": {"p256dh": "short", "auth": "x"}},
        {**subscription_json(), "keys": {"p256dh": ["list"], "auth": 7}},
    ],
)
def test_bad_subscriptions_are_refused_and_change_nothing(client, world, database, body):
    sign_in(client, world.alice)
    headers = {"X-CSRFToken": csrf_token(client, "/settings")}
    response = client.post("/pwa/subscription", json=body, headers=headers)
    assert response.status_code == 400
    assert database.count(PushSubscription) == 0


def test_subscribing_needs_csrf_and_a_sign_in(client, world, database):
    assert client.post("/pwa/subscription", json=subscription_json()).status_code == 400
    headers = {"X-CSRFToken": csrf_token(client, "/settings")}
    response = client.post("/pwa/subscription", json=subscription_json(), headers=headers)
    assert response.status_code in (302, 401)
    sign_in(client, world.alice)
    assert client.post("/pwa/subscription", json=subscription_json()).status_code == 400
    assert database.count(PushSubscription) == 0


def test_settings_show_the_notifications_section(client, world, app):
    app.config["VAPID_PUBLIC_KEY"] = "BPublicKeyForTheBrowser"
    sign_in(client, world.alice)
    page = client.get("/settings").get_data(as_text=True)
    [section] = elements(page, "section", id="notifications")
    assert section["data-vapid-key"] == "BPublicKeyForTheBrowser"
    assert elements(page, "button", data_push_on=True)
    assert elements(page, "script", src=static_url(client, "js/notifications.js"))


def test_vapid_keys_command_prints_a_usable_key_pair(runner):
    from py_vapid import Vapid02

    result = runner.invoke(args=["pulse", "vapid-keys"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if "=" in line[:20])
    vapid = Vapid02.from_string(lines["VAPID_PRIVATE_KEY"])
    headers = vapid.sign({"aud": "https://push.example.test", "sub": "mailto:it@example.test"})
    assert lines["VAPID_PUBLIC_KEY"] in headers["Authorization"]


def _page_weight_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "bench" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answer_page_first_visit_stays_under_60_kb_compressed(client, world):
    page_weight = _page_weight_module()
    sign_in(client, world.alice)
    sizes = page_weight.measure(client, f"/pulse/{world.round_id}")
    print("\n" + page_weight.report(sizes))
    assert static_url(client, "vendor/htmx-2.0.11.min.js") in sizes
    assert static_url(client, "js/outbox.js") in sizes
    assert not [url for url in sizes if "plotly" in url], "no chart library on the answer page"
    assert sum(sizes.values()) <= page_weight.BUDGET_BYTES
