"""Evidence files in and out: a new item with its files, more files for an item, a
container's member made an item, and downloads.

Routes hang on the evidence blueprint (:mod:`evidence.views`). The two upload endpoints
receive their streamed body through :mod:`evidence.receiving`; a download is checked
against its hash by :mod:`evidence.downloads` before a byte is sent.
"""

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from evidence import custody, downloads, members, receiving, services
from evidence.access import load_evidence_team, load_team_item, may_add_item, why_not_add_item
from evidence.forms import AcknowledgeForm, ItemForm
from evidence.receiving import wants_json
from evidence.uploads import max_upload_bytes
from evidence.views import bp, item_page
from jit import gates, submissions
from jit.extensions import csrf, db
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.forms import ConfirmForm

# Served as a download under their own type; anything a browser might run is not.
_ACTIVE_TYPES = {"text/html", "application/xml", "image/svg+xml", "application/javascript"}


# ---------------------------------------------------------------------------
# Adding an item with its files (streamed)


def _item_form(formdata=None) -> ItemForm:
    return ItemForm(formdata=formdata, default_zone=current_user.time_zone or "UTC")


def _new_page(access: TeamAccess, form: ItemForm, error: str | None = None, status: int = 200):
    return (
        render_template(
            "evidence/new.html",
            access=access,
            form=form,
            error=error,
            max_upload_bytes=max_upload_bytes(),
            gate=gates.may(access.team, "add_evidence"),
            analysis_only=not access.can(Permission.ADD_EVIDENCE),
        ),
        status,
    )


def _new_page_for(access: TeamAccess):
    """Return the upload page's refusal answer: the form again (a fresh one if none)."""

    def page(message: str, status: int, form):
        return _new_page(access, form or _item_form(), message, status)

    return page


@bp.get("/t/<code>/evidence/new")
@login_required
def new(code: str):
    access = load_evidence_team(code)
    if not may_add_item(access):
        abort(403, description=why_not_add_item(access))
    form = _item_form()
    parent = request.args.get("parent", "").strip().upper()
    if parent:
        form.parent_exhibit.data = parent
        if not access.can(Permission.ADD_EVIDENCE):
            form.derivation.data = "analysis"
    return _new_page(access, form)


@bp.post("/t/<code>/evidence/new")
@login_required
@csrf.exempt
def create(code: str):
    receiving.check_csrf_early()
    access = load_evidence_team(code)
    if not may_add_item(access):
        abort(403, description=why_not_add_item(access))
    decision = gates.may(access.team, "add_evidence")
    if not decision:
        return receiving.refused(decision.reason, 409, _new_page_for(access))

    def handle(form: ItemForm, uploads):
        if form.errors:
            raise services.EvidenceError(
                "Nothing was saved: some fields could not be read.", receiving.form_errors(form)
            )
        claimed = submissions.claim(
            form.submission_token.data, user=current_user, purpose="evidence.item"
        )
        item = services.create_item(access, form.to_input(), uploads)
        submissions.done(
            claimed, url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
        )
        return item

    item, failure = receiving.receive(access, handle, _item_form, _new_page_for(access))
    if failure is not None:
        return failure
    receiving.schedule_extraction([stored.id for stored in item.files])
    target = url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
    count = len(item.files)
    message = f"{item.exhibit_number} is recorded" + (
        f" with {count} file{'s' if count != 1 else ''}." if count else "."
    )
    flash(message, "success")
    if wants_json():
        return jsonify(redirect=target, exhibit=item.exhibit_number), 201
    return redirect(target, 303)


# ---------------------------------------------------------------------------
# More files for an item; a container's member made an item


@bp.post("/t/<code>/evidence/<exhibit>/files")
@login_required
@csrf.exempt
def add_files(code: str, exhibit: str):
    receiving.check_csrf_early()
    access, item = load_team_item(code, exhibit)
    try:
        services.check_upload_allowed(access, item)
    except services.EvidenceError as refused:
        if wants_json():
            return jsonify(error=str(refused)), 403
        flash(str(refused), "error")
        return redirect(url_for("evidence.item", code=code, exhibit=item.exhibit_number), 303)

    def page(message, status, _form):
        return item_page(access, item, status=status, error=message)

    def handle(_form, uploads):
        return services.add_files(access, item, uploads)

    added, failure = receiving.receive(
        access, handle, lambda fields: ConfirmForm(fields, meta={"csrf": False}), page
    )
    if failure is not None:
        return failure
    receiving.schedule_extraction([stored.id for stored in added])
    target = url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
    flash(
        f"{len(added)} file{'s' if len(added) != 1 else ''} added to {item.exhibit_number}.",
        "success",
    )
    if wants_json():
        return jsonify(redirect=target, exhibit=item.exhibit_number), 201
    return redirect(target, 303)


@bp.post("/t/<code>/evidence/<exhibit>/members/<int:member_id>/extract")
@login_required
def extract_member(code: str, exhibit: str, member_id: int):
    access, item = load_team_item(code, exhibit)
    member = members.member_of(item, member_id)
    if member is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        child = members.derive_member(access, item, member)
    except services.EvidenceError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("evidence.item", code=code, exhibit=item.exhibit_number), 303)
    db.session.commit()
    receiving.schedule_extraction([stored.id for stored in child.files])
    flash(
        f"“{member.path}” is now item {child.exhibit_number}, an extract of {exhibit}.", "success"
    )
    return redirect(url_for("evidence.item", code=code, exhibit=child.exhibit_number), 303)


# ---------------------------------------------------------------------------
# Downloads


@bp.route("/t/<code>/evidence/<exhibit>/files/<int:file_id>", methods=["GET", "POST"])
@login_required
def download(code: str, exhibit: str, file_id: int):
    access, item = load_team_item(code, exhibit)
    stored = next((f for f in item.files if f.id == file_id), None)
    if stored is None:
        abort(404)
    form = AcknowledgeForm()
    acknowledged = None
    if item.is_restricted:
        if not (form.validate_on_submit() and form.acknowledge.data):
            status = 400 if request.method == "POST" else 200
            return render_template(
                "evidence/acknowledge.html",
                access=access,
                item=item,
                stored=stored,
                form=form,
                missing=request.method == "POST",
            ), status
        acknowledged = item.handling_code
    elif request.method == "POST":
        abort(405)
    handle, problem = downloads.open_checked(stored)
    if problem:
        services.record_integrity_alert(access, item, problem)
        db.session.commit()
        message = (
            f"The download of {item.exhibit_number} was refused: {problem}. An integrity "
            "alert is in the team's audit log; run a verification and tell the coordinator."
        )
        return render_template(
            "errors/error.html", code=409, title="Integrity check failed", message=message
        ), 409
    try:
        services.record_download(access, item, stored, acknowledged)
    except custody.ChainClosed as closed:
        handle.close()
        db.session.rollback()
        return render_template(
            "errors/error.html", code=409, title="Chain of custody closed", message=str(closed)
        ), 409
    db.session.commit()
    media_type = stored.media_type
    if media_type in _ACTIVE_TYPES or media_type.startswith("text/"):
        media_type = "application/octet-stream"
    response = Response(
        downloads.stream(handle, stored.size_bytes), mimetype=media_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(stored.size_bytes)
    response.headers["Content-Disposition"] = downloads.content_disposition(
        stored.original_filename
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Evidence-SHA256"] = stored.sha256
    return response
