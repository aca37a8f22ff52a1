"""Organisation, unit tree, people, memberships, roles and sign-in tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pulse.anonymity.settings import DEFAULT_COMMENT_K, DEFAULT_DISTRIBUTION_K, DEFAULT_K
from pulse.extensions import db


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Locale for people who have not chosen one: "da" or "nb".
    default_locale: Mapped[str] = mapped_column(String(5), default="da")
    #: Privacy settings (docs/anonymity.md). They change only through two-party approval.
    min_group_size: Mapped[int] = mapped_column(default=DEFAULT_K)
    min_distribution_size: Mapped[int] = mapped_column(default=DEFAULT_DISTRIBUTION_K)
    min_comment_group_size: Mapped[int] = mapped_column(default=DEFAULT_COMMENT_K)
    comments_enabled: Mapped[bool] = mapped_column(default=True)

    units: Mapped[list[Unit]] = relationship(back_populates="organisation")

    __table_args__ = (
        CheckConstraint("min_group_size >= 3", name="k_at_least_3"),
        CheckConstraint("min_distribution_size >= min_group_size", name="distribution_k"),
        CheckConstraint("min_comment_group_size >= min_group_size", name="comment_k"),
    )


class Unit(db.Model):
    """A node of the organisation tree: area, institution (workplace) or team."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "organisation", "area", "workplace" or "team": for display and for the demo only.
    kind: Mapped[str] = mapped_column(String(20), default="team")
    #: When the unit was closed (reorganised away). Never deleted: released figures, actions
    #: and audit rows keep pointing at it.
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def ancestors(self) -> list[Unit]:
        """From the parent up to the root."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The person's chosen language; None means the organisation's default.
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped to sign the person out on every device at once.
    session_version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship()
    membership: Mapped[Membership | None] = relationship(back_populates="person", uselist=False)
    roles: Mapped[list[RoleAssignment]] = relationship(back_populates="person")
    committees: Mapped[list[Committee]] = relationship(
        secondary="committee_member", back_populates="members"
    )

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    def get_id(self) -> str:
        # Flask-Login stores this in the session; a new session_version invalidates it.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active


class Membership(db.Model):
    """The one unit whose pulse a person answers (their team). One per person."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="membership")
    unit: Mapped[Unit] = relationship()


class Role(enum.StrEnum):
    LEADER = "leader"
    TR = "tr"  # tillidsrepræsentant / tillitsvalgt
    AMR = "amr"  # arbejdsmiljørepræsentant / verneombud
    ADMIN = "admin"


class RoleAssignment(db.Model):
    """Leader, TR or AMR of a unit (and its sub-units), or administrator of the organisation."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="roles")
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        UniqueConstraint(
            "person_id", "role", "unit_id", name="uq_role_assignment_person_role_unit"
        ),
        CheckConstraint("role IN ('leader', 'tr', 'amr', 'admin')", name="known_role"),
        # A TRIO role belongs to a unit; the administrator role to the whole organisation.
        CheckConstraint(
            "(role = 'admin' AND unit_id IS NULL) OR (role <> 'admin' AND unit_id IS NOT NULL)",
            name="unit_matches_role",
        ),
    )


class Committee(db.Model):
    """A MED committee (NO: AMU / partssammensatt utvalg) covering one or more subtrees."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    units: Mapped[list[Unit]] = relationship(secondary="committee_unit")
    members: Mapped[list[Person]] = relationship(
        secondary="committee_member", back_populates="committees"
    )


class CommitteeUnit(db.Model):
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class CommitteeMember(db.Model):
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)


class DeviceSession(db.Model):
    """A device that is signed in. Signing out deletes the row, so a copied cookie stops working.

    Only the hash of the device's token is stored (the token lives in the session cookie).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: How the device signed in: "link" (a personal link or QR card) or "idp" (the
    #: organisation's identity provider). A person whose role must use the provider keeps only
    #: "idp" sessions (pulse/auth/idp.py: end_link_sessions).
    via: Mapped[str] = mapped_column(String(8), default="link", server_default="link")


class SignInToken(db.Model):
    """A personal sign-in link. Only the SHA-256 of the token is stored; it works once.

    A used link is deleted, not marked: a "used at" would tell who was active during a round.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]

    person: Mapped[Person] = relationship()
