"""Agreements: the JIT agreement as structured, versioned, signed data; evaluation.

See docs/agreements.md. ``init_app`` connects the agreement to the core's hooks
(jit/signals.py): it is the workspace's gate, names the version in force and says
whether participants read evidence. It also brings signed versions into force when
their day comes, and adds the ``jit agreements`` commands and template helpers.
"""

from flask import Flask

from jit import signals


def init_app(app: Flask) -> None:
    from agreements import cli, closeout, due, gate
    from agreements.documents import documents_in_force
    from agreements.record import openable_agreement
    from agreements.requests import agreement_facts
    from agreements.search_kinds import search_kinds

    signals.gate.connect(gate.decide)
    signals.agreement_version.connect(gate.version_label)
    signals.agreement_version_hashes.connect(gate.version_hashes)
    signals.participants_read_evidence.connect(gate.participants_read_evidence)
    app.before_request(due.bring_due_versions_into_force)
    signals.search_kinds.connect(search_kinds)
    signals.agreement_facts.connect(agreement_facts)  # legal requests pre-fill from it
    signals.agreement_documents.connect(documents_in_force)  # and carry it in packages
    app.jinja_env.globals["agreement_status"] = _status_for_template
    app.jinja_env.globals["agreement_legal_bases"] = _legal_bases
    _text_helpers(app)
    app.cli.add_command(cli.agreements_command)
    signals.record_visibility.connect(openable_agreement)
    signals.team_ended.connect(closeout.team_ended)
    signals.closeout_payload.connect(closeout.closeout_payload)
    signals.retention_period.connect(closeout.retention_period)  # Article 14.1's years
    signals.dashboard_notices.connect(evaluation_notices)


def evaluation_notices(user):
    """Return an overdue mid-term evaluation of each team ``user`` helps to evaluate."""
    from flask import url_for

    from agreements.evaluations import mid_term_overdue
    from jit.permissions import Permission
    from jit.signals import Notice
    from jit.teams.access import teams_of

    notices = []
    for access in teams_of(user):
        if not access.can(Permission.CONTRIBUTE_EVALUATION):
            continue
        due = mid_term_overdue(access.team)
        if due is not None:
            notices.append(
                Notice(
                    access.team.code,
                    f"Mid-term evaluation: due by {due.isoformat()} under the agreement, "
                    "not finalised",
                    url_for("agreements.evaluation_overview", code=access.team.code),
                    is_overdue=True,
                )
            )
    return notices


def _status_for_template(team):
    from agreements.status import team_status

    return team_status(team)


def _legal_bases() -> dict:
    from agreements.content import LEGAL_BASES

    return LEGAL_BASES


def _text_helpers(app: Flask) -> None:
    """Give the agreement's templates its article list, derived facts and fixed text."""
    from agreements import content_text
    from agreements.articles import articles_of

    app.jinja_env.globals["agreement_articles"] = articles_of
    app.jinja_env.filters["upper_first"] = content_text.upper_first
    app.jinja_env.globals["agreement_seconded_text"] = content_text.seconded_text
    app.jinja_env.globals["agreement_retention_text"] = content_text.retention_text
    app.jinja_env.globals["agreement_fixed"] = {
        "information_uses": content_text.INFORMATION_USES,
        "amendment": content_text.AMENDMENT_TEXT,
    }
