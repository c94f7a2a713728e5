"""Signing an agreement's version, and bringing signed versions into force.

The first signature freezes the text; the last fixes the day the version takes effect,
and on that day the membership follows it (:mod:`agreements.membership`). Each function
writes its audit entry in the caller's transaction; the caller commits.
"""

from datetime import date
from zoneinfo import ZoneInfo

from agreements import content as agreement_content
from agreements import membership
from agreements.locks import lock_version
from agreements.models import AgreementSignature, AgreementVersion
from agreements.services import AgreementError, is_latest, party_key, signature_for
from agreements.status import EXPIRED, agreement_of, expiry_of, status_of, today
from jit.accounts import security
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission
from jit.teams.access import TeamAccess


def refusal_to_sign(access: TeamAccess, version: AgreementVersion) -> str | None:
    """Return why ``access`` may not sign ``version`` now, or None if they may."""
    if not access.can(Permission.SIGN_AGREEMENT):
        return "Only a party's leader signs the agreement, and only for their own party."
    if version.agreement.is_closed:
        return "The team is closed; nothing can be signed."
    if version.is_withdrawn:
        return (
            f"Version {version.number} was withdrawn on {version.withdrawn_at.date().isoformat()}; "
            "it is superseded and can no longer be signed."
        )
    if not is_latest(version):
        return (
            f"Version {version.number} is superseded by version "
            f"{version.agreement.versions[-1].number}; sign the current version instead."
        )
    if version.is_fully_signed:
        return f"Version {version.number} is already signed by every party."
    key = party_key(access.party)
    if key not in agreement_content.signatory_keys(version.content):
        return (
            f"{access.party.name} is not a party to version {version.number}; only its parties "
            "sign it."
        )
    existing = signature_for(version, access.party)
    if existing is not None:
        return (
            f"{access.party.name} already signed version {version.number} on "
            f"{existing.signed_on.isoformat()} ({existing.signatory_name}); a party signs once."
        )
    status = status_of(version.agreement, today(version.agreement))
    if status.code == EXPIRED and version.kind != "extension":
        return "The agreement has expired; only an extension can be signed now."
    missing = agreement_content.incomplete(version.content)
    if missing:
        return "The version cannot be signed yet; it still lacks " + ", ".join(missing) + "."
    if version.kind != "original" and version.content == version.based_on.content:
        return f"This {version.kind} does not change anything yet."
    expiry = expiry_of(version)
    if expiry < today(version.agreement):
        return (
            f"The expiry date {expiry.isoformat()} has already passed; correct the period "
            "before signing."
        )
    return None


def _reauthenticate(user, password: str, code: str) -> str:
    """Check the signer's password (and TOTP code if enrolled); return the method."""
    if not security.verify_password(user.password_hash, password or ""):
        raise AgreementError("Your password is not correct; the signature was not recorded.")
    if not user.has_mfa:
        return "password"
    step = security.matching_totp_step(user.totp_secret, code or "")
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise AgreementError(
            "The authentication code is not valid (use the current 6-digit code; each code "
            "works once). The signature was not recorded."
        )
    user.totp_last_step = step
    return "password+totp"


def sign(
    access: TeamAccess,
    version: AgreementVersion,
    *,
    password: str,
    code: str = "",
    function: str,
    place: str,
) -> AgreementSignature:
    """Record the signature of the signer's party after re-authenticating them.

    The first signature freezes the version's content and fixes its SHA-256; the last
    one fixes the day the version takes effect and, if that is today, brings it into
    force (the membership then follows it).
    """
    if version.agreement.team_id != access.team.id:
        raise LookupError(version.id)
    lock_version(version)
    refusal = refusal_to_sign(access, version)
    if refusal:
        raise AgreementError(refusal)
    if not function.strip() or not place.strip():
        raise AgreementError("Give your function and the place of signature.")
    user = access.user
    method = _reauthenticate(user, password, code)
    now = utcnow()
    if not version.is_frozen:
        version.frozen_at = now
        version.content_hash = agreement_content.content_hash(version.content)
    zone = user.time_zone or "UTC"
    signature = AgreementSignature(
        version=version,
        party=access.party,
        user_id=user.id,
        signatory_name=user.display_name,
        signatory_function=function.strip()[:200],
        place=place.strip()[:200],
        signed_on=now.astimezone(ZoneInfo(zone)).date(),
        signed_at=now,
        time_zone=zone,
        method=method,
        content_hash=version.content_hash,
    )
    db.session.add(signature)
    db.session.flush()
    audit.record(
        "agreement.signed",
        team=access.team,
        target=signature,
        new={
            "version": version.number,
            "party": access.party.short_label,
            "signatory": user.display_name,
            "function": signature.signatory_function,
            "place": signature.place,
            "method": method,
            "content_hash": version.content_hash,
        },
        actor=user,
    )
    _complete_if_all_signed(version, actor=user)
    return signature


def _complete_if_all_signed(version: AgreementVersion, *, actor) -> None:
    signed = {party_key(s.party) for s in version.signatures}
    if not set(agreement_content.signatory_keys(version.content)) <= signed:
        return
    now = utcnow()
    version.fully_signed_at = now
    # The day of the last signature where the agreement counts its days (Article 3).
    version.effective_from = _effective_from(version, today(version.agreement))
    audit.record(
        "agreement.signed_by_all",
        team=version.agreement.team,
        target=version,
        new={
            "version": version.number,
            "kind": version.kind,
            "content_hash": version.content_hash,
            "effective_from": version.effective_from.isoformat(),
        },
        actor=actor,
    )
    if version.effective_from <= today(version.agreement):
        membership.apply_version(version, actor=actor)


def _effective_from(version: AgreementVersion, signed_on: date) -> date:
    period = version.content["period"]
    wanted = None
    if version.kind == "original" and period["entry_into_force"] == "date":
        wanted = date.fromisoformat(period["starts_on"])
    elif version.kind != "original":
        wanted = version.takes_effect_on
    return max(wanted, signed_on) if wanted else signed_on


def apply_due(team, *, actor=None) -> int:
    """Bring into force every signed version whose day has come; return how many."""
    agreement = agreement_of(team)
    if agreement is None:
        return 0
    applied = 0
    for version in agreement.versions:
        if not (version.is_fully_signed and version.applied_at is None):
            continue
        lock_version(version)  # two requests on the day must not both apply it
        due = version.effective_from <= today(agreement)
        if version.applied_at is None and not version.is_withdrawn and due:
            membership.apply_version(version, actor=actor)
            applied += 1
    return applied


def record_refused_signature(access: TeamAccess, version: AgreementVersion, reason: str) -> None:
    """Keep a refused signature in the audit log; the caller commits it and nothing else."""
    audit.record(
        "agreement.signature_refused",
        team=access.team,
        target=version,
        new={"party": access.party.short_label, "reason": reason},
        actor=access.user,
    )
