"""Review pages: sharing a final request with a reviewer, and the reviewer's own pages.

Thin like views.py: load through evidence.bundles.access, call evidence.bundles.review,
commit, render. Routes hang on the bundles blueprint.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from evidence import custody
from evidence.bundles import package_adapter, review, services, tracking
from evidence.bundles.access import load_bundle, may_review, visible_bundles_filter
from evidence.bundles.instruments import INSTRUMENTS
from evidence.bundles.models import Bundle, ReviewDecision
from evidence.bundles.views import bp
from evidence.reports import hash_groups
from jit import signing
from jit.extensions import db
from jit.inputs import parse_plain_int
from jit.permissions import Permission
from jit.teams.access import load_team


def _membership_id() -> int | None:
    return parse_plain_int(request.form.get("membership", ""))


@bp.get("/t/<code>/review/")
@login_required
def review_index(code: str):
    access = load_team(code, Permission.REVIEW_BUNDLE)
    bundles = db.session.scalars(
        select(Bundle).where(visible_bundles_filter(access)).order_by(Bundle.number.desc())
    ).all()
    return render_template(
        "bundles/review_index.html",
        access=access,
        bundles=bundles,
        reviews={bundle.id: review.reviews_of(bundle) for bundle in bundles},
        instruments=INSTRUMENTS,
    )


def review_page(access, bundle, document, *, error=None, status=200):
    """The reviewer's page of a shared request (views.show hands reviewers here)."""
    return render_template(
        "bundles/review.html",
        access=access,
        bundle=bundle,
        instrument=INSTRUMENTS[bundle.request_type],
        document=document,
        reviews=review.reviews_of(bundle),
        decisions=list(ReviewDecision),
        has_package=package_adapter.package_file(bundle) is not None,
        tracking_label=tracking.LABELS[
            tracking.current_status(bundle, tracking.changes_of(bundle))
        ],
        hash_groups=hash_groups,
        signing_fingerprint=signing.signing_key().fingerprint,
        agreement_ref=custody.agreement_reference(access.team, bundle.agreement_version),
        error=error,
    ), status


@bp.post("/t/<code>/requests/<int:number>/share")
@login_required
def share(code: str, number: int):
    access, bundle = load_bundle(code, number)
    try:
        shared = review.share(access, bundle, _membership_id())
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        name = shared.membership.user.display_name
        db.session.commit()
        flash(f"{bundle.label} is shared with {name} for review.", "success")
    return redirect(url_for("bundles.show", code=code, number=number, _anchor="review"))


@bp.post("/t/<code>/requests/<int:number>/unshare")
@login_required
def unshare(code: str, number: int):
    access, bundle = load_bundle(code, number)
    try:
        review.unshare(access, bundle, _membership_id())
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"{bundle.label} is no longer shared with that reviewer.", "success")
    return redirect(url_for("bundles.show", code=code, number=number, _anchor="review"))


@bp.post("/t/<code>/requests/<int:number>/review")
@login_required
def record_review(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if not may_review(access):
        abort(403)
    try:
        review.record_review(
            access, bundle, request.form.get("decision", ""), request.form.get("note", "")
        )
    except services.BundleError as refused:
        db.session.rollback()
        from evidence.bundles.document import request_document

        return review_page(access, bundle, request_document(bundle), error=str(refused), status=400)
    db.session.commit()
    flash(f"Your decision on {bundle.label} is recorded and shown to the team.", "success")
    return redirect(url_for("bundles.show", code=code, number=number))


@bp.post("/t/<code>/requests/<int:number>/verify")
@login_required
def verify(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if not bundle.is_final:
        abort(404)
    checks = review.verify_package(access, bundle)
    if checks is None:
        abort(404)
    db.session.commit()
    return render_template(
        "bundles/verification.html",
        access=access,
        bundle=bundle,
        checks=checks,
        is_intact=bool(checks) and all(check.ok for check in checks),
    )
