"""The evaluation pages (mid-term and final): each party writes its part, the coordinator
finalises, anyone in the team downloads the PDF.

They are pages of the ``agreements`` blueprint (their endpoint names,
``agreements.evaluation…``, are what templates link to), kept in their own module;
:func:`register` adds them to the blueprint.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from agreements import evaluations, forms
from jit.extensions import db
from jit.pdf import render_pdf
from jit.permissions import Permission
from jit.teams.access import TeamAccess, load_team


def register(bp: Blueprint) -> None:
    """Add the evaluation pages to the agreements blueprint, under their own names."""
    bp.add_url_rule("/t/<code>/evaluation", view_func=evaluation_overview)
    bp.add_url_rule("/t/<code>/evaluation/start", view_func=evaluation_start, methods=["POST"])
    bp.add_url_rule("/t/<code>/evaluation/<kind>", view_func=evaluation, methods=["GET", "POST"])
    bp.add_url_rule(
        "/t/<code>/evaluation/<kind>/finalise", view_func=evaluation_finalise, methods=["POST"]
    )
    bp.add_url_rule("/t/<code>/evaluation/<kind>.pdf", view_func=evaluation_pdf)


def _evaluation(access: TeamAccess, kind: str):
    if kind not in evaluations.KINDS:
        abort(404)
    found = evaluations.evaluation_of(access.team, kind)
    if found is None:
        abort(404)
    return found


@login_required
def evaluation_overview(code: str):
    access = load_team(code, Permission.VIEW_DASHBOARD)
    opened = {kind: evaluations.evaluation_of(access.team, kind) for kind in evaluations.KINDS}
    return render_template(
        "agreements/evaluation_overview.html",
        access=access,
        opened=opened,
        kinds=evaluations.KINDS,
        start_form=forms.StartVersionForm(),
        identification=evaluations.identification(access.team),
        overdue_since=evaluations.mid_term_overdue(access.team),
        evaluation_article=evaluations.evaluation_article(access.team),
    )


@login_required
def evaluation_start(code: str):
    access = load_team(code, Permission.DRAFT_AGREEMENT)
    form = forms.StartVersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        started = evaluations.start(access, form.kind.data or "")
    except evaluations.EvaluationError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("agreements.evaluation_overview", code=access.team.code))
    db.session.commit()
    flash(
        f"The {evaluations.KINDS[started.kind].lower()} is open; each party writes its part.",
        "success",
    )
    return redirect(url_for("agreements.evaluation", code=access.team.code, kind=started.kind))


@login_required
def evaluation(code: str, kind: str):
    access = load_team(code, Permission.VIEW_DASHBOARD)
    found = _evaluation(access, kind)
    own = evaluations.contribution_of(found, access.party)
    issued = evaluations.requests_issued(access.team, access.party)
    data = None
    if request.method == "GET":
        # Counts nobody entered yet start from the requests register, if there is one.
        answers = own.answers if own else {}
        data = evaluations.form_data(answers)
        data |= {key: n for key, n in issued.items() if answers.get(key) is None}
    form = forms.EvaluationForm(data=data)
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            error = "Check the form: " + " ".join(
                f"{getattr(form, name).label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            )
        else:
            try:
                evaluations.save_contribution(access, found, request.form)
            except evaluations.EvaluationError as refused:
                db.session.rollback()
                error = str(refused)
            else:
                db.session.commit()
                flash(f"The part of {access.party.short_label} is saved.", "success")
                return redirect(url_for("agreements.evaluation", code=access.team.code, kind=kind))
    return render_template(
        "agreements/evaluation.html",
        access=access,
        evaluation=found,
        kind_label=evaluations.KINDS[kind],
        form=form,
        error=error,
        own=own,
        finalise_form=forms.StartVersionForm(),
        totals=evaluations.totals(found),
        sections=evaluations.TEXT_SECTIONS,
        counts=evaluations.COUNTS,
        money=evaluations.MONEY,
        old_money=evaluations.OLD_MONEY,
        issued=issued,
        result_texts=evaluations.RESULT_TEXTS,
    ), (400 if error else 200)


@login_required
def evaluation_finalise(code: str, kind: str):
    access = load_team(code, Permission.MANAGE_ALL_MEMBERSHIPS)
    found = _evaluation(access, kind)
    if not forms.StartVersionForm().validate_on_submit():
        abort(400)
    try:
        evaluations.finalise(access, found)
    except evaluations.EvaluationError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("The evaluation is final.", "success")
    return redirect(url_for("agreements.evaluation", code=access.team.code, kind=kind))


@login_required
def evaluation_pdf(code: str, kind: str):
    access = load_team(code, Permission.VIEW_DASHBOARD)
    found = _evaluation(access, kind)
    pdf = render_pdf(
        "agreements/pdf/evaluation.html",
        team=access.team,
        evaluation=found,
        kind_label=evaluations.KINDS[kind],
        identification=evaluations.identification(access.team),
        contributions=sorted(found.contributions, key=lambda c: c.party.position),
        totals=evaluations.totals(found),
        sections=evaluations.TEXT_SECTIONS,
        counts=evaluations.COUNTS,
        money=evaluations.MONEY,
        old_money=evaluations.OLD_MONEY,
        result_texts=evaluations.RESULT_TEXTS,
    )
    evaluations.record_export(access, found, "pdf")
    db.session.commit()
    name = f"{access.team.code}-{kind}-evaluation.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
