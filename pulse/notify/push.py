"""Web push: storing a device's subscription, and nudging everyone in a round's teams.

A push goes to every person invited to the round, answered or not: a reminder sent only to those
who have not answered would tell anyone watching a phone who has. The payload says only that a
pulse is open or closing soon; it never carries answers. Logs count messages, never name people.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from pulse.extensions import db
from pulse.models import Organisation, Person, PushSubscription, Round, RoundMember

log = logging.getLogger(__name__)

#: What a round push may say: its kind picks the wording.
KINDS = ("open", "reminder")
#: The push service may hold a message this long when the phone is off (seconds).
TTL = 24 * 60 * 60
#: Seconds to connect to / hear back from a push service: a slow one must not hold up the tick.
TIMEOUT = (3.05, 5)
#: Devices per person: a new one replaces the oldest (nobody needs more; a script can't pile up).
MAX_SUBSCRIPTIONS = 5
#: The browsers' push services (Chrome/Edge-Chromium, Firefox, Windows, Safari). An endpoint on
#: any other host is refused: the tick would POST to it (see README, Configuration).
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.notify.windows.com",
    "*.push.apple.com",
)
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class SubscriptionError(ValueError):
    """The browser sent something that is not a usable push subscription."""


@dataclass(frozen=True)
class PushReport:
    sent: int = 0
    removed: int = 0
    failed: int = 0


def vapid_configured() -> bool:
    config = current_app.config
    return bool(config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY"))


def _b64url_key(value: object, size: int) -> str:
    """A key of exactly `size` bytes in base64url, strictly (no junk skipped), unpadded."""
    if not isinstance(value, str) or len(value) > 100 or not _BASE64URL.fullmatch(value):
        raise SubscriptionError("not a base64url string")
    value = value.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise SubscriptionError("not a base64url string") from error
    if len(raw) != size:
        raise SubscriptionError("wrong key length")
    return value


def push_hosts() -> tuple[str, ...]:
    """PULSE_PUSH_HOSTS: host names ("*.example" for any sub-domain), or whole origins
    ("http://127.0.0.1:8123", for a local push service in tests or development)."""
    return tuple(current_app.config.get("PULSE_PUSH_HOSTS") or DEFAULT_PUSH_HOSTS)


def endpoint_allowed(endpoint: object) -> bool:
    """An https URL on one of the push services' hosts (default port), or an allowed origin."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        return False
    if not endpoint.isascii() or any(ord(c) < 33 for c in endpoint) or "\\" in endpoint:
        return False
    try:
        parts = urlsplit(endpoint)
        hostname, port = parts.hostname, parts.port
    except ValueError:  # e.g. an unclosed IPv6 bracket or a port out of range
        return False
    if not hostname or parts.username is not None or parts.password is not None:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for allowed in push_hosts():
        allowed = allowed.strip().lower()
        if "://" in allowed:
            if origin == allowed.rstrip("/"):
                return True
            continue
        if parts.scheme != "https" or port not in (None, 443):
            continue
        if allowed.startswith("*."):
            suffix = allowed[1:]
            if hostname.endswith(suffix) and len(hostname) > len(suffix):
                return True
        elif hostname == allowed:
            return True
    return False


def save_subscription(person: Person, data: object) -> PushSubscription:
    """Store (or move to this person) a subscription as `PushSubscription.toJSON()` gives it."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise SubscriptionError("no subscription")
    endpoint = data.get("endpoint")
    if not endpoint_allowed(endpoint):
        raise SubscriptionError("bad endpoint")
    p256dh = _b64url_key(data["keys"].get("p256dh"), 65)
    auth = _b64url_key(data["keys"].get("auth"), 16)
    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if subscription is None:
        _make_room(person)
        subscription = PushSubscription(endpoint=endpoint)
        db.session.add(subscription)
    elif subscription.person_id != person.id:
        _make_room(person)
    # A device signed in by someone else now belongs to them.
    subscription.person_id = person.id
    subscription.p256dh = p256dh
    subscription.auth = auth
    db.session.flush()
    return subscription


def _make_room(person: Person) -> None:
    """Delete this person's oldest subscriptions so that one more fits under the cap."""
    count = db.session.scalar(
        select(func.count())
        .select_from(PushSubscription)
        .where(PushSubscription.person_id == person.id)
    )
    surplus = count - MAX_SUBSCRIPTIONS + 1
    if surplus > 0:
        oldest = db.session.scalars(
            select(PushSubscription.id)
            .where(PushSubscription.person_id == person.id)
            .order_by(PushSubscription.id)
            .limit(surplus)
        ).all()
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(oldest)))


class _NoRedirects(requests.Session):
    """A push service answers; it never sends us elsewhere. A redirect is a failure."""

    def request(self, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def forget_subscription(person: Person, endpoint: str) -> None:
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.person_id == person.id, PushSubscription.endpoint == endpoint
        )
    )


def send_push(
    subscription: PushSubscription, payload: dict, session: requests.Session | None = None
) -> bool | None:
    """Send one message. True: accepted; None: the subscription is gone and was deleted
    (404/410 from the push service, or its host no longer allowed); False: failed this time
    (kept). `session`: one HTTP session for a whole batch (made here when not given)."""
    from pywebpush import WebPushException, webpush

    config = current_app.config
    # Checked again when sending: a row stored before the list changed must not be contacted.
    if not endpoint_allowed(subscription.endpoint):
        db.session.delete(subscription)
        return None
    own_session = session is None
    session = session or _NoRedirects()
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=config["VAPID_PRIVATE_KEY"],
            vapid_claims={"sub": config["VAPID_SUBJECT"]},
            ttl=TTL,
            timeout=TIMEOUT,
            requests_session=session,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            db.session.delete(subscription)
            return None
        log.warning("A push message was refused by the push service (status %s).", status)
        return False
    except Exception as error:  # a network error must not stop the other messages
        # The type only: a traceback would carry the device's push endpoint URL.
        log.warning("A push message could not be sent (%s).", type(error).__name__)
        return False
    finally:
        if own_session:
            session.close()
    return True


def round_payload(round_: Round, kind: str, locale: str) -> dict:
    """The message for one language. No answers, no names, no figures."""
    with force_locale(locale):
        if kind == "open":
            title = _("A new pulse is open")
            body = _("A few short questions. It takes about a minute, and it's anonymous.")
        else:
            title = _("The pulse closes soon")
            body = _("There is still time to answer, if you want to.")
    return {"title": title, "body": body, "url": "/", "tag": f"round-{round_.id}"}


def send_round_push(round_: Round, kind: str) -> PushReport:
    """Nudge every device of everyone invited to the round (kind "open" or "reminder").

    Called by the scheduler when a round opens and once before it closes. Deliberately not
    filtered by who has answered (see the module docstring). Commits the deleted subscriptions.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown push kind: {kind}")
    if not vapid_configured():
        log.info("Web push is not configured (VAPID keys); no push for round %s.", round_.id)
        return PushReport()
    rows = db.session.execute(
        select(PushSubscription, Person.locale)
        .join(Person, Person.id == PushSubscription.person_id)
        .join(RoundMember, RoundMember.person_id == Person.id)
        .where(RoundMember.round_id == round_.id, Person.active.is_(True))
        .order_by(PushSubscription.id)
    ).all()
    organisation = db.session.get(Organisation, round_.organisation_id)
    default_locale = organisation.default_locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    payloads: dict[str, dict] = {}
    sent = removed = failed = 0
    with _NoRedirects() as session:
        for subscription, locale in rows:
            locale = locale or default_locale
            if locale not in payloads:
                payloads[locale] = round_payload(round_, kind, locale)
            outcome = send_push(subscription, payloads[locale], session)
            if outcome is None:
                removed += 1
            elif outcome:
                sent += 1
            else:
                failed += 1
    db.session.commit()
    log.info(
        "Round %s %s push: %d sent, %d expired subscriptions removed, %d failed.",
        round_.id,
        kind,
        sent,
        removed,
        failed,
    )
    return PushReport(sent=sent, removed=removed, failed=failed)


def generate_vapid_keys() -> tuple[str, str]:
    """A new VAPID key pair as base64url strings: (private key, public key for the browser)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
