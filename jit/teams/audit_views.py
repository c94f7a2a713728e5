"""The team's audit log pages: reading, verifying and exporting it.

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
    request,
    stream_with_context,
    url_for,
)
from flask_login import login_required

from jit.audit import services
from jit.audit.models import team_chain
from jit.audit.queries import entries_page
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
    page = request.args.get("page", 1, type=int)
    entries, pages = entries_page(team_chain(access.team.id), page)
    return render_template(
        "audit/team_log.html",
        access=access,
        entries=entries,
        page=page,
        pages=pages,
        confirm_form=ConfirmForm(),
    )


@bp.post("/t/<code>/audit/verify")
@login_required
def verify(code: str):
    access = load_team(code, Permission.VIEW_AUDIT)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    report = services.verify_chain(team_chain(access.team.id))
    services.record(
        "audit.verified",
        team=access.team,
        new={
            "intact": report.is_intact,
            "entries_checked": report.entries_checked,
            "problem": report.problem,
            "broken_seq": report.broken_seq,
        },
    )
    db.session.commit()
    flash(report.describe(), "success" if report.is_intact else "error")
    return redirect(url_for("audit.team_log", code=access.team.code))


_EXPORTS = {
    "csv": ("text/csv; charset=utf-8", services.export_csv),
    "jsonl": ("application/x-ndjson; charset=utf-8", services.export_jsonl),
}


@bp.get("/t/<code>/audit/export.<fmt>")
@login_required
def export(code: str, fmt: str):
    access = load_team(code, Permission.EXPORT_AUDIT)
    if fmt not in _EXPORTS:
        abort(404)
    mimetype, writer = _EXPORTS[fmt]
    # The export is itself recorded before it is produced, so it appears in what it exports.
    services.record("audit.exported", team=access.team, new={"format": fmt})
    db.session.commit()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    filename = f"audit-{access.team.code}-{stamp}.{fmt}"
    return Response(
        stream_with_context(writer(access.team)),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
