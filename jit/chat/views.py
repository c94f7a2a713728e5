"""The chat page, adding a channel, and a message's record (earlier texts) for the coordinator."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from jit.chat import reading, services
from jit.chat.forms import ChannelForm
from jit.extensions import db
from jit.inputs import query_int
from jit.permissions import Permission, role_allows
from jit.teams import services as teams
from jit.teams.access import load_team

bp = Blueprint("chat", __name__)


def _page(access, form, error=None, status=200):
    channels = services.channels_of(access)
    selected = query_int("channel")
    if selected not in {c.id for c in channels}:
        selected = channels[0].id if channels else None
    return render_template(
        "chat/chat.html",
        access=access,
        channels=channels,
        selected=selected,
        form=form,
        error=error,
        may_manage_channels=services.may_manage_channels(access),
        read_only=services.read_only_reason(access),
        send_wait_seconds=current_app.config["CHAT_SEND_WAIT_SECONDS"],
        people=[
            membership
            for roster in teams.roster(access.team)
            for membership in roster.memberships
            if role_allows(membership.role, Permission.CHAT)
        ],
        handling_codes=services.HANDLING_CODES,
        handling_labels=services.HANDLING_LABELS,
        source_reliability=services.SOURCE_RELIABILITY,
        information_accuracy=services.INFORMATION_ACCURACY,
    ), status


@bp.get("/t/<code>/chat")
@login_required
def chat(code: str):
    access = load_team(code, Permission.CHAT)
    return _page(access, ChannelForm(formdata=None))


@bp.post("/t/<code>/chat/channels")
@login_required
def add_channel(code: str):
    access = load_team(code, Permission.CHAT)
    if not services.may_manage_channels(access):
        abort(403)
    form = ChannelForm()
    if not form.validate_on_submit():
        if form.topic.errors and not form.name.errors:  # a NUL in it, say
            return _page(access, form, form.topic.errors[0], 400)
        return _page(access, form, "Give the channel a name (at most 64 characters).", 400)
    try:
        channel = services.create_channel(access, name=form.name.data, topic=form.topic.data)
    except services.ChatError as refused:
        return _page(access, form, str(refused), 400)
    db.session.commit()
    flash(f"The channel #{channel.name} is open to the whole team.", "success")
    return redirect(url_for("chat.chat", code=access.team.code, channel=channel.id))


@bp.get("/t/<code>/chat/messages/<int:message_id>")
@login_required
def message_record(code: str, message_id: int):
    """Every text a message has carried, and its retraction: the coordinator's view."""
    access = load_team(code, Permission.CHAT)
    if not services.may_read_history(access):
        abort(403)
    try:
        message = services.message_for(access, message_id)
    except services.ChatError:
        abort(404)
    entries = reading.record_of(access, message)
    return render_template(
        "chat/message_record.html",
        access=access,
        message=message,
        entries=entries,
        handling_codes=services.HANDLING_CODES,
        source_reliability=services.SOURCE_RELIABILITY,
        information_accuracy=services.INFORMATION_ACCURACY,
        viewer=current_user,
    )
