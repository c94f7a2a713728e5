"""Exporting an agreement's version as the JSON document it travels as, with its record."""

from agreements.models import AgreementVersion
from agreements.services import current_hash, party_key
from jit.audit import services as audit
from jit.teams.access import TeamAccess

EXPORT_FORMAT = "jit-agreement-export/1"


def export_data(version: AgreementVersion) -> dict:
    """Return the version as the JSON document it is exported as."""
    team = version.agreement.team
    return {
        "format": EXPORT_FORMAT,
        "team": {"code": team.code, "name": team.name},
        "parties": [
            {"party": party_key(p), "name": p.name, "authority": p.authority} for p in team.parties
        ],
        "version": {
            "number": version.number,
            "kind": version.kind,
            "change_summary": version.change_summary,
            "based_on": version.based_on.number if version.based_on else None,
            "takes_effect_on": version.takes_effect_on.isoformat()
            if version.takes_effect_on
            else None,
            "content_hash": current_hash(version),
            "is_frozen": version.is_frozen,
            "frozen_at": _iso(version.frozen_at),
            "fully_signed_at": _iso(version.fully_signed_at),
            "effective_from": version.effective_from.isoformat()
            if version.effective_from
            else None,
            "withdrawn_at": _iso(version.withdrawn_at),
        },
        "content": version.content,
        "signatures": [
            {
                "party": party_key(s.party),
                "signatory": s.signatory_name,
                "function": s.signatory_function,
                "place": s.place,
                "signed_on": s.signed_on.isoformat(),
                "signed_at": _iso(s.signed_at),
                "time_zone": s.time_zone,
                "method": s.method,
                "content_hash": s.content_hash,
            }
            for s in version.signatures
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def record_export(access: TeamAccess, version: AgreementVersion, fmt: str) -> None:
    """Write the audit entry for a download of ``version`` in ``fmt`` (the caller commits)."""
    audit.record(
        "agreement.exported",
        team=access.team,
        target=version,
        new={"version": version.number, "format": fmt, "content_hash": current_hash(version)},
        actor=access.user,
    )
