"""Evidence pages: the list, adding items and files, an item, downloads, custody, verification.

Every view obtains its team and item through :mod:`evidence.access`. The two upload
endpoints read the request body themselves (see :mod:`evidence.uploads`), so they are
exempt from CSRFProtect's form parsing and check the token on their own.
"""

import unicodedata
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from evidence import custody, extraction, listing, reports, services, storage
from evidence.access import (
    load_evidence_team,
    load_team_item,
    may_add_item,
    visible_items_filter,
)
from evidence.forms import AcknowledgeForm, EventForm, FilterForm, ItemForm
from evidence.models import CustodyChainHead, CustodyEvent, EvidenceFile, EvidenceItem
from evidence.multipart import MultipartError
from evidence.uploads import CsrfMissing, UploadReceiver, max_upload_bytes
from jit import gates, signing, submissions
from jit.extensions import csrf, db
from jit.inputs import ignore_bad_filters, query_int
from jit.permissions import Permission
from jit.teams.access import TeamAccess
from jit.teams.forms import ConfirmForm

bp = Blueprint("evidence", __name__)

# Served as a download under their own type; anything a browser might run is not.
_ACTIVE_TYPES = {"text/html", "application/xml", "image/svg+xml", "application/javascript"}


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


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


def _refused(access, form, message, status, field_errors=None, page=None):
    """Answer a refused upload: JSON for the upload script, the page again otherwise."""
    if _wants_json():
        return jsonify(error=message, errors=field_errors or {}), status
    if form is not None and field_errors:
        for name, messages in field_errors.items():
            if name in form:
                form[name].errors = list(form[name].errors) + messages
    if page is not None:
        return page(message, status)
    return _new_page(access, form or _item_form(), message, status)


def _too_large_message() -> str:
    return (
        f"The upload is larger than this workspace accepts ({max_upload_bytes() // 2**20} MB "
        "per upload). Nothing was saved. Split the material into several uploads or ask the "
        "administrator to raise JIT_MAX_UPLOAD_MB."
    )


def _too_large(access, form=None):
    if _wants_json():
        return jsonify(error=_too_large_message()), 413
    return (
        render_template(
            "errors/error.html", code=413, title="Too large", message=_too_large_message()
        ),
        413,
    )


def _receive(access: TeamAccess, receiver: UploadReceiver, handle, form_factory, page=None):
    """Run a streamed upload through ``handle``; on any failure leave nothing behind."""
    form = None
    try:
        fields = receiver.receive(request, csrf_token=request.headers.get("X-CSRFToken"))
        form = form_factory(fields)
        form.validate()
        target = handle(form, receiver.uploads)
        db.session.commit()
    except RequestEntityTooLarge:
        _rollback(receiver)
        return None, _too_large(access)
    except storage.BlobTooLarge:
        _rollback(receiver)
        return None, _too_large(access)
    except CsrfMissing:
        _rollback(receiver)
        message = (
            "The form had expired or did not come from this workspace (security token "
            "missing or wrong). Reload the page and upload again. Nothing was saved."
        )
        return None, _refused(access, form, message, 400, page=page)
    except (MultipartError, ClientDisconnected) as broken:
        _rollback(receiver)
        message = f"The upload did not arrive complete, so nothing was saved. {broken}"
        if isinstance(broken, ClientDisconnected):
            message = "The upload was cut off before it was complete, so nothing was saved."
        return None, _refused(access, form, message, 400, page=page)
    except services.EvidenceError as refused:
        _rollback(receiver)
        return None, _refused(access, form, str(refused), 400, refused.field_errors, page=page)
    except submissions.AlreadySubmitted as repeat:
        _rollback(receiver)
        if _wants_json():
            if repeat.url:
                flash(str(repeat), "info")
                return None, (jsonify(redirect=repeat.url, duplicate=True), 200)
            return None, (jsonify(error=str(repeat)), 409)
        return None, submissions.answer_repeat(repeat)
    except BaseException:
        _rollback(receiver)
        raise
    return target, None


def _check_csrf_early() -> None:
    """Refuse an upload without a CSRF token before anything else, when that is knowable.

    The upload script sends the token as a header; a plain form sends it as the first
    field of the multipart body, where :class:`UploadReceiver` checks it before any file.
    """
    if request.mimetype == "multipart/form-data" and not request.headers.get("X-CSRFToken"):
        return  # checked by UploadReceiver before the first file
    token = request.headers.get("X-CSRFToken")
    if not token and request.mimetype == "application/x-www-form-urlencoded":
        token = request.form.get("csrf_token")  # a small form, not an upload: safe to parse
    if not token:
        raise CSRFError("The CSRF token is missing.")
    try:
        validate_csrf(token)
    except ValidationError as wrong:
        raise CSRFError(str(wrong)) from None


def _schedule_extraction(file_ids: list[int]) -> None:
    """Queue text extraction; the upload is committed already and stays so if this fails."""
    try:
        extraction.schedule(file_ids)
    except Exception:
        current_app.logger.exception(
            "Text extraction could not be scheduled; run `jit evidence extract`."
        )


def _rollback(receiver: UploadReceiver) -> None:
    db.session.rollback()
    receiver.discard()


def _form_errors(form) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in form.errors.items()}


@bp.get("/t/<code>/evidence/new")
@login_required
def new(code: str):
    access = load_evidence_team(code)
    if not may_add_item(access):
        abort(403)
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
    _check_csrf_early()
    access = load_evidence_team(code)
    if not may_add_item(access):
        abort(403)
    decision = gates.may(access.team, "add_evidence")
    if not decision:
        return _refused(access, None, decision.reason, 409)

    def handle(form: ItemForm, uploads):
        if form.errors:
            raise services.EvidenceError(
                "Nothing was saved: some fields could not be read.", _form_errors(form)
            )
        claimed = submissions.claim(
            form.submission_token.data, user=current_user, purpose="evidence.item"
        )
        item = services.create_item(access, form.to_input(), uploads)
        submissions.done(
            claimed, url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
        )
        return item

    receiver = UploadReceiver()
    item, failure = _receive(access, receiver, handle, _item_form)
    if failure is not None:
        return failure
    _schedule_extraction([stored.id for stored in item.files])
    target = url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
    count = len(item.files)
    message = f"{item.exhibit_number} is recorded" + (
        f" with {count} file{'s' if count != 1 else ''}." if count else "."
    )
    flash(message, "success")
    if _wants_json():
        return jsonify(redirect=target, exhibit=item.exhibit_number), 201
    return redirect(target, 303)


# ---------------------------------------------------------------------------
# One item


def _chain(item: EvidenceItem) -> list[CustodyEvent]:
    return list(
        db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item.id).order_by(CustodyEvent.seq)
        )
    )


def _lineage(access: TeamAccess, item: EvidenceItem) -> tuple[list, list]:
    """Return the visible ancestors (root first) and the visible children of ``item``."""
    ancestors, current, seen = [], item, {item.id}
    while current.parent_id is not None and len(ancestors) < 50:
        parent = db.session.scalar(
            select(EvidenceItem)
            .where(EvidenceItem.id == current.parent_id)
            .where(visible_items_filter(access))
        )
        if parent is None or parent.id in seen:
            ancestors.append(None)  # a link the reader may not see
            break
        ancestors.append(parent)
        seen.add(parent.id)
        current = parent
    children = list(
        db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.parent_id == item.id)
            .where(visible_items_filter(access))
            .order_by(EvidenceItem.id)
        )
    )
    return list(reversed(ancestors)), children


def _item_page(access: TeamAccess, item: EvidenceItem, *, event_form=None, status=200, error=None):
    ancestors, children = _lineage(access, item)
    return (
        render_template(
            "evidence/item.html",
            access=access,
            item=item,
            events=_chain(item),
            head=db.session.get(CustodyChainHead, item.id),
            key=signing.signing_key(),
            verification=services.latest_verification(item),
            ancestors=ancestors,
            children=children,
            event_form=event_form,
            error=error,
            confirm_form=ConfirmForm(),
            may_upload=_may_upload(access, item),
            may_record=access.can(Permission.RECORD_CUSTODY),
            may_derive=may_add_item(access),
            max_upload_bytes=max_upload_bytes(),
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
    _check_csrf_early()
    access, item = load_team_item(code, exhibit)
    try:
        services.check_upload_allowed(access, item)
    except services.EvidenceError as refused:
        if _wants_json():
            return jsonify(error=str(refused)), 403
        flash(str(refused), "error")
        return redirect(url_for("evidence.item", code=code, exhibit=item.exhibit_number), 303)

    def page(message, status):
        return _item_page(access, item, status=status, error=message)

    def handle(_form, uploads):
        return services.add_files(access, item, uploads)

    receiver = UploadReceiver()
    added, failure = _receive(
        access, receiver, handle, lambda fields: ConfirmForm(fields, meta={"csrf": False}), page
    )
    if failure is not None:
        return failure
    _schedule_extraction([stored.id for stored in added])
    target = url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number)
    flash(
        f"{len(added)} file{'s' if len(added) != 1 else ''} added to {item.exhibit_number}.",
        "success",
    )
    if _wants_json():
        return jsonify(redirect=target, exhibit=item.exhibit_number), 201
    return redirect(target, 303)


# ---------------------------------------------------------------------------
# Downloads


def _content_disposition(filename: str) -> str:
    safe = filename.replace("/", "_").replace("\\", "_")
    fallback = unicodedata.normalize("NFKD", safe).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in fallback)
    fallback = fallback.strip() or "evidence-file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"


def _stream(handle, remaining: int):
    try:
        while remaining > 0:
            chunk = handle.read(min(storage.CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _open_checked(stored: EvidenceFile):
    """Open a stored file and check its bytes against the recorded hash; return the handle."""
    import hashlib

    path = storage.blob_path(stored.sha256)
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the streaming generator)
    except FileNotFoundError:
        return None, "the stored file is missing from the blob store"
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(storage.CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != stored.sha256 or size != stored.size_bytes:
        handle.close()
        return None, (
            f"file {stored.id} “{stored.original_filename}”: the stored bytes no longer match "
            "the recorded SHA-256"
        )
    handle.seek(0)
    return handle, None


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
    handle, problem = _open_checked(stored)
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
    services.record_download(access, item, stored, acknowledged)
    db.session.commit()
    media_type = stored.media_type
    if media_type in _ACTIVE_TYPES or media_type.startswith("text/"):
        media_type = "application/octet-stream"
    response = Response(
        _stream(handle, stored.size_bytes), mimetype=media_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(stored.size_bytes)
    response.headers["Content-Disposition"] = _content_disposition(stored.original_filename)
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
    form = EventForm(default_zone=current_user.time_zone or "UTC")
    if request.method == "GET":
        form.event_type.data = request.args.get("type", "")
    gate = gates.may(access.team, "record_custody")
    error = None
    if form.is_submitted():
        try:
            if not form.validate():
                raise services.EvidenceError(
                    "Nothing was recorded: some fields could not be read.", _form_errors(form)
                )
            claimed = submissions.claim(
                form.submission_token.data, user=current_user, purpose="evidence.custody_event"
            )
            event = services.record_event(access, item, form.to_input())
        except submissions.AlreadySubmitted as repeat:
            return submissions.answer_repeat(repeat)
        except services.EvidenceError as refused:
            db.session.rollback()
            for name, messages in refused.field_errors.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + messages
            error = str(refused)
        else:
            submissions.done(
                claimed,
                url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number),
            )
            db.session.commit()
            flash(f"Custody event #{event.seq} ({event.type_label.lower()}) recorded.", "success")
            return redirect(
                url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number), 303
            )
    return render_template(
        "evidence/record_event.html",
        access=access,
        item=item,
        form=form,
        error=error,
        gate=gate,
        required=services.REQUIRED_FIELDS,
        parties=access.team.parties,
    ), (400 if error else 200)


@bp.post("/t/<code>/evidence/<exhibit>/verify")
@login_required
def verify_item(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = custody.verify_items([item])
    services.record_verification(access.team, result, item=item, actor=current_user)
    if not result.is_intact:
        services.record_integrity_alert(access, item, result.first_problem)
    db.session.commit()
    flash(result.summary(), "success" if result.is_intact else "error")
    return redirect(url_for("evidence.item", code=access.team.code, exhibit=item.exhibit_number))


@bp.post("/t/<code>/evidence/verify")
@login_required
def verify_team(code: str):
    access = load_evidence_team(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    items = list(
        db.session.scalars(
            select(EvidenceItem).where(visible_items_filter(access)).order_by(EvidenceItem.id)
        )
    )
    result = custody.verify_items(items)
    services.record_verification(access.team, result, actor=current_user)
    db.session.commit()
    flash(
        f"Verification of the {len(items)} items you can see — {result.summary()}",
        "success" if result.is_intact else "error",
    )
    return redirect(url_for("evidence.index", code=access.team.code))


@bp.get("/t/<code>/evidence/<exhibit>/custody-report.pdf")
@login_required
def report(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    result = custody.verify_items([item])
    verification = services.record_verification(access.team, result, item=item, actor=current_user)
    services.record_report(access, item)
    db.session.commit()
    pdf = reports.custody_report_pdf(
        item,
        events=_chain(item),
        head=db.session.get(CustodyChainHead, item.id),
        verification=verification,
        result=result,
        generated_for=current_user,
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = _content_disposition(
        f"custody-report-{access.team.code}-{item.exhibit_number}.pdf"
    ).replace("attachment", "inline", 1)
    return response


@bp.get("/t/<code>/evidence/<exhibit>/custody.jsonl")
@login_required
def custody_jsonl(code: str, exhibit: str):
    access, item = load_team_item(code, exhibit)
    services.record_report(access, item)
    db.session.commit()
    body = reports.custody_jsonl(item, _chain(item), db.session.get(CustodyChainHead, item.id))
    response = Response(body, mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = _content_disposition(
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
