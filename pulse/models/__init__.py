"""The data model. The schema is created only by the Alembic migrations in `migrations/`.

Anonymity is enforced by the schema itself: `Answer` and `Comment` have no column that names a
person, a device, an address or a time, and their ids are random. `Participation` records only
*that* a person answered a round (see docs and DESIGN.md §3).
"""

from pulse.models.content import Dimension, DimensionText, Question, QuestionText, Scale, ScaleLabel
from pulse.models.followup import Action, ActionEvent, AuditEvent, PushSubscription
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
from pulse.models.release import PrivacyChange, ReleasedFigure
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
    "ActionEvent",
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
    "DimensionText",
    "Membership",
    "NotificationLog",
    "Organisation",
    "Participation",
    "Person",
    "Plan",
    "PrivacyChange",
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
