"""The team's audit log pages: reading it (filtered, in words), verifying and exporting it.

They live with the team pages, above the audit package, because they load the team
through the team loader; the audit package itself depends on no team code.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import login_required

from jit.audit import exports, reading, services
from jit.audit.log_pages import filtered_page
from jit.audit.models import team_chain
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission
from jit.teams.access import load_team
from jit.teams.forms import ConfirmForm

bp = Blueprint("audit", __name__)


@bp.get("/t/<code>/audit")
@login_required
def team_log(code: str):
    access = load_team(code, Permission.VIEW_AUDIT)
    context, status, entries = filtered_page(team_chain(access.team.id))
    return render_template(
        "audit/team_log.html",
        access=access,
        entries=reading.present(access, entries),
        confirm_form=ConfirmForm(),
        **context,
    ), status


@bp.post("/t/<code>/audit/verify")
@login_required
def verify(code: str):
    access = load_team(code, Permission.VIEW_AUDIT)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    (report,) = services.verify_and_record([team_chain(access.team.id)], team=access.team)
    db.session.commit()
    flash(report.describe(), "success" if report.is_intact else "error")
    return redirect(url_for("audit.team_log", code=access.team.code))


@bp.get("/t/<code>/audit/export.<fmt>")
@login_required
def export(code: str, fmt: str):
    access = load_team(code, Permission.EXPORT_AUDIT)
    if fmt not in exports.WRITERS:
        abort(404)
    content_type, writer = exports.WRITERS[fmt]
    services.record_export(access.team, fmt)
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    filename = f"audit-{access.team.code}-{stamp}.{fmt}"
    return Response(
        stream_with_context(writer(access.team, access)),
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
