from __future__ import annotations

import uuid

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from pulse.figures import team_summary
from pulse.governance.rules import sides_of
from pulse.models import Round
from pulse.results.actions import recent_actions_for_employee, status_names
from pulse.results.history import results_history
from pulse.survey import bp
from pulse.survey.forms import COMMENT_MAX_LENGTH, AnswerForm, field_name, parse_answers
from pulse.survey.queries import (
    dimension_names,
    estimated_minutes,
    finished_round_of_organisation,
    invited_round,
    next_round_for,
    open_round_for,
)
from pulse.survey.service import (
    Outcome,
    Submission,
    is_accepting,
    key_hash,
    participation_of,
    submit,
)
from pulse.timeutil import utcnow
from pulse.web import render_page

#: The answer page's one swappable region and the block that renders it.
PULSE_FRAGMENT = {"pulse": "pulse"}


@bp.get("/")
def home():
    """The open round (or when the next one comes), and the person's roles."""
    if not current_user.is_authenticated:
        return render_template("auth/signed_out.html")
    now = utcnow()
    round_ = open_round_for(current_user, now)
    answered = round_ is not None and participation_of(round_, current_user) is not None
    membership = current_user.membership
    summary = team_summary(membership.unit, membership.unit_id) if membership else None
    return render_template(
        "survey/home.html",
        summary=summary,
        history=results_history(membership.unit, membership.unit_id) if membership else None,
        actions=recent_actions_for_employee(membership.unit, now) if membership else [],
        status_names=status_names(),
        governs=bool(sides_of(current_user)),
        dimension_names=dimension_names(str(get_locale())),
        round=round_,
        answered=answered,
        minutes=estimated_minutes(len(round_.questions)) if round_ else 0,
        next_round=None if round_ else next_round_for(current_user, now),
    )


@bp.get("/privacy")
def privacy():
    """What is stored, who sees what, and the limits - in plain words."""
    organisation = current_user.organisation if current_user.is_authenticated else None
    return render_template(
        "survey/privacy.html",
        k=organisation.min_group_size if organisation else 5,
        comment_k=organisation.min_comment_group_size if organisation else 10,
    )


@bp.route("/pulse/<id:round_id>", methods=["GET", "POST"])
@login_required
def answer(round_id: int):
    """Answer a round: the form, and on submit the thank-you or what went wrong."""
    round_ = invited_round(current_user, round_id)
    if round_ is None:
        # After release the frozen list of invitees is gone; a late resend of an answer (an
        # offline outbox) must still hear that the round is closed, not "no such page".
        finished = finished_round_of_organisation(current_user, round_id)
        if finished is None:
            abort(404)
        return _render(finished, "closed", [], status=409 if request.method == "POST" else 200)
    questions = [rq.question for rq in round_.questions]
    now = utcnow()

    if request.method == "GET":
        if participation_of(round_, current_user) is not None:
            return _render(round_, "already_answered", questions)
        if not is_accepting(round_, now):
            return _render(round_, "closed", questions)
        return _render(round_, "form", questions, form=AnswerForm(formdata=None))

    # The round's state decides before the form's content: a resend of a stored answer gets
    # the same thank-you, anything else after answering or closing gets that state.
    earlier = participation_of(round_, current_user)
    if earlier is not None:
        same = earlier.key_hash == key_hash(request.form.get("submission_key", ""))
        state = "thanks" if same else "already_answered"
        return _render(round_, state, questions, status=200 if same else 409)
    if not is_accepting(round_, now):
        return _render(round_, "closed", questions, status=409)

    form = AnswerForm()
    answers, answer_errors = parse_answers(questions, request.form)
    if not form.validate_on_submit() or answer_errors:
        # Only what the person actually chose comes back checked (an untouched question
        # stays untouched, it does not turn into "skip").
        chosen = {
            q.id: request.form[field_name(q)] for q in questions if field_name(q) in request.form
        }
        return _render(
            round_,
            "form",
            questions,
            form=form,
            answer_errors=answer_errors,
            chosen=chosen,
            status=422,
        )
    submission = Submission(
        key=form.submission_key.data,
        answers=answers,
        comment=form.comment.data or "",
        audience=form.audience.data,
    )
    outcome = submit(round_, current_user, submission, now)
    state = {
        Outcome.STORED: "thanks",
        Outcome.DUPLICATE: "thanks",
        Outcome.ALREADY_ANSWERED: "already_answered",
        Outcome.CLOSED: "closed",
        Outcome.NOT_INVITED: "closed",
    }[outcome]
    status = 200 if state == "thanks" else 409
    return _render(round_, state, questions, status=status)


def _render(round_: Round, state: str, questions: list, *, status: int = 200, **context):
    response = render_page(
        "survey/answer.html",
        PULSE_FRAGMENT,
        round=round_,
        state=state,
        questions=questions,
        answer_errors=context.pop("answer_errors", {}),
        chosen=context.pop("chosen", {}),
        fallback_key=uuid.uuid4().hex,
        comment_max_length=COMMENT_MAX_LENGTH,
        field_name=field_name,
        **context,
    )
    response.status_code = status
    return response
