"""Request pages: the list, the type picker, the form, evidence, consent, finalising, files.

Thin: each view loads the team and bundle through :mod:`evidence.bundles.access`, calls
a service, commits, and renders. A refused change rolls back and shows why.
"""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from evidence import custody, storage
from evidence.access import visible_item_by_id, visible_items_filter
from evidence.bundles import (
    addressees,
    checks,
    forms,
    review,
    services,
    tracking,
    tracking_services,
    translations,
)
from evidence.bundles.access import (
    load_bundle,
    load_bundles_team,
    load_drafting_team,
    may_edit,
    may_finalise,
    may_review,
    may_share,
    may_track,
    version_history,
)
from evidence.bundles.document import display_value, request_document
from evidence.bundles.importing import RequestImportError, import_document
from evidence.bundles.instruments import INSTRUMENTS, instrument
from evidence.bundles.languages import language_notice, languages_for
from evidence.bundles.package import package_file, package_name
from evidence.bundles.pdf import document_json, request_pdf
from evidence.bundles.prefill import authority_languages, proposed_language
from evidence.bundles.register import register_rows, row_for
from evidence.bundles.serving import send_package
from evidence.models import EvidenceItem, Visibility
from evidence.reports import hash_groups
from jit import gates, signing, submissions
from jit.clock import utcnow
from jit.extensions import db
from jit.i18n import LANGUAGES
from jit.inputs import parse_plain_int, query_int
from jit.permissions import Role
from jit.teams.reference import countries

bp = Blueprint("bundles", __name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _page(template: str, status: int = 200, **context):
    return render_template(template, **context), status


@bp.get("/t/<code>/requests/")
@login_required
def index(code: str):
    access = load_bundles_team(code)
    rows = register_rows(access)
    return render_template(
        "bundles/index.html",
        access=access,
        rows=rows,
        instruments=INSTRUMENTS,
        gate=gates.may(access.team, "draft_bundle"),
    )


def _picker(access, error=None, errors=None, status=200):
    return _page(
        "bundles/new.html",
        status,
        access=access,
        instruments=INSTRUMENTS,
        party_states=[p for p in access.team.parties if p.is_state and p.id != access.party.id],
        countries=countries(),
        gate=gates.may(access.team, "draft_bundle"),
        error=error,
        errors=errors or {},
        submission_token=submissions.new_token(),
    )


@bp.route("/t/<code>/requests/new", methods=["GET", "POST"])
@login_required
def new(code: str):
    access = load_drafting_team(code)
    if request.method == "GET":
        return _picker(access)
    try:
        # A form sent twice (a double click, a resend) starts one draft, not two.
        claimed = submissions.claim(
            request.form.get("submission_token"), user=current_user, purpose="bundles.create"
        )
        bundle = services.create_bundle(
            access,
            request.form.get("request_type", ""),
            request.form.get("executing_state") or None,
        )
    except submissions.AlreadySubmitted as repeat:
        return submissions.answer_repeat(repeat)
    except services.BundleError as error:
        db.session.rollback()
        return _picker(access, str(error), error.errors, 400)
    submissions.done(claimed, url_for("bundles.edit", code=code, number=bundle.number))
    db.session.commit()
    return redirect(url_for("bundles.edit", code=code, number=bundle.number))


def _form_page(access, bundle, values, errors=None, error=None, status=200):
    definition = instrument(bundle.request_type)
    return _page(
        "bundles/edit.html",
        status,
        access=access,
        bundle=bundle,
        instrument=definition,
        values=values,
        errors=errors or {},
        error=error,
        party_states=[p for p in access.team.parties if p.is_state],
        countries=countries(),
        languages=languages_for(definition),
        all_languages=LANGUAGES,
        proposed=proposed_language(
            _executing_state(values),
            accepted=authority_languages(bundle.request_type, _executing_state(values)),
        ),
        directory_entries=addressees.candidates(_executing_state(values)),
        authority_field=addressees.authority_field(definition),
        gate=gates.may(access.team, "draft_bundle"),
    )


def _with_picked_addressee(bundle, values: dict) -> dict:
    """Show the directory entry picked (``?addressee=<id>``) in the authority field.

    Nothing is saved until the drafter saves the form.
    """
    picked = query_int("addressee")
    field = addressees.authority_field(instrument(bundle.request_type))
    if picked is None or field is None:
        return values
    entry = next(
        (e for e in addressees.candidates(_executing_state(values)) if e.id == picked), None
    )
    return values | {field.key: addressees.describe(entry)} if entry else values


def _executing_state(values) -> str | None:
    state = values.get("executing_state")
    return values.get("executing_state_other") if state == "other" else state


@bp.route("/t/<code>/requests/<int:number>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if bundle.is_final:
        flash(f"{bundle.label} is final and cannot be changed; start a new version.", "error")
        return redirect(url_for("bundles.show", code=code, number=number))
    if not may_edit(access, bundle):
        abort(403)
    if request.method == "GET":
        return _form_page(access, bundle, _with_picked_addressee(bundle, bundle.values or {}))
    try:
        services.save_values(
            access, bundle, forms.from_form(request.form), request.form.get("language", "")
        )
    except services.BundleError as error:
        db.session.rollback()
        shown = {
            key: request.form.getlist(key) if len(request.form.getlist(key)) > 1 else value
            for key, value in request.form.items()
        }
        for _section, field in instrument(bundle.request_type).fields():
            if field.kind == "choices":
                shown[field.key] = request.form.getlist(field.key)
        return _form_page(access, bundle, shown, error.errors, str(error), 400)
    db.session.commit()
    flash(f"{bundle.label} saved as a draft.", "success")
    if request.form.get("then") == "check":
        return redirect(url_for("bundles.show", code=code, number=number))
    return redirect(url_for("bundles.edit", code=code, number=number))


def _rows_for(access, bundle, document):
    """Schedule rows, with those the reader may not see reduced to a notice."""
    openable = services.openable_item_ids(access, bundle)
    visible = {entry.item.exhibit_number for entry in bundle.items if entry.item_id in openable}
    return [row if row["exhibit_number"] in visible else None for row in document["evidence"]]


@bp.get("/t/<code>/requests/<int:number>/")
@login_required
def show(code: str, number: int):
    access, bundle = load_bundle(code, number)
    document = request_document(bundle)
    if may_review(access):
        from evidence.bundles.review_views import review_page

        return review_page(access, bundle, document)
    definition = instrument(bundle.request_type)
    problems = [] if bundle.is_final else services.problems(bundle, access)
    changes = tracking.changes_of(bundle)
    return render_template(
        "bundles/show.html",
        access=access,
        bundle=bundle,
        instrument=definition,
        document=document,
        rows=_rows_for(access, bundle, document),
        problems=checks.grouped(definition, problems),
        may_edit=may_edit(access, bundle),
        may_finalise=may_finalise(access, bundle),
        is_leader=access.role is Role.LEADER,
        language_name=LANGUAGES.get(bundle.language, bundle.language),
        language_notice=language_notice(bundle),
        release_gate=gates.may(access.team, "release_bundle"),
        display=display_value,
        hash_groups=hash_groups,
        signing_fingerprint=signing.signing_key().fingerprint,
        agreement_ref=custody.agreement_reference(access.team, bundle.agreement_version),
        versions=version_history(access, bundle),
        tracking=tracking,
        changes=changes,
        tracked=row_for(bundle, changes, tracking.today(utcnow())),
        date_to_record=tracking.date_to_record(bundle, changes),
        date_alone=tracking.may_record_date_alone(bundle, changes),
        openable_replies={
            change.reply_item_id
            for change in changes
            if change.reply_item_id and visible_item_by_id(access, change.reply_item_id)
        },
        reply_visibilities=list(Visibility),
        may_track=may_track(access, bundle),
        may_share=may_share(access, bundle),
        shares=review.shares_of(bundle),
        reviewers=[m for m in access.team.memberships if m.role == Role.REVIEWER.value],
        reviews=review.reviews_of(bundle),
        reply_limit=tracking_services.reply_limit(),
        translation_languages=translations.languages(),
        translation_name=translations.language_name,
        translation_limit=translations.limit_bytes(),
    )


@bp.route("/t/<code>/requests/<int:number>/evidence", methods=["GET", "POST"])
@login_required
def evidence(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if bundle.is_final:
        flash(f"{bundle.label} is final and cannot be changed; start a new version.", "error")
        return redirect(url_for("bundles.show", code=code, number=number))
    if not may_edit(access, bundle):
        abort(403)
    error = None
    if request.method == "POST":
        chosen = [parse_plain_int(value) for value in request.form.getlist("item")]
        try:
            if None in chosen:
                raise services.BundleError("Select items from the list.", "evidence")
            services.select_evidence(access, bundle, chosen)
        except services.BundleError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash("Evidence selection saved.", "success")
            return redirect(url_for("bundles.show", code=code, number=number))
    items = db.session.scalars(
        select(EvidenceItem).where(visible_items_filter(access)).order_by(EvidenceItem.id)
    ).all()
    return _page(
        "bundles/evidence.html",
        400 if error else 200,
        access=access,
        bundle=bundle,
        items=items,
        chosen={entry.item_id for entry in bundle.items},
        error=error,
    )


@bp.post("/t/<code>/requests/<int:number>/consent/<int:item_id>")
@login_required
def consent(code: str, number: int, item_id: int):
    access, bundle = load_bundle(code, number)
    item = visible_item_by_id(access, item_id) if item_id < 2**31 else None
    if item is None:
        abort(404)
    try:
        services.record_consent(access, bundle, item, request.form.get("purpose", ""))
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"Consent recorded for {item.exhibit_number}.", "success")
    return redirect(url_for("bundles.show", code=code, number=number))


@bp.post("/t/<code>/requests/<int:number>/translations")
@login_required
def attach_translation(code: str, number: int):
    access, bundle = load_bundle(code, number)
    upload = request.files.get("translation")
    # One byte over the limit is enough to refuse it; the name is only a label.
    data = upload.read(translations.limit_bytes() + 1) if upload else b""
    language = request.form.get("translation_language", "")
    try:
        attached = services.attach_translation(
            access, bundle, language, upload.filename if upload else "", data
        )
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(
            f"Translation ({translations.language_name(attached.language)}) attached to "
            f"{bundle.label}: {attached.filename}.",
            "success",
        )
    return redirect(url_for("bundles.show", code=code, number=number, _anchor="translations"))


@bp.post("/t/<code>/requests/<int:number>/translations/remove")
@login_required
def remove_translation(code: str, number: int):
    access, bundle = load_bundle(code, number)
    language = request.form.get("translation_language", "")
    try:
        services.remove_translation(access, bundle, language)
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"Translation ({translations.language_name(language)}) removed.", "success")
    return redirect(url_for("bundles.show", code=code, number=number, _anchor="translations"))


@bp.post("/t/<code>/requests/<int:number>/finalise")
@login_required
def finalise(code: str, number: int):
    access, bundle = load_bundle(code, number)
    try:
        services.finalise(access, bundle, lambda document: request_pdf(document, sign=True))
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"{bundle.label} is final; its signed PDF is ready.", "success")
    return redirect(url_for("bundles.show", code=code, number=number))


@bp.post("/t/<code>/requests/<int:number>/new-version")
@login_required
def new_version(code: str, number: int):
    access, bundle = load_bundle(code, number)
    try:
        draft = services.new_version(access, bundle)
    except services.BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("bundles.show", code=code, number=number))
    db.session.commit()
    return redirect(url_for("bundles.edit", code=code, number=draft.number))


def _all_items_visible(access, bundle) -> bool:
    return all(visible_item_by_id(access, entry.item_id) for entry in bundle.items)


def _download(bundle, body: bytes, mimetype: str, suffix: str, inline: bool = False):
    response = Response(body, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{bundle.team.code}-{bundle.label}-v{bundle.version}.{suffix}"'
    )
    return response


@bp.get("/t/<code>/requests/<int:number>/request.pdf")
@login_required
def pdf(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if not _all_items_visible(access, bundle):
        abort(403)
    services.record_download(access, bundle, "pdf")
    db.session.commit()
    if bundle.is_final and bundle.pdf_sha256:
        body = storage.blob_path(bundle.pdf_sha256).read_bytes()
    else:
        body = request_pdf(request_document(bundle), sign=False)
    return _download(bundle, body, "application/pdf", "pdf", inline=True)


@bp.get("/t/<code>/requests/<int:number>/request.json")
@login_required
def json_document(code: str, number: int):
    access, bundle = load_bundle(code, number)
    if not _all_items_visible(access, bundle):
        abort(403)
    services.record_download(access, bundle, "json")
    db.session.commit()
    return _download(bundle, document_json(request_document(bundle)), "application/json", "json")


@bp.get("/t/<code>/requests/<int:number>/package.zip")
@login_required
def package(code: str, number: int):
    access, bundle = load_bundle(code, number)
    path = package_file(bundle)
    if path is None:
        abort(404)  # a draft, or finalised before packages were written
    if not _all_items_visible(access, bundle):
        abort(403)
    if not path.is_file() or path.stat().st_size != bundle.package_size:
        flash(f"The package of {bundle.label} is missing or damaged in the store.", "error")
        return redirect(url_for("bundles.show", code=code, number=number))
    # Every request is recorded, each part of a resumed download with its range.
    services.record_download(access, bundle, "package", request.headers.get("Range"))
    db.session.commit()
    return send_package(
        path, bundle.package_size, bundle.package_sha256, f"{package_name(bundle)}.zip"
    )


@bp.route("/t/<code>/requests/import", methods=["GET", "POST"])
@login_required
def import_json(code: str):
    access = load_drafting_team(code)
    if request.method == "GET":
        return _page("bundles/import.html", access=access, error=None, errors={})
    upload = request.files.get("document")
    raw = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    try:
        if not raw:
            raise RequestImportError(["Choose a request JSON file."])
        if len(raw) > MAX_IMPORT_BYTES:
            raise RequestImportError(["The file is larger than 2 MiB."])
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise RequestImportError(["The file is not JSON (UTF-8)."]) from None
        except RecursionError:  # json's decoder gives up on deep nesting: once a 500
            raise RequestImportError(["Arrays and objects in the file nest too deep."]) from None
        bundle = import_document(access, parsed)
    except RequestImportError as refused:
        db.session.rollback()
        return _page("bundles/import.html", 400, access=access, error=refused.problems, errors={})
    except services.BundleError as refused:
        db.session.rollback()
        problems = [str(refused)] + [f"{key}: {message}" for key, message in refused.errors.items()]
        return _page("bundles/import.html", 400, access=access, error=problems, errors={})
    db.session.commit()
    flash(f"Imported as the draft {bundle.label}.", "success")
    return redirect(url_for("bundles.edit", code=code, number=bundle.number))


# Sharing, review and tracking pages hang on this blueprint too.
from evidence.bundles import review_views, tracking_views  # noqa: E402, F401
