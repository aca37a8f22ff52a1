"""The data model. The schema is created only by the Alembic migrations in `migrations/`.

Anonymity is enforced by the schema itself: `Answer` and `Comment` have no column that names a
person, a device, an address or a time, and their ids are random. `Participation` records only
*that* a person answered a round (docs/anonymity.md, "What is stored").
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
    Answer,
    Audience,
    Comment,
    Participation,
    Plan,
    PlanDimension,
    PlanUnit,
    Round,
    RoundMember,
    RoundQuestion,
    RoundState,
    RoundTeam,
)

__all__ = [
    "Action",
    "ApiToken",
    "ActionEvent",
    "ActionOwner",
    "ActionStatus",
    "Answer",
    "AuditEvent",
    "Audience",
    "Comment",
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
    "ReleasedFigure",
    "QuestionText",
    "Role",
    "RoleAssignment",
    "Round",
    "RoundMember",
    "RoundQuestion",
    "RoundState",
    "RoundTeam",
    "Scale",
    "ScaleLabel",
    "SignInToken",
    "Unit",
]
