"""What a round releases: the only figures any page, chart, export or API may read.

Computed once, when the round is released (pulse/anonymity/release.py). A hidden figure keeps
only its reason: no count, mean or distribution of a suppressed group is ever stored.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pulse.extensions import db


class FigureKind(enum.StrEnum):
    """What a released figure measures (written by the release, read by every page)."""

    PARTICIPATION = "participation"
    QUESTION = "question"
    DIMENSION = "dimension"
    COMMENTS = "comments"


class PrivacyChangeStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def one_of(column: str, values: type[enum.StrEnum]) -> str:
    """A CHECK clause naming exactly the enum's values, so the schema and the code agree."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class ReleasedFigure(db.Model):
    """One figure of one unit's subtree in one round.

    kind "participation": invited, respondents and rate of the round.
    kind "question": respondents, mean on the question's scale, distribution where allowed.
    kind "dimension": the dimension index 0-100 (mean of its questions' normalised means).
    kind "comments": whether the unit's comments may be shown (respondents >= comment k).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(15))
    #: The question or dimension id for those kinds; "" otherwise.
    ref: Mapped[str] = mapped_column(String(40), default="")
    suppressed: Mapped[bool]
    #: Why it is hidden: too_few, protects_others, no_answers (see anonymity/rules.py).
    reason: Mapped[str | None] = mapped_column(String(20))
    invited: Mapped[int | None]
    respondents: Mapped[int | None]
    #: One decimal; a question's mean on its own scale, a dimension's index on 0-100.
    mean: Mapped[float | None]
    #: {"1": 3, "2": 5, ...} only when at least the distribution threshold answered.
    distribution: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    #: The unit's chain of ancestors at release time ("/root/.../unit/"): the tree the rules
    #: were applied to, so `pulse verify` can recheck them after units have moved.
    path: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "kind", "ref", name="uq_released_figure_key"),
        CheckConstraint(one_of("kind", FigureKind), name="known_kind"),
        # A hidden figure carries no number at all.
        CheckConstraint(
            "NOT suppressed OR (respondents IS NULL AND mean IS NULL AND distribution IS NULL"
            " AND invited IS NULL)",
            name="hidden_has_no_numbers",
        ),
    )


class PrivacyChange(db.Model):
    """A proposed change of a privacy setting; it applies only when the other party approves.

    Management (administrator or leader) and employee representatives (TR) must both agree:
    one proposes, someone from the other side approves (docs/anonymity.md, "Two-party governance").
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    setting: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(20))
    new_value: Mapped[str] = mapped_column(String(20))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: "management" or "representatives": the side the proposer acted for.
    proposed_as: Mapped[str] = mapped_column(String(20))
    proposed_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default=PrivacyChangeStatus.PROPOSED)

    __table_args__ = (
        CheckConstraint(
            "setting IN ('min_group_size', 'min_comment_group_size', 'comments_enabled')",
            name="known_setting",
        ),
        CheckConstraint(one_of("status", PrivacyChangeStatus), name="known_status"),
    )
