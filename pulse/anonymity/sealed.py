"""Encryption at rest of a round's raw answers (docs/anonymity.md, "Encrypted while open").

Each round has its own random 256-bit data key. The database holds it only *wrapped*: encrypted
with AES-GCM under a key-encryption key derived from `PULSE_ANSWER_KEY`, a secret that lives in
the environment and never in the database. Each submission is one *box*: its team, answers and
comment, padded to one fixed size per round and encrypted with AES-GCM under the round key with a
random nonce. So a database reader without the secret - a DBA, a backup, a WAL archive, raw
table pages - sees per submission only "a box of N bytes in round R": not the team, not a
value, not even whether a comment was written or how long it is.

At release the boxes are opened once and the key is deleted with them (anonymity/release.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
#: Room for the team and up to seven answers in compact JSON (question ids are short).
HEADER_BYTES = 1024
#: A comment of the longest allowed length, 4 bytes per character at worst in UTF-8.
COMMENT_BYTES = 4 * 1000
#: The HKDF label: a different label would give an unrelated key from the same secret.
_KEK_INFO = b"tillidspuls answer key-encryption key v1"


class SealError(ValueError):
    """A box or a wrapped key that does not open with this secret: wrong secret, or damaged."""


@dataclass(frozen=True)
class Contents:
    """What one box holds: the submitter's frozen team, answers and an optional comment."""

    unit_id: int
    answers: dict[str, int] = field(default_factory=dict)
    audience: str | None = None
    comment: str = ""


def key_encryption_key(secret: str) -> bytes:
    """The 256-bit AES key derived from the `PULSE_ANSWER_KEY` setting."""
    if not secret:
        raise SealError("PULSE_ANSWER_KEY is not set")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEK_INFO).derive(
        secret.encode()
    )


def new_round_key(round_id: int, kek: bytes) -> tuple[bytes, bytes]:
    """A fresh data key for a round and its wrapped form (the only form that is stored)."""
    key = AESGCM.generate_key(bit_length=256)
    return key, _encrypt(kek, key, _round_label(round_id, b"key"))


def unwrap_round_key(round_id: int, wrapped: bytes, kek: bytes) -> bytes:
    return _decrypt(kek, wrapped, _round_label(round_id, b"key"))


def box_size(comments_enabled: bool) -> int:
    """The plaintext size of every box of a round: the same whether or not it has a comment."""
    return HEADER_BYTES + (COMMENT_BYTES if comments_enabled else 0)


def seal(key: bytes, round_id: int, contents: Contents, size: int) -> bytes:
    """The box for one submission: nonce + AES-GCM(padded contents)."""
    comment = contents.comment.encode()
    header: dict = {"u": contents.unit_id, "a": contents.answers}
    if comment:
        header |= {"c": contents.audience, "n": len(comment)}
    plain = json.dumps(header, separators=(",", ":")).encode() + b"\n" + comment
    if len(plain) > size:
        raise ValueError("the submission does not fit the round's box size")
    return _encrypt(key, plain.ljust(size, b"\0"), _round_label(round_id, b"box"))


def open_box(key: bytes, round_id: int, box: bytes) -> Contents:
    return _contents(_decrypt(key, box, _round_label(round_id, b"box")))


def open_boxes(key: bytes, round_id: int, boxes: Iterable[bytes]) -> Iterator[Contents]:
    """`open_box` for every box of a round, with the cipher and its label made once (a
    release opens tens of thousands)."""
    cipher, label = AESGCM(key), _round_label(round_id, b"box")
    for box in boxes:
        yield _contents(_decrypt_with(cipher, box, label))


def _contents(plain: bytes) -> Contents:
    header_text, _newline, rest = plain.partition(b"\n")
    header = json.loads(header_text)
    return Contents(
        unit_id=int(header["u"]),
        answers={str(q): int(v) for q, v in header["a"].items()},
        audience=header.get("c"),
        comment=rest[: header.get("n", 0)].decode(),
    )


def _round_label(round_id: int, kind: bytes) -> bytes:
    # Bound to the round as associated data: a box or key copied to another round won't open.
    return b"tillidspuls/" + kind + b"/" + str(round_id).encode()


def _encrypt(key: bytes, plain: bytes, label: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, label)


def _decrypt(key: bytes, sealed: bytes, label: bytes) -> bytes:
    return _decrypt_with(AESGCM(key), sealed, label)


def _decrypt_with(cipher: AESGCM, sealed: bytes, label: bytes) -> bytes:
    try:
        return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], label)
    except (InvalidTag, ValueError) as error:
        raise SealError("cannot open: wrong PULSE_ANSWER_KEY, or damaged data") from error
