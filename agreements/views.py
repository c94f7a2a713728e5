"""Agreement pages: status, versions, editor, signing, diff, PDF/JSON, invitations,
closing. Thin: load and authorise, call a service, render.

The evaluation pages belong to the same blueprint but live in
:mod:`agreements.evaluation_views`.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from agreements import content as agreement_content
from agreements import (
    content_text,
    documents,
    evaluation_views,
    evaluations,
    exports,
    forms,
    membership,
    services,
    signing,
)
from agreements import schema as agreement_schema
from agreements.status import team_status
from jit.accounts.forms import time_zone_choices
from jit.extensions import db
from jit.inputs import query_int
from jit.permissions import Permission
from jit.teams.access import TeamAccess, load_team

bp = Blueprint("agreements", __name__)
evaluation_views.register(bp)


def _version(access: TeamAccess, number: int):
    try:
        return services.version_by_number(access.team, number)
    except LookupError:
        abort(404)


def _download_name(access: TeamAccess, version, extension: str) -> str:
    return f"{access.team.code}-agreement-v{version.number}.{extension}"


@bp.get("/t/<code>/agreement")
@login_required
def overview(code: str):
    access = load_team(code, Permission.VIEW_AGREEMENT)
    status = team_status(access.team)
    shown = status.governing or status.upcoming or status.pending
    if shown is None and status.agreement and status.agreement.versions:
        shown = status.agreement.versions[-1]
    return render_template(
        "agreements/overview.html",
        access=access,
        status=status,
        overdue_since=evaluations.mid_term_overdue(access.team),
        evaluation_article=evaluations.evaluation_article(access.team),
        shown=shown,
        start_form=forms.StartVersionForm(),
        close_form=forms.CloseForm(),
        invitations=membership.open_invitations(access.team)
        if access.can(Permission.MANAGE_ALL_MEMBERSHIPS)
        else [],
        **_article_context(access, shown),
    )


def _article_context(access: TeamAccess, version) -> dict:
    if version is None:
        return {}
    names = services.party_names(access.team)
    return {
        "names": names,
        "lines": content_text.article_lines(version.content, names),
        "version_hash": services.current_hash(version),
        "purposes": services.purpose_history(version),
    }


@bp.get("/t/<code>/agreement/v<int:number>")
@login_required
def version(code: str, number: int):
    access = load_team(code, Permission.VIEW_AGREEMENT)
    shown = _version(access, number)
    status = team_status(access.team)
    return render_template(
        "agreements/version.html",
        access=access,
        status=status,
        shown=shown,
        refusal=signing.refusal_to_sign(access, shown),
        signed_by={services.party_key(s.party): s for s in shown.signatures},
        withdraw_form=forms.WithdrawForm(),
        missing=agreement_content.incomplete(shown.content),
        **_article_context(access, shown),
    )


@bp.post("/t/<code>/agreement/start")
@login_required
def start(code: str):
    access = load_team(code, Permission.DRAFT_AGREEMENT)
    form = forms.StartVersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        started = services.start_version(
            access, form.kind.data or "", form.change_summary.data or ""
        )
    except services.AgreementError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("agreements.overview", code=access.team.code))
    db.session.commit()
    flash(f"{started.label} is open for drafting.", "success")
    return redirect(url_for("agreements.edit", code=access.team.code, number=started.number))


@bp.route("/t/<code>/agreement/v<int:number>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str, number: int):
    access = load_team(code, Permission.DRAFT_AGREEMENT)
    draft = _version(access, number)
    form = forms.DraftForm()
    problems: list[str] = []
    error = None
    data = agreement_content.upgrade(draft.content)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if draft.kind == "extension":
            # An extension carries the text over and changes only the expiry date.
            raw = dict(draft.content)
            raw["period"] = dict(draft.content["period"], expires_on=request.form.get("expires_on"))
        else:
            keys = [services.party_key(p) for p in access.team.parties]
            raw = forms.raw_from_form(request.form, keys)
        try:
            services.save_draft(
                access,
                draft,
                raw,
                change_summary=request.form.get("change_summary")
                if draft.kind != "original"
                else None,
                takes_effect_on=request.form.get("takes_effect_on"),
            )
        except services.AgreementError as refused:
            db.session.rollback()
            error, problems = str(refused), refused.problems
            data = raw if draft.kind == "extension" else _redisplay(raw)
        else:
            db.session.commit()
            flash(f"Version {draft.number} is saved.", "success")
            return redirect(url_for("agreements.version", code=access.team.code, number=number))
    elif services.refusal_to_edit(draft):
        flash(services.refusal_to_edit(draft), "error")
        return redirect(url_for("agreements.version", code=access.team.code, number=number))
    return render_template(
        "agreements/edit.html",
        access=access,
        draft=draft,
        form=form,
        data=data,
        error=error,
        problems=problems,
        import_form=forms.ImportForm(),
        parties=access.team.parties,
        party_key=services.party_key,
        legal_bases=agreement_content.LEGAL_BASES,
        party_roles=agreement_content.PARTY_ROLES,
        entry_rules=agreement_content.ENTRY_RULES,
        blank_person=agreement_content.blank_person,
        headings={a.key: a.heading for a in agreement_content.ARTICLES},
        information_uses=content_text.INFORMATION_USES,
        time_zones=time_zone_choices(),
        refusal=services.refusal_to_edit(draft),
    ), (400 if error else 200)


def _redisplay(raw: dict) -> dict:
    """Return what was posted in the content's shape, so a refused form keeps its input."""
    ticked = lambda value: value in ("y", "on", "true", True)  # noqa: E731
    shaped = dict(raw)
    shaped["languages"] = [part.strip() for part in str(raw["languages"]).split(",")]
    for kind, fields in agreement_content.PERSON_FIELDS.items():
        shaped[kind] = [
            {
                name: ticked(row.get(name))
                if name in agreement_content.BOOLEAN_PERSON_FIELDS
                else row.get(name, "")
                for name in fields
            }
            for row in raw[kind]
        ]
    shaped["workspace"] = dict(raw["workspace"], is_used=ticked(raw["workspace"]["is_used"]))
    return shaped


@bp.post("/t/<code>/agreement/v<int:number>/import")
@login_required
def import_json(code: str, number: int):
    access = load_team(code, Permission.DRAFT_AGREEMENT)
    draft = _version(access, number)
    form = forms.ImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    try:
        if upload is None or not upload.filename:
            raise services.AgreementError("Choose a JSON file exported from an agreement.")
        data = agreement_schema.parse_import(upload.read(agreement_schema.MAX_IMPORT_BYTES + 1))
        services.import_json(access, draft, data)
    except agreement_schema.ImportRefused as refused:
        flash("Nothing was imported: the file does not match the agreement format.", "error")
        for problem in refused.problems:
            flash(str(problem), "error")
        return redirect(url_for("agreements.edit", code=access.team.code, number=number))
    except services.AgreementError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("agreements.edit", code=access.team.code, number=number))
    db.session.commit()
    flash(f"The file was imported into version {draft.number}.", "success")
    return redirect(url_for("agreements.version", code=access.team.code, number=number))


@bp.route("/t/<code>/agreement/v<int:number>/sign", methods=["GET", "POST"])
@login_required
def sign(code: str, number: int):
    access = load_team(code, Permission.SIGN_AGREEMENT)
    shown = _version(access, number)
    form = forms.SignForm()
    error = None
    if request.method == "GET":
        leader = next(
            (row for row in shown.content["leaders"] if row["email"] == access.user.email),
            None,
        )
        form.function.data = leader["function"] if leader else ""
    elif form.validate_on_submit():
        try:
            signing.sign(
                access,
                shown,
                password=form.password.data,
                code=form.code.data or "",
                function=form.function.data,
                place=form.place.data,
            )
        except services.AgreementError as refused:
            db.session.rollback()
            error = str(refused)
            signing.record_refused_signature(access, shown, error)
            db.session.commit()  # the refusal stays on the record, and nothing else
        else:
            db.session.commit()
            flash(
                f"You signed version {shown.number} for {access.party.name}.",
                "success",
            )
            return redirect(url_for("agreements.version", code=access.team.code, number=number))
    else:
        error = "Check the form: " + " ".join(e for errors in form.errors.values() for e in errors)
    return render_template(
        "agreements/sign.html",
        access=access,
        shown=shown,
        form=form,
        error=error,
        refusal=signing.refusal_to_sign(access, shown),
        version_hash=services.current_hash(shown),
    ), (400 if error else 200)


@bp.post("/t/<code>/agreement/v<int:number>/withdraw")
@login_required
def withdraw(code: str, number: int):
    access = load_team(code, Permission.DRAFT_AGREEMENT)
    shown = _version(access, number)
    form = forms.WithdrawForm()
    if not form.validate_on_submit():
        flash("Give the reason for withdrawing the version.", "error")
        return redirect(url_for("agreements.version", code=access.team.code, number=number))
    try:
        services.withdraw(access, shown, form.reason.data)
    except services.AgreementError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"Version {shown.number} is withdrawn; start a new version to replace it.", "success")
    return redirect(url_for("agreements.overview", code=access.team.code))


@bp.get("/t/<code>/agreement/diff")
@login_required
def diff(code: str):
    access = load_team(code, Permission.VIEW_AGREEMENT)
    agreement = team_status(access.team).agreement
    if agreement is None or not agreement.versions:
        abort(404)
    versions = agreement.versions
    right_number = query_int("to") or versions[-1].number
    right = _version(access, right_number)
    default_left = right.based_on.number if right.based_on else max(1, right.number - 1)
    left = _version(access, query_int("from") or default_left)
    names = services.party_names(access.team)
    return render_template(
        "agreements/diff.html",
        access=access,
        versions=versions,
        left=left,
        right=right,
        left_hash=services.current_hash(left),
        right_hash=services.current_hash(right),
        articles=content_text.diff(left.content, right.content, names),
    )


@bp.get("/t/<code>/agreement/v<int:number>.json")
@login_required
def export_json(code: str, number: int):
    access = load_team(code, Permission.VIEW_AGREEMENT)
    shown = _version(access, number)
    body = documents.version_json(shown)
    exports.record_export(access, shown, "json")
    db.session.commit()
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(access, shown, "json")}"'
        },
    )


@bp.get("/t/<code>/agreement/v<int:number>.pdf")
@login_required
def export_pdf(code: str, number: int):
    access = load_team(code, Permission.VIEW_AGREEMENT)
    shown = _version(access, number)
    pdf = documents.version_pdf(shown)
    exports.record_export(access, shown, "pdf")
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{_download_name(access, shown, "pdf")}"'
        },
    )


@bp.post("/t/<code>/agreement/close")
@login_required
def close(code: str):
    access = load_team(code, Permission.MANAGE_ALL_MEMBERSHIPS)
    form = forms.CloseForm()
    if not form.validate_on_submit():
        flash("Record why the team closes.", "error")
        return redirect(url_for("agreements.overview", code=access.team.code))
    try:
        services.close(access, form.note.data)
    except services.AgreementError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("The team is closed. Its record stays available, read-only.", "success")
    return redirect(url_for("agreements.overview", code=access.team.code))


@bp.route("/t/<code>/agreement/invitations/<int:invitation_id>", methods=["GET", "POST"])
@login_required
def invitation(code: str, invitation_id: int):
    access = load_team(code, Permission.MANAGE_ALL_MEMBERSHIPS)
    from agreements.models import AgreementInvitation

    found = db.session.get(AgreementInvitation, invitation_id)
    if found is None or found.team_id != access.team.id:
        abort(404)
    form = forms.InvitationForm()
    error = None
    if request.method == "GET":
        form.email.data = found.email
    elif form.validate_on_submit():
        try:
            added = membership.complete_invitation(access, invitation_id, form.email.data or "")
        except membership.InvitationError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash(f"{added.user.display_name} now has access as {added.role}.", "success")
            return redirect(url_for("agreements.overview", code=access.team.code))
    else:
        abort(400)
    return render_template(
        "agreements/invitation.html", access=access, invitation=found, form=form, error=error
    ), (400 if error else 200)
