"""Receiving a streamed upload for a page: the token first, then the body, the service, commit.

The two upload pages (a new item with its files, more files for an item) read the
request body themselves through :class:`evidence.uploads.UploadReceiver`, so they are
exempt from CSRFProtect's form parsing; :func:`check_csrf_early` and the receiver check
the token instead. :func:`receive` runs the whole request and, on any failure, leaves
nothing behind: no row, no blob.
"""

from collections.abc import Callable

from flask import current_app, flash, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from wtforms import ValidationError

from evidence import extraction, services, storage
from evidence.multipart import MultipartError
from evidence.uploads import CsrfMissing, UploadReceiver, max_upload_bytes
from jit import submissions
from jit.extensions import db
from jit.teams.access import TeamAccess

# page(message, status, form) -> response: the upload page again, with the reason.
RefusalPage = Callable[[str, int, object], object]


def wants_json() -> bool:
    """Whether the upload script (rather than a plain form) sent the request."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def form_errors(form) -> dict[str, list[str]]:
    """Return a form's errors by field, as the upload script shows them."""
    return {name: list(errors) for name, errors in form.errors.items()}


def refused(message: str, status: int, page: RefusalPage, form=None, field_errors=None):
    """Answer a refused upload: JSON for the upload script, the page again otherwise."""
    if wants_json():
        return jsonify(error=message, errors=field_errors or {}), status
    if form is not None and field_errors:
        for name, messages in field_errors.items():
            if name in form:
                form[name].errors = list(form[name].errors) + messages
    return page(message, status, form)


def _too_large_message() -> str:
    return (
        f"The upload is larger than this workspace accepts ({max_upload_bytes() // 2**20} MB "
        "per upload). Nothing was saved. Split the material into several uploads or ask the "
        "administrator to raise JIT_MAX_UPLOAD_MB."
    )


def _too_large():
    if wants_json():
        return jsonify(error=_too_large_message()), 413
    return (
        render_template(
            "errors/error.html", code=413, title="Too large", message=_too_large_message()
        ),
        413,
    )


def receive(access: TeamAccess, handle, form_factory, page: RefusalPage):
    """Run a streamed upload through ``handle`` and commit; on any failure leave nothing behind.

    Return ``(what handle returned, None)``, or ``(None, the response to send)``.
    """
    receiver = UploadReceiver()
    form = None
    try:
        fields = receiver.receive(request, csrf_token=request.headers.get("X-CSRFToken"))
        form = form_factory(fields)
        form.validate()
        target = handle(form, receiver.uploads)
        db.session.commit()
    except (RequestEntityTooLarge, storage.BlobTooLarge):
        _rollback(receiver)
        return None, _too_large()
    except CsrfMissing:
        _rollback(receiver)
        message = (
            "The form had expired or did not come from this workspace (security token "
            "missing or wrong). Reload the page and upload again. Nothing was saved."
        )
        return None, refused(message, 400, page, form)
    except (MultipartError, ClientDisconnected) as broken:
        _rollback(receiver)
        message = f"The upload did not arrive complete, so nothing was saved. {broken}"
        if isinstance(broken, ClientDisconnected):
            message = "The upload was cut off before it was complete, so nothing was saved."
        return None, refused(message, 400, page, form)
    except services.EvidenceError as refusal:
        _rollback(receiver)
        return None, refused(str(refusal), 400, page, form, refusal.field_errors)
    except submissions.AlreadySubmitted as repeat:
        _rollback(receiver)
        if wants_json():
            if repeat.url:
                flash(str(repeat), "info")
                return None, (jsonify(redirect=repeat.url, duplicate=True), 200)
            return None, (jsonify(error=str(repeat)), 409)
        return None, submissions.answer_repeat(repeat)
    except BaseException:
        _rollback(receiver)
        raise
    return target, None


def _rollback(receiver: UploadReceiver) -> None:
    db.session.rollback()
    receiver.discard()


def check_csrf_early() -> None:
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


def schedule_extraction(file_ids: list[int]) -> None:
    """Queue text extraction; the upload is committed already and stays so if this fails."""
    try:
        extraction.schedule(file_ids)
    except Exception:
        current_app.logger.exception(
            "Text extraction could not be scheduled; run `jit evidence extract`."
        )
