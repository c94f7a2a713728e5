"""Verification and reports: verifying an item or every item a reader sees, the custody
report (PDF), the chain as JSON lines, and the custody signing key.

Routes hang on the evidence blueprint (:mod:`evidence.views`); runs are kept by
:mod:`evidence.verification`, documents are made by :mod:`evidence.reports`.
"""

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user, login_required

from evidence import downloads, queries, reports, services, verification
from evidence.access import load_evidence_team, load_team_item
from evidence.views import bp
from jit import signing
from jit.extensions import db
from jit.teams.forms import ConfirmForm


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
        reader=access,
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
    body = reports.custody_jsonl(
        item, queries.custody_chain(item), queries.chain_head(item), reader=access
    )
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
