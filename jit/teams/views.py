"""The dashboard, a team's overview page and membership management."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from jit import signals, submissions
from jit.audit import reading
from jit.extensions import db
from jit.permissions import Permission, can_manage_memberships
from jit.teams import services
from jit.teams.access import TeamAccess, load_team, teams_of
from jit.teams.forms import ConfirmForm, MembershipChangeForm, MembershipForm

bp = Blueprint("teams", __name__)


@bp.get("/")
@login_required
def dashboard():
    user = current_user._get_current_object()
    notices = signals.values(signals.dashboard_notices, user)
    memberships = teams_of(user)
    if user.is_platform_admin and not memberships and not notices:
        # An administrator in no team has nothing here: their work is on the admin pages.
        return redirect(url_for("admin.users"))
    return render_template("teams/dashboard.html", memberships=memberships, notices=notices)


@bp.get("/t/<code>/")
@login_required
def overview(code: str):
    access = load_team(code)
    can_see_members = access.can(Permission.VIEW_MEMBERS)
    return render_template(
        "teams/overview.html",
        access=access,
        rosters=services.roster(access.team) if can_see_members else [],
        activity=reading.recent_activity(access) if access.can(Permission.VIEW_DASHBOARD) else [],
    )


def _require_membership_manager(code: str) -> TeamAccess:
    access = load_team(code)
    if not can_manage_memberships(access.role):
        abort(403)
    return access


def _fill_choices(form, access: TeamAccess) -> None:
    form.party_id.choices = [
        SelectChoice(
            party.id, party.name if not party.is_state else f"{party.name} ({party.short_label})"
        )
        for party in services.manageable_parties(access)
    ]
    form.role.choices = [
        SelectChoice(role.value, role.label) for role in services.assignable_roles(access)
    ]


def _members_page(access: TeamAccess, form: MembershipForm, error: str | None = None, status=200):
    change_forms = {}
    for party_roster in services.roster(access.team):
        for membership in party_roster.memberships:
            if services.may_change(access, membership):
                change_form = MembershipChangeForm(
                    prefix=f"m{membership.id}", party_id=membership.party_id, role=membership.role
                )
                _fill_choices(change_form, access)
                change_forms[membership.id] = change_form
    return render_template(
        "teams/members.html",
        access=access,
        form=form,
        change_forms=change_forms,
        removable={
            membership.id
            for party_roster in services.roster(access.team)
            for membership in party_roster.memberships
            if services.may_remove(access, membership)
        },
        confirm_form=ConfirmForm(),
        rosters=services.roster(access.team),
        error=error,
    ), status


@bp.route("/t/<code>/members", methods=["GET", "POST"])
@login_required
def members(code: str):
    access = _require_membership_manager(code)
    form = MembershipForm()
    _fill_choices(form, access)
    if form.validate_on_submit():
        try:
            claimed = submissions.claim(
                form.submission_token.data, user=current_user, purpose="teams.membership"
            )
            membership = services.add_member(
                access, email=form.email.data, party_id=form.party_id.data, role=form.role.data
            )
        except submissions.AlreadySubmitted as repeat:
            return submissions.answer_repeat(repeat)
        except services.TeamError as refused:
            return _members_page(access, form, str(refused), 400)
        submissions.done(claimed, url_for("teams.members", code=access.team.code))
        db.session.commit()
        flash(f"{membership.user.display_name} joined the team as {membership.role}.", "success")
        return redirect(url_for("teams.members", code=access.team.code))
    status = 400 if form.is_submitted() else 200
    return _members_page(access, form, status=status)


@bp.post("/t/<code>/members/<int:membership_id>")
@login_required
def change_member(code: str, membership_id: int):
    access = _require_membership_manager(code)
    form = MembershipChangeForm(prefix=f"m{membership_id}")
    _fill_choices(form, access)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_member(
            access, membership_id, party_id=form.party_id.data, role=form.role.data
        )
    except LookupError:
        abort(404)
    except services.TeamError as refused:
        return _members_page(access, _blank_add_form(access), str(refused), 400)
    db.session.commit()
    flash("The membership is updated.", "success")
    return redirect(url_for("teams.members", code=access.team.code))


@bp.post("/t/<code>/members/<int:membership_id>/remove")
@login_required
def remove_member(code: str, membership_id: int):
    access = _require_membership_manager(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_member(access, membership_id)
    except LookupError:
        abort(404)
    except services.TeamError as refused:
        return _members_page(access, _blank_add_form(access), str(refused), 400)
    db.session.commit()
    flash("The membership is removed; the person lost access immediately.", "success")
    return redirect(url_for("teams.members", code=access.team.code))


def _blank_add_form(access: TeamAccess) -> MembershipForm:
    form = MembershipForm(formdata=None)
    _fill_choices(form, access)
    return form
