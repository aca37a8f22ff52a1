"""Contracts that cross a boundary (Python, templates, JavaScript, the schema) spelled once."""

from __future__ import annotations

import re
from pathlib import Path

from pulse.anonymity.settings import DEFAULTS, PrivacySettings, round_settings
from pulse.models import (
    Action,
    ActionOwner,
    ActionStatus,
    FigureKind,
    Organisation,
    PrivacyChange,
    PrivacyChangeStatus,
    ReleasedFigure,
)
from pulse.survey.states import AnswerState

ROOT = Path(__file__).resolve().parents[2]
OUTBOX = (ROOT / "static/js/outbox.js").read_text("utf-8")


def js_object(name: str) -> dict[str, str]:
    body = re.search(rf"var {name} = \{{([^}}]*)\}};", OUTBOX).group(1)
    return dict(re.findall(r'(\w+): "([a-z_]+)"', body))


def test_outbox_reads_exactly_the_answer_pages_states():
    states = js_object("STATE")
    assert states == {s.name: s.value for s in AnswerState if s is not AnswerState.FORM}
    assert 'data-state="([a-z_]+)"' in OUTBOX  # the pattern that reads them covers "_"


def test_every_answer_state_has_its_card_and_writes_its_state():
    for state in AnswerState:
        card = (ROOT / f"templates/survey/_{state}.html").read_text("utf-8")
        if state is not AnswerState.FORM:
            assert 'data-state="{{ state }}"' in card, state


def test_every_outbox_outcome_has_its_notice():
    notices = (ROOT / "templates/pwa/_outbox.html").read_text("utf-8")
    outcomes = set(re.findall(r'outcome: "([a-z_]+)"', OUTBOX)) - {"retry", "signed-out"}
    assert outcomes == {"sent", "closed", "already_answered", "refused"}
    assert AnswerState.ALREADY_ANSWERED in outcomes and AnswerState.CLOSED in outcomes
    for outcome in outcomes:
        assert f'id="outbox-notice-{outcome}"' in notices
        assert f'data-outbox="{outcome}"' in notices


def check_of(model, name: str) -> str:
    (constraint,) = [c for c in model.__table__.constraints if c.name.endswith(name)]
    return str(constraint.sqltext)


def test_the_schema_allows_exactly_the_enums():
    cases = [
        (ReleasedFigure, "known_kind", "kind", FigureKind),
        (Action, "known_owner", "owner", ActionOwner),
        (Action, "known_status", "status", ActionStatus),
        (PrivacyChange, "known_status", "status", PrivacyChangeStatus),
    ]
    for model, name, column, enum in cases:
        listed = re.findall(r"'([a-z_]+)'", check_of(model, name))
        assert check_of(model, name).startswith(f"{column} IN (")
        assert listed == [member.value for member in enum]


def test_a_new_organisation_starts_with_the_defaults():
    columns = Organisation.__table__.columns
    assert columns["min_group_size"].default.arg == DEFAULTS.k == 5
    assert columns["min_comment_group_size"].default.arg == DEFAULTS.comment_k == 10
    assert columns["min_distribution_size"].default.arg == DEFAULTS.distribution_k == 10


class Org:
    def __init__(self, k=5, comment_k=10, distribution_k=10):
        self.min_group_size = k
        self.min_comment_group_size = comment_k
        self.min_distribution_size = distribution_k


class Rnd:
    def __init__(self, k=None, comment_k=None):
        self.min_group_size = k
        self.min_comment_group_size = comment_k


def test_a_round_follows_its_own_settings_not_todays():
    assert round_settings(Rnd(5, 10), Org(7, 12, 12)) == PrivacySettings(5, 10, 12)


def test_a_round_not_yet_open_follows_the_organisation():
    assert round_settings(Rnd(), Org(7, 12, 12)) == PrivacySettings(7, 12, 12)


def test_distributions_never_need_fewer_than_k():
    assert round_settings(Rnd(8, 10), Org(5, 10, 6)).distribution_k == 8
