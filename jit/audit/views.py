"""The team's audit log: reading, verifying and exporting it."""

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
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from jit.audit import services
from jit.audit.models import AuditEntry, team_chain
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import query_int
from jit.permissions import Permission
from jit.teams.access import load_team
from jit.teams.forms import ConfirmForm

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


def entries_page(chain: str, page: int) -> tuple[list[AuditEntry], int]:
    """Return one page of a chain, newest first, and the number of pages."""
    total = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.chain == chain)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.chain == chain)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.seq.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return entries, pages


@bp.get("/t/<code>/audit")
@login_required
def team_log(code: str):
    access = load_team(code, Permission.VIEW_AUDIT)
    page = query_int("page", 1)
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
