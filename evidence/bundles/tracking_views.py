"""Tracking pages: a sent request's status changes and the team's requests register (CSV).

Routes hang on the bundles blueprint; writes go through tracking_services.
"""

import csv
import io
from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from evidence.bundles import services, tracking_services
from evidence.bundles.access import load_bundle, load_bundles_team, may_track
from evidence.bundles.register import register_rows
from evidence.bundles.views import bp
from jit.audit.services import record
from jit.csv_cells import to_cell
from jit.extensions import db
from jit.web import render_error


def _date(name: str, *, required: bool) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        if required:
            raise services.BundleError("Give the date it happened.", name)
        return None
    try:
        if len(raw) != 10:  # fromisoformat takes other shapes too; the form sends YYYY-MM-DD
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise services.BundleError(f"“{raw[:20]}” is not a date (YYYY-MM-DD).", name) from None


def _reply() -> tracking_services.Reply | None:
    upload = request.files.get("reply")
    if upload is None or not upload.filename:
        return None
    limit = tracking_services.reply_limit()
    data = upload.read(limit + 1)  # one byte over is enough to refuse it
    visibility = request.form.get("reply_visibility", "party")
    return tracking_services.Reply(upload.filename, upload.mimetype or "", data, visibility)


@bp.post("/t/<code>/requests/<int:number>/status")
@login_required
def change_status(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if not may_track(access, bundle):
        abort(403)
    try:
        change = tracking_services.change_status(
            access,
            bundle,
            request.form.get("status", ""),
            occurred_on=_date("occurred_on", required=True),
            arrested_on=_date("arrested_on", required=False),
            recognised_on=_date("recognised_on", required=False),
            reference=request.form.get("reference", ""),
            note=request.form.get("note", ""),
            reply=_reply(),
        )
    except services.BundleError as refused:
        db.session.rollback()
        flash(f"Nothing was recorded: {refused}", "error")
    else:
        label = tracking_services.tracking.LABELS[change.status].lower()
        db.session.commit()
        flash(f"{bundle.label} is recorded as {label}.", "success")
    return redirect(url_for("bundles.show", code=code, number=number, _anchor="tracking"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body over the limit is refused before any view runs (the CSRF check reads the
    form); on the tracking form that is a reply too large, and it says so there."""
    if request.endpoint == "bundles.change_status" and request.view_args:
        flash(f"Nothing was recorded: {tracking_services.too_large_message()}", "error")
        return redirect(url_for("bundles.show", **request.view_args, _anchor="tracking"))
    return render_error(413)


@bp.get("/t/<code>/requests/register.csv")
@login_required
def register_csv(code: str):
    access = load_bundles_team(code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Request",
            "Version",
            "Replaces",
            "Replaced by",
            "Type",
            "Party",
            "Status",
            "Status since",
            "Their reference",
            "Deadline",
            "Due on",
            "Days left",
            "Overdue",
            "Extendable to",
            "Date of arrest",
            "Decision on recognition",
        ]
    )
    for row in register_rows(access):
        due = row.deadline
        writer.writerow(
            [
                # A number stays a number (-3 days left); text cannot start a formula.
                to_cell(value) if isinstance(value, str) else value
                for value in (
                    row.bundle.label,
                    row.bundle.version,
                    row.previous.label if row.previous else "",
                    row.replaced_by.label if row.replaced_by else "",
                    row.bundle.request_type.upper(),
                    row.bundle.party.short_label,
                    row.status_label,
                    row.since.isoformat() if row.since else "",
                    row.reference,
                    due.what if due else "",
                    due.due_on.isoformat() if due else "",
                    due.days_left if due else "",
                    ("yes" if due.is_overdue else "no") if due else "",
                    due.extendable_to.isoformat() if due and due.extendable_to else "",
                    row.arrested_on.isoformat() if row.arrested_on else "",
                    row.recognised_on.isoformat() if row.recognised_on else "",
                )
            ]
        )
    record("bundle.register_export", team=access.team, new={"format": "csv"})
    db.session.commit()
    body = "\ufeff" + out.getvalue()  # a BOM, so spreadsheet programs read UTF-8
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{access.team.code}-requests-register.csv"'
    )
    return response
