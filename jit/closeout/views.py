"""The close-out page: the party's archive, the team's retention and its legal hold."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from jit.closeout import archives, retention
from jit.closeout.forms import HoldForm
from jit.extensions import db
from jit.forms import ConfirmForm
from jit.permissions import Permission
from jit.teams.access import load_team

bp = Blueprint("closeout", __name__)


@bp.get("/t/<code>/closeout")
@login_required
def page(code: str):
    access = load_team(code, Permission.VIEW_DASHBOARD)
    may_take = access.can(Permission.TAKE_CLOSEOUT)
    return render_template(
        "closeout/page.html",
        access=access,
        end=archives.team_end(access.team),
        archive=archives.archive_of(access) if may_take else None,
        may_take=may_take,
        standing=retention.standing(access.team),
        take_form=ConfirmForm(),
        hold_form=HoldForm(),
    )


@bp.post("/t/<code>/closeout/archive")
@login_required
def take(code: str):
    access = load_team(code, Permission.TAKE_CLOSEOUT)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        archives.take(access)
    except archives.CloseoutError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("Your party's close-out archive is ready to download.", "success")
    return redirect(url_for("closeout.page", code=access.team.code))


@bp.get("/t/<code>/closeout/archive.zip")
@login_required
def download(code: str):
    access = load_team(code, Permission.TAKE_CLOSEOUT)
    archive = archives.archive_of(access)
    if archive is None or not archives.archive_path(archive).is_file():
        abort(404)
    # A resumed download (a Range past the start) is the same download: record it once.
    if not request.range or request.range.ranges[0][0] == 0:
        archives.record_download(access, archive)
        db.session.commit()
    response = send_file(
        archives.archive_path(archive),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archives.download_name(access),
        conditional=True,
        etag=archive.sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/t/<code>/closeout/hold")
@login_required
def set_hold(code: str):
    access = load_team(code, Permission.MANAGE_RETENTION)
    return _hold_change(access, retention.set_hold, "Legal hold set: nothing is deleted.")


@bp.post("/t/<code>/closeout/hold/lift")
@login_required
def lift_hold(code: str):
    access = load_team(code, Permission.MANAGE_RETENTION)
    return _hold_change(access, retention.lift_hold, "Legal hold lifted.")


def _hold_change(access, change, done: str):
    form = HoldForm()
    if not form.validate_on_submit():
        flash("Give the reason (at most 1000 characters).", "error")
        return redirect(url_for("closeout.page", code=access.team.code))
    try:
        change(access, form.reason.data)
    except retention.RetentionError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("closeout.page", code=access.team.code))
