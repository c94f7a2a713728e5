"""Custody events recorded by hand: the event form, and a receiver's acknowledgement.

Routes hang on the evidence blueprint (:mod:`evidence.views`); the rules are in
:mod:`evidence.custody_events`.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evidence import custody_events, receiving, services
from evidence.access import load_team_item
from evidence.forms import EventForm
from evidence.views import bp
from jit import gates, submissions
from jit.extensions import db
from jit.permissions import Permission
from jit.teams.forms import ConfirmForm


@bp.route("/t/<code>/evidence/<exhibit>/custody", methods=["GET", "POST"])
@login_required
def record_event(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    if not access.can(Permission.RECORD_CUSTODY):
        abort(403)
    form = EventForm(
        default_zone=current_user.time_zone or "UTC",
        members=sorted(
            (membership.user for membership in access.team.memberships),
            key=lambda user: user.display_name,
        ),
    )
    if request.method == "GET":
        form.event_type.data = request.args.get("type", "")
    gate = gates.may(access.team, "record_custody")
    error = None
    if form.is_submitted():
        try:
            if not form.validate():
                raise services.EvidenceError(
                    "Nothing was recorded: some fields could not be read.",
                    receiving.form_errors(form),
                )
            claimed = submissions.claim(
                form.submission_token.data, user=current_user, purpose="evidence.custody_event"
            )
            event = custody_events.record_event(access, item, form.to_input())
        except submissions.AlreadySubmitted as repeat:
            return submissions.answer_repeat(repeat)
        except services.EvidenceError as refused:
            db.session.rollback()
            for name, messages in refused.field_errors.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + messages
            error = str(refused)
        else:
            # A copy handed over is a new item: the answer is its page.
            target = url_for(
                "evidence.item", code=access.team.code, exhibit=event.item.exhibit_number
            )
            submissions.done(claimed, target)
            db.session.commit()
            if event.item_id != item.id:
                flash(
                    f"{event.item.exhibit_number} is recorded as a copy of {item.exhibit_number},"
                    f" with its transfer as custody event #{event.seq}.",
                    "success",
                )
            else:
                flash(
                    f"Custody event #{event.seq} ({event.type_label.lower()}) recorded.", "success"
                )
            return redirect(target, 303)
    return render_template(
        "evidence/record_event.html",
        access=access,
        item=item,
        form=form,
        error=error,
        gate=gate,
        required=custody_events.REQUIRED_FIELDS,
        parties=access.team.parties,
        latest=custody_events.latest_stated_time(item),
    ), (400 if error else 200)


@bp.post("/t/<code>/evidence/<exhibit>/custody/<int:seq>/acknowledge")
@login_required
def acknowledge(code: str, exhibit: str, seq: int):
    access, item = load_team_item(code, exhibit)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        event = custody_events.acknowledge_receipt(access, item, seq)
    except services.EvidenceError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"Your receipt of {item.exhibit_number} is event #{event.seq}.", "success")
    return redirect(url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number))
