"""The privacy thresholds in force, and their defaults: the one place that states them.

What k, comment k and distribution k protect is explained in docs/anonymity.md. An
organisation starts with the defaults and changes them only with both parties' approval; a
round copies the organisation's k and comment k when it opens, so a change never applies to an
open round. Pure: no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Fewest answers behind any figure.
DEFAULT_K = 5
#: Fewest answers before a group's comments are shown.
DEFAULT_COMMENT_K = 10
#: Fewest answers before a question's distribution (how many chose each value) is shown.
DEFAULT_DISTRIBUTION_K = 10


@dataclass(frozen=True)
class PrivacySettings:
    k: int
    comment_k: int
    distribution_k: int


DEFAULTS = PrivacySettings(DEFAULT_K, DEFAULT_COMMENT_K, DEFAULT_DISTRIBUTION_K)


class OrganisationSettings(Protocol):
    min_group_size: int
    min_comment_group_size: int
    min_distribution_size: int


class RoundSettings(Protocol):
    min_group_size: int | None
    min_comment_group_size: int | None


def organisation_settings(organisation: OrganisationSettings | None) -> PrivacySettings:
    """The organisation's settings now (the defaults where there is no organisation)."""
    if organisation is None:
        return DEFAULTS
    return PrivacySettings(
        k=organisation.min_group_size,
        comment_k=organisation.min_comment_group_size,
        distribution_k=max(organisation.min_distribution_size, organisation.min_group_size),
    )


def round_settings(round_: RoundSettings, organisation: OrganisationSettings) -> PrivacySettings:
    """The settings a round's figures and texts follow: its own, copied when it opened; the
    organisation's for a round that has not opened yet. The distribution threshold is the
    organisation's, never below the round's k."""
    current = organisation_settings(organisation)
    k = round_.min_group_size if round_.min_group_size is not None else current.k
    return PrivacySettings(
        k=k,
        comment_k=(
            round_.min_comment_group_size
            if round_.min_comment_group_size is not None
            else current.comment_k
        ),
        distribution_k=max(organisation.min_distribution_size, k),
    )
