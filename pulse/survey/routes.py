from __future__ import annotations

import uuid

from flask import abort, render_template, request
from flask_login import current_user, login_required

from pulse.anonymity.settings import organisation_settings, round_settings
from pulse.invitations import finished_round_of_organisation
from pulse.models import Round
from pulse.survey import bp
from pulse.survey.forms import COMMENT_MAX_LENGTH, AnswerForm, field_name, parse_answers
from pulse.survey.service import (
    Outcome,
    Submission,
    is_accepting,
    key_hash,
    read_entry,
    submit_entry,
)
from pulse.survey.states import AnswerState
from pulse.timeutil import utcnow
from pulse.web import render_page

#: The answer page's one swappable region and the block that renders it.
PULSE_FRAGMENT = {"pulse": "pulse"}


@bp.get("/privacy")
def privacy():
    """What is stored, who sees what, and the limits - in plain words."""
    organisation = current_user.organisation if current_user.is_authenticated else None
    return render_template("survey/privacy.html", privacy=organisation_settings(organisation))


@bp.route("/pulse/<id:round_id>", methods=["GET", "POST"])
@login_required
def answer(round_id: int):
    """Answer a round: the form, and on submit the thank-you or what went wrong."""
    # One read: the round with its questions, the person's team, an earlier answer, the key.
    # A POST holds the round (shared lock) until its answers are committed.
    entry = read_entry(round_id, current_user.id, lock=request.method == "POST")
    if entry is None:
        # After release the frozen list of invitees is gone; a late resend of an answer (an
        # offline outbox) must still hear that the round is closed, not "no such page".
        finished = finished_round_of_organisation(current_user, round_id)
        if finished is None:
            abort(404)
        return _render(
            finished, AnswerState.CLOSED, [], status=409 if request.method == "POST" else 200
        )
    round_, questions = entry.round, entry.questions
    now = utcnow()

    if request.method == "GET":
        if entry.earlier_key_hash is not None:
            return _render(round_, AnswerState.ALREADY_ANSWERED, questions)
        if not is_accepting(round_, now):
            return _render(round_, AnswerState.CLOSED, questions)
        return _render(round_, AnswerState.FORM, questions, form=AnswerForm(formdata=None))

    # The round's state decides before the form's content: a resend of a stored answer gets
    # the same thank-you, anything else after answering or closing gets that state.
    if entry.earlier_key_hash is not None:
        same = entry.earlier_key_hash == key_hash(request.form.get("submission_key", ""))
        state = AnswerState.THANKS if same else AnswerState.ALREADY_ANSWERED
        return _render(round_, state, questions, status=200 if same else 409)
    if not is_accepting(round_, now):
        return _render(round_, AnswerState.CLOSED, questions, status=409)

    # Form fields only, as the page and the outbox send them: Flask-WTF would otherwise read a
    # JSON body for these fields while the answers come from the (then empty) form.
    form = AnswerForm(formdata=request.form)
    answers, answer_errors = parse_answers(questions, request.form)
    if not form.validate_on_submit() or answer_errors:
        # Only what the person actually chose comes back checked (an untouched question
        # stays untouched, it does not turn into "skip").
        chosen = {
            q.id: request.form[field_name(q)] for q in questions if field_name(q) in request.form
        }
        return _render(
            round_,
            AnswerState.FORM,
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
    outcome = submit_entry(entry, current_user.id, submission, now)
    state = {
        Outcome.STORED: AnswerState.THANKS,
        Outcome.DUPLICATE: AnswerState.THANKS,
        Outcome.ALREADY_ANSWERED: AnswerState.ALREADY_ANSWERED,
        Outcome.CLOSED: AnswerState.CLOSED,
        Outcome.NOT_INVITED: AnswerState.CLOSED,
    }[outcome]
    status = 200 if state == AnswerState.THANKS else 409
    return _render(round_, state, questions, status=status)


#: The states whose card reads only the state, the round's k, its question ids and the
#: language: the same HTML for everyone, so its fragment is rendered once (web.render_page).
SHARED_STATES = {AnswerState.THANKS, AnswerState.ALREADY_ANSWERED, AnswerState.CLOSED}


def _render(round_: Round, state: AnswerState, questions: list, *, status: int = 200, **context):
    privacy = round_settings(round_, current_user.organisation)
    shared = state in SHARED_STATES and not context
    response = render_page(
        "survey/answer.html",
        PULSE_FRAGMENT,
        fragment_key=(state, privacy.k, tuple(q.id for q in questions)) if shared else None,
        round=round_,
        privacy=privacy,
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
