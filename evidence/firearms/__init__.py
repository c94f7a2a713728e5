"""Firearms: weapons, parts and ammunition recorded on evidence items, cross-case serial
matching, and firearms tracing requests (an incoming one is a crime notice).

:func:`init_app` puts overdue tracing answers on the dashboard of the receiving party's
leaders, through :data:`jit.signals.dashboard_notices`, and moves an outgoing tracing
request along when its request bundle's tracking records a step
(:data:`jit.signals.bundle_status_changed`). A party's close-out archive takes the
tracing requests it received or sent (``closeout.py``).
"""

from flask import Flask


def dashboard_notices(user):
    """Return the overdue incoming tracing requests of the parties ``user`` leads."""
    from flask import url_for

    from evidence.firearms.tracing import describe_counterpart, overdue_for
    from jit.signals import Notice

    return [
        Notice(
            access.team.code,
            f"Tracing request {request.number} from {describe_counterpart(request)}: "
            f"answer was due {request.due_on:%d %B %Y}",
            url_for("firearms.tracing_request", code=access.team.code, request_id=request.id),
            is_overdue=True,
        )
        for access, request in overdue_for(user)
    ]


def bundle_status_changed(bundle, *, access, change):
    """Let the outgoing tracing request drafted as ``bundle`` follow its tracking."""
    from evidence.firearms.outgoing import follow_bundle

    follow_bundle(bundle, access=access, change=change)


def init_app(app: Flask) -> None:
    from evidence.firearms import closeout
    from evidence.firearms.search_kinds import search_kinds
    from jit import signals

    signals.dashboard_notices.connect(dashboard_notices)
    signals.bundle_status_changed.connect(bundle_status_changed)
    signals.search_kinds.connect(search_kinds)
    signals.closeout_payload.connect(closeout.closeout_payload)  # the party's tracing requests
