"""What the privacy-settings page shows about each setting and each proposal, in words.

The rules themselves (ranges, who may approve) live in pulse/governance/rules.py; this module
only turns them into labels, allowed ranges and readable history for the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pulse.governance.rules import LIMITS, MANAGEMENT, REPRESENTATIVES
from pulse.i18n import when
from pulse.models import Organisation, Person, PrivacyChange, PrivacyChangeStatus

SETTING_NAMES = {
    "min_group_size": _l("Minimum group size for a figure"),
    "min_comment_group_size": _l("Respondents needed before comments are shown"),
    "comments_enabled": _l("Comments from employees"),
}
SETTING_HINTS = {
    "min_group_size": _l(
        "A team's figure is shown only when at least this many answered (one more for its own "
        "members)."
    ),
    "min_comment_group_size": _l(
        "Comments are shown only when at least this many answered. It can't be lower than the "
        "minimum group size."
    ),
    "comments_enabled": _l("Whether employees can write a comment with their answers."),
}
SIDE_NAMES = {
    MANAGEMENT: _l("Management (leader or administrator)"),
    REPRESENTATIVES: _l("Employee representatives (TR)"),
}
#: The sides as a sentence names them: "proposed by Camilla Bach for management".
SIDE_IN_SENTENCE = {
    MANAGEMENT: _l("management"),
    REPRESENTATIVES: _l("the employee representatives"),
}
#: Settings shown as a switch rather than a number.
SWITCHES = {"comments_enabled"}


def value_text(setting: str, value: str | int | bool) -> str:
    """A setting's value as a person reads it: "on"/"off" for a switch, else the number."""
    if setting in SWITCHES:
        return _("on") if str(int(value) if isinstance(value, bool) else value) == "1" else _("off")
    return str(value)


@dataclass(frozen=True)
class SettingControl:
    """One setting on the page: its current value and the range a proposal may choose from."""

    key: str
    name: str
    hint: str
    current: int
    low: int
    high: int
    switch: bool


def controls(organisation: Organisation) -> list[SettingControl]:
    result = []
    for key, (low, high) in LIMITS.items():
        if key == "min_comment_group_size":
            low = max(low, organisation.min_group_size)
        if key == "min_group_size":
            others = (organisation.min_comment_group_size, organisation.min_distribution_size)
            high = min(high, *others)
        result.append(
            SettingControl(
                key=key,
                name=str(SETTING_NAMES[key]),
                hint=str(SETTING_HINTS[key]),
                current=int(getattr(organisation, key)),
                low=low,
                high=high,
                switch=key in SWITCHES,
            )
        )
    return result


@dataclass(frozen=True)
class ProposalView:
    """An open proposal, with only the buttons this viewer may use."""

    change: PrivacyChange
    summary: str
    may_approve: bool
    may_reject: bool
    may_withdraw: bool


def proposal_views(changes: list[PrivacyChange], viewer: Person, sides: set[str]):
    views = []
    for change in changes:
        own = change.proposed_by_id == viewer.id
        other_side = REPRESENTATIVES if change.proposed_as == MANAGEMENT else MANAGEMENT
        views.append(
            ProposalView(
                change=change,
                summary=change_summary(change),
                may_approve=not own and other_side in sides,
                may_reject=not own and bool(sides),
                may_withdraw=own,
            )
        )
    return views


def change_summary(change: PrivacyChange) -> str:
    return _(
        "%(setting)s: from %(old)s to %(new)s",
        setting=SETTING_NAMES[change.setting],
        old=value_text(change.setting, change.old_value),
        new=value_text(change.setting, change.new_value),
    )


def outcome_text(change: PrivacyChange, decided_by: str) -> str:
    """What became of a proposal, with who decided and when."""
    date = when(change.decided_at) if change.decided_at else ""
    if change.status == PrivacyChangeStatus.APPROVED:
        return _(
            "Approved %(date)s by %(name)s. It applies to rounds that open after that.",
            name=decided_by,
            date=date,
        )
    if change.status == PrivacyChangeStatus.REJECTED:
        return _("Rejected %(date)s by %(name)s.", name=decided_by, date=date)
    if change.status == PrivacyChangeStatus.WITHDRAWN:
        return _("Withdrawn %(date)s by %(name)s.", name=decided_by, date=date)
    return _("Waiting for the other side.")
