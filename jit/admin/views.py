"""The platform administrator's pages: accounts, team spaces, the platform audit log.

A platform administrator sees team names and codes here, never a team's content:
that needs a membership like anyone else.
"""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from jit.accounts import resets
from jit.accounts import services as accounts
from jit.accounts.models import User
from jit.admin.forms import TeamCreateForm, UserCreateForm
from jit.audit import reading
from jit.audit import services as audit
from jit.audit.log_pages import filtered_page
from jit.audit.models import PLATFORM_CHAIN
from jit.extensions import db
from jit.teams import services as teams
from jit.teams.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def platform_admin_required(view):
    """Let only platform administrators in; everyone else gets 404."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_platform_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/")
@platform_admin_required
def index():
    return redirect(url_for("admin.users"))


SEARCH_MAX = 120


def _contains(text: str) -> str:
    """Return a LIKE pattern for ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _users_page(form, error=None, status=200):
    # PostgreSQL refuses a NUL in text: drop it rather than answer 500.
    query = (request.args.get("q") or "").replace("\x00", "").strip()[:SEARCH_MAX]
    statement = select(User).order_by(User.display_name)
    if query:
        pattern = _contains(query.lower())
        statement = statement.where(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    return render_template(
        "admin/users.html",
        form=form,
        users=db.session.scalars(statement).all(),
        query=query,
        confirm_form=ConfirmForm(),
        error=error,
    ), status


@bp.route("/users", methods=["GET", "POST"])
@platform_admin_required
def users():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                form.display_name.data,
                form.password.data,
                is_platform_admin=form.is_platform_admin.data,
                time_zone=form.time_zone.data,
                actor=current_user,
            )
        except accounts.AccountError as refused:
            db.session.rollback()
            return _users_page(form, str(refused), 400)
        db.session.commit()
        flash(f"Account {user.email} created.", "success")
        return redirect(url_for("admin.users"))
    return _users_page(form, status=400 if form.is_submitted() else 200)


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
@platform_admin_required
def set_user_state(user_id: int, action: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    try:
        accounts.set_disabled(user, action == "disable", actor=current_user)
    except accounts.AccountError as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    verb = "disabled; their sessions have ended" if action == "disable" else "enabled"
    flash(f"Account {user.email} {verb}.", "success")
    return redirect(url_for("admin.users"))


def _other_user(user_id: int) -> User:
    """Return the account a reset is for, after the CSRF check; 400/404 otherwise."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return db.session.get(User, user_id) or abort(404)


@bp.post("/users/<int:user_id>/reset-password")
@platform_admin_required
def reset_password(user_id: int):
    user = _other_user(user_id)
    try:
        password = resets.reset_password(user, actor=current_user)
    except accounts.AccountError as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    # Shown on this page once, never flashed: the session cookie is signed, not secret.
    return render_template("admin/password_reset.html", user=user, password=password)


@bp.post("/users/<int:user_id>/reset-second-factor")
@platform_admin_required
def reset_second_factor(user_id: int):
    user = _other_user(user_id)
    try:
        resets.reset_second_factor(user, actor=current_user)
    except accounts.AccountError as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(
        f"Second factor of {user.display_name} ({user.email}) removed and their sessions ended. "
        "Tell them, by a channel you trust, to sign in with their password and set up "
        "their authenticator app again under Account → Second factor.",
        "success",
    )
    return redirect(url_for("admin.users"))


def _teams_page(form, error=None, status=200):
    return render_template(
        "admin/teams.html", form=form, teams=teams.all_teams(), error=error
    ), status


def _party_specs(form: TeamCreateForm) -> tuple[list[teams.PartySpec], int]:
    """Turn the filled party rows into specs; return them and the coordinator's index."""
    specs, coordinator_index = [], -1
    for row_index, row in enumerate(form.parties.entries):
        choice = (row.party.data or "").strip()
        authority = (row.authority.data or "").strip()
        if not choice:
            if authority:
                raise teams.TeamError(f"Party row {row_index + 1} names an authority but no party.")
            continue
        kind, _, key = choice.partition(":")
        if kind == "state":
            specs.append(teams.PartySpec(authority=authority, country_code=key))
        elif kind == "body":
            specs.append(teams.PartySpec(authority=authority, body=key))
        else:
            raise teams.TeamError(f"Party row {row_index + 1}: unknown choice {choice!r}.")
        if row_index == form.coordinator_party.data:
            coordinator_index = len(specs) - 1
    return specs, coordinator_index


@bp.route("/teams", methods=["GET", "POST"])
@platform_admin_required
def team_spaces():
    form = TeamCreateForm()
    if form.validate_on_submit():
        try:
            specs, coordinator_index = _party_specs(form)
            coordinator = accounts.find_user_by_email(form.coordinator_email.data)
            if coordinator is None:
                raise teams.TeamError("No account uses the coordinator's e-mail address.")
            if coordinator_index < 0:
                raise teams.TeamError("The coordinator's party row is empty.")
            team = teams.create_team(
                name=form.name.data,
                code=form.code.data,
                description=form.description.data,
                parties=specs,
                coordinator=coordinator,
                coordinator_party_index=coordinator_index,
                actor=current_user,
            )
        except teams.TeamError as refused:
            db.session.rollback()
            return _teams_page(form, str(refused), 400)
        db.session.commit()
        flash(f"Team {team.code} created; {coordinator.display_name} coordinates it.", "success")
        return redirect(url_for("admin.team_spaces"))
    return _teams_page(form, status=400 if form.is_submitted() else 200)


@bp.get("/audit")
@platform_admin_required
def platform_log():
    context, status, entries = filtered_page(PLATFORM_CHAIN)
    return render_template(
        "admin/audit.html",
        entries=reading.present_whole(entries),
        confirm_form=ConfirmForm(),
        **context,
    ), status


@bp.post("/audit/verify")
@platform_admin_required
def verify_platform_log():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reports = audit.verify_and_record(audit.all_chains())
    db.session.commit()
    broken = [report for report in reports if not report.is_intact]
    if broken:
        for report in broken:
            flash(report.describe(), "error")
    else:
        flash(f"All {len(reports)} audit chains are intact.", "success")
    return redirect(url_for("admin.platform_log"))
