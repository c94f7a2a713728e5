"""Firearms pages: the register and chart, an item's firearms and ammunition, one firearm,
and tracing requests. Every view loads through :mod:`evidence.firearms.access`."""

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from evidence.access import load_item
from evidence.bundles.services import BundleError
from evidence.firearms import chart, outgoing, register, services, tracing
from evidence.firearms.access import (
    load_firearm,
    load_firearms_team,
    load_tracing,
    visible_ammunition,
    visible_firearms,
    visible_tracing,
)
from evidence.firearms.forms import AmmunitionForm, FirearmForm, IncomingForm, StatusForm
from evidence.firearms.matching import matches_for
from evidence.firearms.models import (
    Ammunition,
    Condition,
    Direction,
    Firearm,
    FirearmType,
    TracingRequest,
)
from evidence.models import ItemType
from jit import gates, signals, submissions
from jit.extensions import db
from jit.inputs import query_text
from jit.permissions import Permission
from jit.teams.access import TeamAccess, teams_of
from jit.teams.reference import is_country_code

bp = Blueprint("firearms", __name__)
ID = "int(max=2147483647)"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.time_zone or "UTC")


def _may_write(access: TeamAccess, permission: Permission = Permission.ADD_EVIDENCE) -> bool:
    return access.can(permission) and bool(gates.may(access.team, "add_evidence"))


def _page_number() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), 100_000)


# ---------------------------------------------------------------------------
# Register, CSV and chart


def _filters() -> register.Filters:
    args = request.args

    def pick(name: str, allowed) -> str:
        value = (args.get(name) or "")[:60]
        return value if value in allowed else ""

    country = (args.get("country") or "").upper()[:2]
    return register.Filters(
        make=query_text("make", 100),
        firearm_type=pick("type", {t.value for t in FirearmType}),
        calibre=query_text("calibre", 60),
        country=country if is_country_code(country) else "",
        condition=pick("condition", {c.value for c in Condition}),
        traced=pick("traced", {"yes", "no"}),
        matched=pick("matched", {"yes", "no"}),
        sort=pick("sort", set(register.SORTS)) or "exhibit",
        descending=args.get("order") == "desc",
    )


@bp.get("/t/<code>/firearms/")
@login_required
def index(code: str):
    access = load_firearms_team(code)
    filters = _filters()
    result = register.list_firearms(access, filters, _page_number())
    query = {k: v for k, v in request.args.items() if k not in ("page",) and v}
    calibres = sorted(
        set(db.session.scalars(visible_firearms(access).with_only_columns(Firearm.calibre)))
    )
    return render_template(
        "firearms/index.html",
        access=access,
        filters=filters,
        result=result,
        query=query,
        calibres=calibres,
        types=list(FirearmType),
        conditions=list(Condition),
    )


@bp.get("/t/<code>/firearms/register.csv")
@login_required
def export(code: str):
    access = load_firearms_team(code)
    result = register.list_firearms(access, _filters(), 1)
    return Response(
        register.export_csv(result),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="firearms-{access.team.code}.csv"'},
    )


@bp.get("/t/<code>/firearms/chart")
@login_required
def seizures(code: str):
    access = load_firearms_team(code)
    months, countries = register.seizure_counts(access, _zone())
    from jit.teams.reference import country_name

    country_rows = [(country_name(c) if c else "Unknown", n) for c, n in countries]
    return render_template(
        "firearms/chart.html",
        access=access,
        months=months,
        countries=country_rows,
        month_chart=chart.bar_chart("by-month", "Weapons seized per month", months),
        country_chart=chart.bar_chart(
            "by-country", "Weapons seized by country of manufacture", country_rows
        ),
    )


# ---------------------------------------------------------------------------
# An item's firearms and ammunition


@bp.get("/t/<code>/evidence/<exhibit>/firearms")
@login_required
def item_records(code: str, exhibit: str):
    access = load_firearms_team(code)
    item = load_item(access, exhibit[:40])
    firearms = db.session.scalars(
        visible_firearms(access)
        .where(Firearm.item_id == item.id)
        .options(selectinload(Firearm.serials))
        .order_by(Firearm.position)
    ).all()
    ammunition = db.session.scalars(
        visible_ammunition(access).where(Ammunition.item_id == item.id).order_by(Ammunition.id)
    ).all()
    return render_template(
        "firearms/item.html",
        access=access,
        item=item,
        firearms=firearms,
        ammunition=ammunition,
        matches=matches_for(access.user, list(firearms)),
        is_firearm_item=item.item_type == ItemType.FIREARM.value,
        may_write=_may_write(access),
        gate=gates.may(access.team, "add_evidence"),
    )


def _firearm_form(item, formdata=None) -> FirearmForm:
    form = FirearmForm(formdata=formdata) if formdata is not None else FirearmForm()
    form.photos.choices = [
        SelectChoice(str(stored.id), stored.original_filename) for stored in item.files
    ]
    return form


def _with_errors(form, refused: services.FirearmsError) -> None:
    for name, messages in refused.field_errors.items():
        target = name if name in form else None
        if target is None and name.startswith("serial_"):
            target = "serial_" + name.removeprefix("serial_").split("-")[0]
        if target in form:
            form[target].errors = list(form[target].errors) + messages


def _claim(form, purpose: str):
    """Claim the form's one-time token before the first write (see jit.submissions)."""
    return submissions.claim(form.submission_token.data, user=current_user, purpose=purpose)


def _create(form, purpose: str, create, url_of, message_of):
    """Run one creating post: claim its token, create, commit; (redirect, error, status).

    The redirect is None when the form is shown again with ``error`` (status 400).
    """
    try:
        claimed = _claim(form, purpose)
        record = create()
    except submissions.AlreadySubmitted as repeat:
        return submissions.answer_repeat(repeat), None, 303
    except services.FirearmsError as refused:
        db.session.rollback()
        _with_errors(form, refused)
        return None, str(refused), 400
    url = url_of(record)
    submissions.done(claimed, url)
    db.session.commit()
    flash(message_of(record), "success")
    return redirect(url), None, 303


def _refuse_writes(access: TeamAccess) -> None:
    if not access.can(Permission.ADD_EVIDENCE):
        abort(403)


@bp.route("/t/<code>/evidence/<exhibit>/firearms/new", methods=["GET", "POST"])
@login_required
def new_firearm(code: str, exhibit: str):
    access = load_firearms_team(code)
    _refuse_writes(access)
    item = load_item(access, exhibit[:40])
    form = _firearm_form(item)
    error, status = None, 200
    if form.validate_on_submit():
        done, error, status = _create(
            form,
            "firearms.firearm",
            lambda: services.add_firearm(access, item, form.to_input()),
            lambda firearm: url_for("firearms.firearm", code=code, firearm_id=firearm.id),
            lambda firearm: f"Firearm {firearm.label} recorded.",
        )
        if done is not None:
            return done
    elif form.is_submitted():
        status = 400
    return render_template(
        "firearms/firearm_form.html",
        access=access,
        item=item,
        form=form,
        error=error,
        gate=gates.may(access.team, "add_evidence"),
    ), status


@bp.route(f"/t/<code>/firearms/<{ID}:firearm_id>/edit", methods=["GET", "POST"])
@login_required
def edit_firearm(code: str, firearm_id: int):
    access = load_firearms_team(code)
    _refuse_writes(access)
    firearm = load_firearm(access, firearm_id)
    form = _firearm_form(firearm.item)
    if request.method == "GET":
        form.fill_from(firearm)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            services.update_firearm(access, firearm, form.to_input())
        except services.FirearmsError as refused:
            db.session.rollback()
            firearm = load_firearm(access, firearm_id)
            _with_errors(form, refused)
            error, status = str(refused), 400
        else:
            db.session.commit()
            flash(f"Firearm {firearm.label} corrected.", "success")
            return redirect(url_for("firearms.firearm", code=code, firearm_id=firearm.id))
    elif form.is_submitted():
        status = 400
    return render_template(
        "firearms/firearm_form.html",
        access=access,
        item=firearm.item,
        firearm=firearm,
        form=form,
        error=error,
        gate=gates.may(access.team, "add_evidence"),
    ), status


@bp.route("/t/<code>/evidence/<exhibit>/ammunition/new", methods=["GET", "POST"])
@login_required
def new_ammunition(code: str, exhibit: str):
    access = load_firearms_team(code)
    _refuse_writes(access)
    item = load_item(access, exhibit[:40])
    form = AmmunitionForm()
    error, status = None, 200
    if form.validate_on_submit():
        done, error, status = _create(
            form,
            "firearms.ammunition",
            lambda: services.add_ammunition(access, item, form.to_input()),
            lambda _record: url_for(
                "firearms.item_records", code=code, exhibit=item.exhibit_number
            ),
            lambda _record: "Ammunition recorded.",
        )
        if done is not None:
            return done
    elif form.is_submitted():
        status = 400
    return render_template(
        "firearms/ammunition_form.html", access=access, item=item, form=form, error=error
    ), status


@bp.get(f"/t/<code>/firearms/<{ID}:firearm_id>")
@login_required
def firearm(code: str, firearm_id: int):
    access = load_firearms_team(code)
    record = load_firearm(access, firearm_id)
    requests = db.session.scalars(
        visible_tracing(access)
        .where(TracingRequest.firearm_id == record.id)
        .options(selectinload(TracingRequest.bundle))
        .order_by(TracingRequest.received_on, TracingRequest.id)
    ).all()
    return render_template(
        "firearms/firearm.html",
        access=access,
        firearm=record,
        item=record.item,
        # The offences the team investigates, as its agreement in force names them.
        offences=(signals.first_value(signals.agreement_facts, access.team) or {}).get(
            "offences", ""
        ),
        matches=matches_for(access.user, [record]).get(record.id, []),
        tracing_requests=requests,
        prefill=tracing.outgoing_prefill(record),
        today=services.local_today(current_user.time_zone),
        may_write=_may_write(access),
        may_draft=access.can(Permission.DRAFT_BUNDLE)
        and bool(gates.may(access.team, "draft_bundle")),
        submission_token=submissions.new_token(),
    )


@bp.post(f"/t/<code>/firearms/<{ID}:firearm_id>/request-tracing")
@login_required
def request_tracing(code: str, firearm_id: int):
    access = load_firearms_team(code)
    record = load_firearm(access, firearm_id)
    try:
        # A double click drafts one request, not two.
        claimed = submissions.claim(
            request.form.get("submission_token"), user=current_user, purpose="firearms.tracing"
        )
        bundle = outgoing.draft_tracing_request(access, record)
    except submissions.AlreadySubmitted as repeat:
        return submissions.answer_repeat(repeat)
    except BundleError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("firearms.firearm", code=code, firearm_id=record.id)), 303
    url = url_for("bundles.edit", code=code, number=bundle.number)
    submissions.done(claimed, url)
    db.session.commit()
    flash(
        f"{bundle.label} drafted from {record.label}: check the values and complete it.", "success"
    )
    return redirect(url), 303


# ---------------------------------------------------------------------------
# Tracing requests


@bp.get("/t/<code>/tracing/")
@login_required
def tracing_index(code: str):
    access = load_firearms_team(code)
    direction = request.args.get("direction", "")
    query = visible_tracing(access)
    if direction in {d.value for d in Direction}:
        query = query.where(TracingRequest.direction == direction)
    else:
        direction = ""
    rows = db.session.scalars(
        query.options(
            selectinload(TracingRequest.bundle),
            selectinload(TracingRequest.firearm).joinedload(Firearm.item),
            selectinload(TracingRequest.party),
        ).order_by(TracingRequest.received_on.desc(), TracingRequest.id.desc())
    ).all()
    return render_template(
        "firearms/tracing_index.html",
        access=access,
        rows=rows,
        direction=direction,
        today=services.local_today(current_user.time_zone),
        may_record=_may_write(access, Permission.RECORD_TRACING),
    )


def _incoming_form(access: TeamAccess) -> IncomingForm:
    form = IncomingForm()
    form.linked_team_code.choices = [SelectChoice("", "None")] + [
        SelectChoice(other.team.code, f"{other.team.code} — {other.team.name}")
        for other in teams_of(access.user)
    ]
    firearms = db.session.scalars(visible_firearms(access).order_by(Firearm.id).limit(500)).all()
    form.firearm_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(f.id), f"{f.label} — {f.description}") for f in firearms
    ]
    return form


@bp.route("/t/<code>/tracing/new", methods=["GET", "POST"])
@login_required
def tracing_new(code: str):
    access = load_firearms_team(code)
    access.require(Permission.RECORD_TRACING)
    form = _incoming_form(access)
    if request.method == "GET" and form.received_on.data is None:
        form.received_on.data = services.local_today(current_user.time_zone)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            claimed = _claim(form, "firearms.tracing")
            recorded = tracing.record_incoming(access, form.to_input())
        except submissions.AlreadySubmitted as repeat:
            return submissions.answer_repeat(repeat)
        except services.FirearmsError as refused:
            db.session.rollback()
            _with_errors(form, refused)
            error, status = str(refused), 400
        else:
            url = url_for("firearms.tracing_request", code=code, request_id=recorded.id)
            submissions.done(claimed, url)
            db.session.commit()
            flash(
                f"Crime notice {recorded.number} recorded; answer due {recorded.due_on:%d %B %Y}.",
                "success",
            )
            return redirect(url)
    elif form.is_submitted():
        status = 400
    return render_template(
        "firearms/tracing_new.html",
        access=access,
        form=form,
        error=error,
        answer_days=services.answer_days(),
        gate=gates.may(access.team, "add_evidence"),
    ), status


def _request_page(access, record, form=None, error=None, status=200):
    next_status = None  # an outgoing request follows its bundle's tracking
    if not record.is_outgoing:
        next_status = tracing.NEXT_STATUS.get(tracing.S(record.status))
    # The firearm it concerns, if the reader may open its item; else only that one exists.
    firearm = None
    if record.firearm_id is not None:
        firearm = db.session.scalar(visible_firearms(access).where(Firearm.id == record.firearm_id))
    linked = None
    if record.linked_team_id:
        linked = next(
            (a.team for a in teams_of(access.user) if a.team.id == record.linked_team_id), None
        )
    return render_template(
        "firearms/tracing_request.html",
        access=access,
        record=record,
        next_status=next_status,
        form=form or StatusForm(),
        error=error,
        linked_team=linked,
        firearm=firearm,
        answer=tracing.shown_answer(access, record),
        today=services.local_today(current_user.time_zone),
        may_record=_may_write(access, Permission.RECORD_TRACING)
        and tracing.may_advance(access, record),
    ), status


@bp.get(f"/t/<code>/tracing/<{ID}:request_id>")
@login_required
def tracing_request(code: str, request_id: int):
    access = load_firearms_team(code)
    return _request_page(access, load_tracing(access, request_id))


@bp.post(f"/t/<code>/tracing/<{ID}:request_id>/status")
@login_required
def tracing_status(code: str, request_id: int):
    access = load_firearms_team(code)
    access.require(Permission.RECORD_TRACING)
    record = load_tracing(access, request_id)
    if not tracing.may_advance(access, record):
        abort(403, tracing.only_its_party(record))
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        tracing.advance(access, record, form.status.data or "", form.answer.data or "")
    except services.FirearmsError as refused:
        db.session.rollback()
        return _request_page(access, load_tracing(access, request_id), form, str(refused), 400)
    db.session.commit()
    flash(f"{record.number} is now “{record.status_label}”.", "success")
    return redirect(url_for("firearms.tracing_request", code=code, request_id=record.id))
