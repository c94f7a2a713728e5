"""An agreement version as the files that travel: its PDF and its JSON export.

The agreement's download pages and the ``agreement_documents`` hook (a legal request's
package holds the version in force) render them here, so both carry the same text.
"""

import json

from agreements import content as agreement_content
from agreements import content_text, exports, services
from agreements.models import AgreementVersion
from agreements.status import team_status, version_in_force
from jit.pdf import render_pdf


def version_pdf(version: AgreementVersion) -> bytes:
    """Render ``version`` of its team's agreement as PDF bytes."""
    team = version.agreement.team
    names = services.party_names(team)
    return render_pdf(
        "agreements/pdf/agreement.html",
        team=team,
        shown=version,
        status=team_status(team),
        names=names,
        parties={services.party_key(p): p for p in team.parties},
        lines=content_text.article_lines(version.content, names),
        version_hash=services.current_hash(version),
        legal_bases=agreement_content.LEGAL_BASES,
        history=[v for v in version.agreement.versions if v.number <= version.number],
        purposes=services.purpose_history(version),
    )


def version_json(version: AgreementVersion) -> bytes:
    """Return ``version`` as the JSON document it is exported as (UTF-8)."""
    return json.dumps(
        exports.export_data(version), ensure_ascii=False, indent=2, sort_keys=True
    ).encode("utf-8")


def documents_in_force(team) -> dict | None:
    """Return the version in force as ``{"version", "pdf", "json"}``, or None if none is."""
    version = version_in_force(team)
    if version is None:
        return None
    return {"version": version.number, "pdf": version_pdf(version), "json": version_json(version)}
