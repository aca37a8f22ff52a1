"""The data model. The schema is created only by the Alembic migrations in `migrations/`.

Anonymity is enforced by the schema itself: `SealedAnswer` (encrypted while a round is open) and
`ReleasedComment` have no column that names a person, a device, an address or a time, and their
ids are random. `Participation` records only *that* a person answered a round; it is deleted at
release (docs/anonymity.md).
"""

from pulse.models.api import ApiToken
from pulse.models.content import Dimension, DimensionText, Question, QuestionText, Scale, ScaleLabel
from pulse.models.followup import (
    Action,
    ActionEvent,
    ActionOwner,
    ActionStatus,
    AuditEvent,
    PushSubscription,
)
from pulse.models.med import CommitteeDiscussion
from pulse.models.notifications import NotificationLog
from pulse.models.org import (
    Committee,
    CommitteeMember,
    CommitteeUnit,
    DeviceSession,
    Membership,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    SignInToken,
    Unit,
)
from pulse.models.release import FigureKind, PrivacyChange, PrivacyChangeStatus, ReleasedFigure
from pulse.models.rounds import (
    Audience,
    Participation,
    Plan,
    PlanDimension,
    PlanUnit,
    ReleasedComment,
    Round,
    RoundKey,
    RoundMember,
    RoundQuestion,
    RoundState,
    RoundTeam,
    SealedAnswer,
)

__all__ = [
    "Action",
    "ApiToken",
    "ActionEvent",
    "ActionOwner",
    "ActionStatus",
    "AuditEvent",
    "Audience",
    "Committee",
    "CommitteeDiscussion",
    "CommitteeMember",
    "CommitteeUnit",
    "DeviceSession",
    "Dimension",
    "FigureKind",
    "DimensionText",
    "Membership",
    "NotificationLog",
    "Organisation",
    "Participation",
    "Person",
    "Plan",
    "PrivacyChange",
    "PrivacyChangeStatus",
    "PlanDimension",
    "PlanUnit",
    "PushSubscription",
    "Question",
    "ReleasedComment",
    "ReleasedFigure",
    "QuestionText",
    "Role",
    "RoleAssignment",
    "Round",
    "RoundMember",
    "RoundQuestion",
    "RoundState",
    "RoundKey",
    "RoundTeam",
    "Scale",
    "ScaleLabel",
    "SealedAnswer",
    "SignInToken",
    "Unit",
]
