"""Evidence pages: the list, adding items and files, an item, downloads, custody, verification.

Every view obtains its team and item through :mod:`evidence.access`, reads through
:mod:`evidence.queries` and writes through the services. The two upload endpoints
receive their streamed body through :mod:`evidence.receiving`.
"""

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from evidence import (
    custody,
    custody_events,
    custody_fields,
    downloads,
    listing,
    members,
    queries,
    receiving,
    reports,
    services,
    verification,
)
from evidence.access import load_evidence_team, load_team_item, may_add_item, why_not_add_item
from evidence.forms import AcknowledgeForm, EventForm, FilterForm, ItemForm
from evidence.models import EvidenceItem
from evidence.receiving import wants_json
from evidence.uploads import max_upload_bytes
from jit import gates, signing, submissions
from jit.extensions import csrf, db
from jit.inputs import ignore_bad_filters, query_int
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.forms import ConfirmForm
from search.related import also_appears_in

bp = Blueprint("evidence", __name__)

# Served as a download under their own type; anything a browser might run is not.
_ACTIVE_TYPES = {"text/html", "application/xml", "image/svg+xml", "application/javascript"}


def _reader_zone() -> ZoneInfo:
    return ZoneInfo(current_user.time_zone or "UTC")


# ---------------------------------------------------------------------------
# The list


@bp.get("/t/<code>/evidence/")
@login_required
def index(code: str):
    access = load_evidence_team(code)
    form = FilterForm(request.args)
    form.party.choices = [SelectChoice("", "Any party")] + [
        SelectChoice(str(party.id), party.short_label) for party in access.team.parties
    ]
    form.validate()
    ignore_bad_filters(form)
    filters = listing.Filters(
        party_id=form.party.data if not form.party.errors else None,
        item_type=form.item_type.data or "",
        handling_code=form.handling_code.data or "",
        collected_from=form.collected_from.data if not form.collected_from.errors else None,
        collected_to=form.collected_to.data if not form.collected_to.errors else None,
        tag=(form.tag.data or "").strip(),
        sort=form.sort.data if form.sort.data in listing.SORTS else "-collected",
    )
    page = query_int("page", 1)
    result = listing.list_items(access, filters, page, _reader_zone())
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "evidence/index.html",
        access=access,
        form=form,
        filters=filters,
        result=result,
        query=query,
        tags=listing.all_tags(access),
        may_add=may_add_item(access),
        why_not_add=None if may_add_item(access) else why_not_add_item(access),
        gate=gates.may(access.team, "add_evidence"),
        confirm_form=ConfirmForm(),
    )


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
# One item


# How many reads the item page lists; the custody report lists them all.
ACCESS_ROWS_ON_PAGE = 25


def _item_page(access: TeamAccess, item: EvidenceItem, *, event_form=None, status=200, error=None):
    ancestors, children = queries.lineage(access, item)
    integrity = queries.integrity_state(item)
    events = queries.custody_chain(item)
    return (
        render_template(
            "evidence/item.html",
            access=access,
            item=item,
            events=events,
            awaiting=custody_events.awaiting_acknowledgement(item, events, access.user),
            closed=custody.closing_event(item),
            access_log=queries.access_log(access, item, limit=ACCESS_ROWS_ON_PAGE),
            detail_rows=custody_fields.detail_rows,
            detail_text=custody_fields.detail_text,
            head=integrity.head,
            key=integrity.key,
            verification=integrity.verification,
            ancestors=ancestors,
            children=children,
            event_form=event_form,
            error=error,
            confirm_form=ConfirmForm(),
            may_upload=_may_upload(access, item) and custody.closing_event(item) is None,
            may_record=access.can(Permission.RECORD_CUSTODY),
            may_derive=may_add_item(access),
            may_extract=access.can(Permission.ADD_EVIDENCE)
            and gates.may(access.team, "add_evidence"),
            max_upload_bytes=max_upload_bytes(),
            appearances=also_appears_in(access, "item", item.id),
        ),
        status,
    )


def _may_upload(access: TeamAccess, item: EvidenceItem) -> bool:
    try:
        services.check_upload_allowed(access, item)
    except services.EvidenceError:
        return False
    return True


@bp.get("/t/<code>/evidence/<exhibit>")
@login_required
def item(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    services.record_view(access, item)
    db.session.commit()
    return _item_page(access, item)


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
        return _item_page(access, item, status=status, error=message)

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


# ---------------------------------------------------------------------------
# Custody events, verification, reports


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


@bp.post("/t/<code>/evidence/<exhibit>/verify")
@login_required
def verify_item(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = verification.verify_item(access, item, current_user)
    db.session.commit()
    flash(result.summary(), "success" if result.is_intact else "error")
    return redirect(url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number))


@bp.post("/t/<code>/evidence/verify")
@login_required
def verify_team(code: str):
    access = load_evidence_team(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    checked, result = verification.verify_visible_items(access, current_user)
    db.session.commit()
    flash(
        f"Verification of the {checked} items you can see — {result.summary()}",
        "success" if result.is_intact else "error",
    )
    return redirect(url_for("evidence.index", code=access.team.code))


@bp.get("/t/<code>/evidence/<exhibit>/custody-report.pdf")
@login_required
def report(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    result, run = verification.prepare_custody_report(access, item, current_user)
    db.session.commit()
    pdf = reports.custody_report_pdf(
        item,
        access_log=queries.access_log(access, item),
        events=queries.custody_chain(item),
        head=queries.chain_head(item),
        verification=run,
        result=result,
        generated_for=current_user,
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = downloads.content_disposition(
        f"custody-report-{access.team.code}-{item.exhibit_number}.pdf"
    ).replace("attachment", "inline", 1)
    return response


@bp.get("/t/<code>/evidence/<exhibit>/custody.jsonl")
@login_required
def custody_jsonl(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    services.record_report(access, item)
    db.session.commit()
    body = reports.custody_jsonl(item, queries.custody_chain(item), queries.chain_head(item))
    response = Response(body, mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = downloads.content_disposition(
        f"custody-{access.team.code}-{item.exhibit_number}.jsonl"
    )
    return response


@bp.get("/evidence/custody-signing-key.pem")
@login_required
def public_key():
    key = signing.signing_key()
    response = Response(key.public_pem(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="jit-custody-signing-key-{key.key_id}.pem"'
    )
    return response
