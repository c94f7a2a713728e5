"""The directory's pages for platform administrators: list, edit, CSV import and export."""

import contextlib

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from jit import submissions
from jit.admin.views import platform_admin_required
from jit.directory import services
from jit.directory.forms import ConfirmImportForm, EntryForm, ImportForm
from jit.directory.models import DirectoryEntry
from jit.extensions import db
from jit.teams.forms import ConfirmForm

bp = Blueprint("directory", __name__, url_prefix="/admin/directory")

MAX_IMPORT_BYTES = 2_000_000


def _index_page(form, error=None, status=200):
    return render_template(
        "directory/index.html",
        form=form,
        entries=services.entries(),
        error=error,
        confirm_form=ConfirmForm(),
        import_form=ImportForm(),
    ), status


def _refused(form, refused: services.DirectoryError) -> None:
    for name, messages in refused.field_errors.items():
        if name in form:
            form[name].errors = list(form[name].errors) + messages


@bp.route("/", methods=["GET", "POST"])
@platform_admin_required
def index():
    form = EntryForm()
    if form.validate_on_submit():
        try:
            claimed = submissions.claim(
                form.submission_token.data, user=current_user, purpose="directory.entry"
            )
            entry = services.create_entry(form.raw(), actor=current_user)
        except submissions.AlreadySubmitted as repeat:
            return submissions.answer_repeat(repeat)
        except services.DirectoryError as refused:
            db.session.rollback()
            _refused(form, refused)
            return _index_page(form, str(refused), 400)
        submissions.done(claimed, url_for("directory.edit", entry_id=entry.id))
        db.session.commit()
        flash(f"{entry.name} added for {entry.country}.", "success")
        return redirect(url_for("directory.index"))
    return _index_page(form, status=400 if form.is_submitted() else 200)


def _load_entry(entry_id: int) -> DirectoryEntry:
    return db.session.get(DirectoryEntry, entry_id) or abort(404)


@bp.route("/<int(max=2147483647):entry_id>", methods=["GET", "POST"])
@platform_admin_required
def edit(entry_id: int):
    entry = _load_entry(entry_id)
    form = EntryForm(data=entry.values()) if request.method == "GET" else EntryForm()
    if form.validate_on_submit():
        try:
            services.update_entry(entry, form.raw(), actor=current_user)
        except services.DirectoryError as refused:
            db.session.rollback()
            _refused(form, refused)
            return render_template(
                "directory/edit.html", form=form, entry=entry, error=str(refused)
            ), 400
        db.session.commit()
        flash(f"{entry.name} saved.", "success")
        return redirect(url_for("directory.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("directory/edit.html", form=form, entry=entry), status


@bp.post("/<int(max=2147483647):entry_id>/delete")
@platform_admin_required
def delete(entry_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = _load_entry(entry_id)
    name = entry.name
    services.delete_entry(entry, actor=current_user)
    db.session.commit()
    flash(f"{name} removed from the directory.", "success")
    return redirect(url_for("directory.index"))


@bp.get("/export.csv")
@platform_admin_required
def export():
    return Response(
        services.export_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="directory.csv"'},
    )


def _preview_page(csv_text: str, preview=None, error=None, status=200):
    confirm = ConfirmImportForm(csv_text=csv_text)
    return render_template(
        "directory/import.html", preview=preview, error=error, confirm_form=confirm
    ), status


@bp.post("/import")
@platform_admin_required
def import_preview():
    """Show what a CSV would change; nothing is written until the administrator confirms."""
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    if not data:
        return _preview_page("", error="Choose a CSV file to import.", status=400)
    if len(data) > MAX_IMPORT_BYTES:
        return _preview_page("", error="The file is larger than 2 MB; split it.", status=400)
    try:
        preview = services.preview_import(data)
    except services.DirectoryError as refused:
        return _preview_page("", error=str(refused), status=400)
    text = data.decode("utf-8-sig")
    return _preview_page(text, preview, status=200 if preview.is_valid else 400)


@bp.post("/import/confirm")
@platform_admin_required
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    data = (form.csv_text.data or "").encode("utf-8")
    try:
        preview = services.apply_import(data, actor=current_user)
    except services.DirectoryError as refused:
        db.session.rollback()
        again = None
        with contextlib.suppress(services.DirectoryError):
            again = services.preview_import(data)
        return _preview_page(form.csv_text.data or "", again, str(refused), 400)
    db.session.commit()
    flash(
        f"Directory imported: {preview.count('create')} added, {preview.count('update')} changed, "
        f"{preview.count('unchanged')} unchanged.",
        "success",
    )
    return redirect(url_for("directory.index"))
