"""`parse_answers`: the chosen value per question, or an error per question off its scale."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from pulse.survey.forms import field_name, parse_answers


def question(qid: str, low: int = 1, high: int = 5) -> SimpleNamespace:
    return SimpleNamespace(id=qid, scale=SimpleNamespace(min_value=low, max_value=high))


AGREE = question("agree")
WHO5 = question("who5", 0, 5)
QUESTIONS = [AGREE, WHO5]


def parse(*pairs: tuple[str, str]):
    return parse_answers(QUESTIONS, MultiDict(pairs))


def test_field_names_are_prefixed_question_ids():
    assert field_name(AGREE) == "q_agree"


def test_nothing_chosen_is_nothing_answered_and_no_error():
    assert parse() == ({}, {})


def test_values_on_the_scale_are_read_as_numbers():
    assert parse(("q_agree", "5"), ("q_who5", "0")) == ({"agree": 5, "who5": 0}, {})


def test_both_ends_of_each_scale_are_allowed():
    assert parse(("q_agree", "1"), ("q_who5", "5")) == ({"agree": 1, "who5": 5}, {})


def test_surrounding_spaces_are_ignored():
    assert parse(("q_agree", " 3 ")) == ({"agree": 3}, {})


def test_the_skip_choice_is_a_skip():
    assert parse(("q_agree", ""), ("q_who5", "2")) == ({"who5": 2}, {})


def test_fields_of_other_questions_are_ignored():
    assert parse(("q_other", "3"), ("agree", "3"), ("comment", "4")) == ({}, {})


@pytest.mark.parametrize(
    "values",
    [
        ["0"],
        ["6"],
        ["-1"],
        ["+3"],
        ["3.0"],
        ["three"],
        ["0x3"],
        [" "],
        ["3", "4"],
        ["", "3"],
        ["3", "3"],
        ["99999999999999999999"],
    ],
)
def test_a_value_off_the_scale_is_an_error_for_that_question_only(values):
    answers, errors = parse(*[("q_agree", v) for v in values], ("q_who5", "4"))

    assert answers == {"who5": 4}
    assert set(errors) == {"agree"}
    assert errors["agree"]  # a message to show next to the question


def test_zero_is_on_who5_but_not_on_the_agreement_scale():
    answers, errors = parse(("q_agree", "0"), ("q_who5", "0"))
    assert answers == {"who5": 0}
    assert set(errors) == {"agree"}


@pytest.mark.parametrize("value", ["²", "⑤", "٣", "３", "𝟛"])
def test_digits_other_than_ascii_are_an_error(value):
    answers, errors = parse(("q_agree", value))
    assert answers == {}
    assert set(errors) == {"agree"}


def test_a_number_too_long_for_int_is_an_error_not_an_exception():
    answers, errors = parse(("q_agree", "1" * 5000))
    assert answers == {}
    assert set(errors) == {"agree"}


ascii_values = st.text(st.characters(codec="ascii"), max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(["q_agree", "q_who5", "q_x", "x"]), ascii_values), max_size=6
    )
)
def test_any_ascii_form_gives_answers_on_the_scale_or_errors(pairs):
    answers, errors = parse_answers(QUESTIONS, MultiDict(pairs))

    assert not set(answers) & set(errors)
    scales = {q.id: q.scale for q in QUESTIONS}
    for qid, value in answers.items():
        assert scales[qid].min_value <= value <= scales[qid].max_value
        submitted = [v for name, v in pairs if name == f"q_{qid}"]
        assert [int(s.strip()) for s in submitted] == [value]
    for qid in errors:
        assert [name for name, _v in pairs].count(f"q_{qid}") >= 1
