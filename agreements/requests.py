"""What the agreement in force tells a legal request (the ``agreement_facts`` hook)."""

from agreements import status as agreement_status
from agreements.gate import version_label


def agreement_facts(team) -> dict | None:
    """Return the reference, version, purpose and offences of the agreement in force."""
    version = agreement_status.version_in_force(team)
    if version is None:
        return None
    content = version.content
    purpose = content.get("purpose") or {}
    return {
        "reference": content.get("reference", ""),
        "version": version_label(team),
        "purpose": purpose.get("text", ""),
        "offences": purpose.get("offences", ""),
        "proceedings": purpose.get("proceedings", ""),
    }
