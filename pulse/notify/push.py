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
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from pulse.extensions import db
from pulse.models import Organisation, Person, PushSubscription, Round, RoundMember

log = logging.getLogger(__name__)

#: What a round push may say: its kind picks the wording.
KINDS = ("open", "reminder")
#: The push service may hold a message this long when the phone is off (seconds).
TTL = 24 * 60 * 60


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


def _b64url_bytes(value: object) -> bytes:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise SubscriptionError("not a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise SubscriptionError("not a base64url string") from error


def save_subscription(person: Person, data: object) -> PushSubscription:
    """Store (or move to this person) a subscription as `PushSubscription.toJSON()` gives it."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise SubscriptionError("no subscription")
    endpoint = data.get("endpoint")
    try:
        parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
        hostname = parts.hostname if parts else None
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        raise SubscriptionError("bad endpoint") from error
    # Push services are always https; anything else is not a browser's subscription.
    if parts is None or parts.scheme != "https" or not hostname or len(endpoint) > 1000:
        raise SubscriptionError("bad endpoint")
    p256dh, auth = data["keys"].get("p256dh"), data["keys"].get("auth")
    if len(_b64url_bytes(p256dh)) != 65 or len(_b64url_bytes(auth)) != 16:
        raise SubscriptionError("bad keys")
    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint)
        db.session.add(subscription)
    # A device signed in by someone else now belongs to them.
    subscription.person_id = person.id
    subscription.p256dh = p256dh
    subscription.auth = auth
    db.session.flush()
    return subscription


def forget_subscription(person: Person, endpoint: str) -> None:
    db.session.execute(
        delete(PushSubscription).where(
            PushSubscription.person_id == person.id, PushSubscription.endpoint == endpoint
        )
    )


def send_push(subscription: PushSubscription, payload: dict) -> bool | None:
    """Send one message. True: accepted; None: the subscription is gone and was deleted
    (404/410 from the push service); False: failed this time (kept)."""
    from pywebpush import WebPushException, webpush

    config = current_app.config
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
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            db.session.delete(subscription)
            return None
        log.warning("A push message was refused by the push service (status %s).", status)
        return False
    except Exception:  # a network error must not stop the other messages
        log.warning("A push message could not be sent.", exc_info=True)
        return False
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
    for subscription, locale in rows:
        locale = locale or default_locale
        if locale not in payloads:
            payloads[locale] = round_payload(round_, kind, locale)
        outcome = send_push(subscription, payloads[locale])
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
