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
    from agreements.record import openable_agreement
    from agreements.requests import agreement_facts
    from agreements.search_kinds import search_kinds

    signals.gate.connect(gate.decide)
    signals.agreement_version.connect(gate.version_label)
    signals.participants_read_evidence.connect(gate.participants_read_evidence)
    app.before_request(due.bring_due_versions_into_force)
    signals.search_kinds.connect(search_kinds)
    signals.agreement_facts.connect(agreement_facts)  # legal requests pre-fill from it
    app.jinja_env.globals["agreement_status"] = _status_for_template
    app.jinja_env.globals["agreement_legal_bases"] = _legal_bases
    app.cli.add_command(cli.agreements_command)
    signals.record_visibility.connect(openable_agreement)
    signals.team_ended.connect(closeout.team_ended)
    signals.closeout_payload.connect(closeout.closeout_payload)


def _status_for_template(team):
    from agreements.status import team_status

    return team_status(team)


def _legal_bases() -> dict:
    from agreements.content import LEGAL_BASES

    return LEGAL_BASES
