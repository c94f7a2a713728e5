"""What the agreement tells the core about a team's end, and its share of a close-out archive."""

import json

from agreements import status as agreement_status
from agreements.articles import articles_of
from jit.bags import Payload


def team_ended(team) -> dict | None:
    """Answer :data:`jit.signals.team_ended`: the day the team ended, and its closing."""
    status = agreement_status.team_status(team)
    if status.code == agreement_status.CLOSED:
        closed_at = status.agreement.closed_at
        return {"ended_on": closed_at.date(), "closed_at": closed_at}
    if status.code == agreement_status.EXPIRED:
        return {"ended_on": status.expires_on, "closed_at": None}
    return None


def retention_period(team) -> dict | None:
    """Answer :data:`jit.signals.retention_period`: the years the agreement keeps the data.

    From the version in force when the team ended (an amendment signed before the end
    counts; nothing signed after it does), or the one in force now while the team runs.
    """
    end = team_ended(team)
    version = agreement_status.team_status(team, end["ended_on"] if end else None).governing
    years = version.content.get("retention_years") if version is not None else None
    if not years:
        return None
    article = next(a for a in articles_of(version.content) if a.key == "confidentiality")
    return {
        "years": years,
        "source": f"Article {article.number} of the agreement (version {version.number})",
    }


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: every version of the agreement, as JSON."""
    agreement = agreement_status.agreement_of(access.team)
    if agreement is None:
        return []
    files = []
    for version in agreement.versions:
        record = {
            "number": version.number,
            "kind": version.kind,
            "change_summary": version.change_summary,
            "content": version.content,
            "content_hash": version.content_hash,
            "fully_signed_at": _iso(version.fully_signed_at),
            "effective_from": _iso(version.effective_from),
            "withdrawn_at": _iso(version.withdrawn_at),
            "withdrawal_reason": version.withdrawal_reason,
            "signatures": [
                {
                    "party": signature.party.short_label,
                    "signatory": signature.signatory_name,
                    "function": signature.signatory_function,
                    "place": signature.place,
                    "signed_on": _iso(signature.signed_on),
                    "signed_at": _iso(signature.signed_at),
                    "content_hash": signature.content_hash,
                }
                for signature in version.signatures
            ],
        }
        body = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        files.append(Payload(f"agreement/version-{version.number}.json", body.encode("utf-8")))
    if agreement.is_closed:
        closing = {"closed_at": _iso(agreement.closed_at), "note": agreement.closing_note}
        body = json.dumps(closing, ensure_ascii=False, indent=2) + "\n"
        files.append(Payload("agreement/closing.json", body.encode("utf-8")))
    return files


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
