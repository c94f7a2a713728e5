"""Every write to agreements: drafts, amendments, extensions, signatures, closing.

Each function checks the person's standing, changes the record and writes its audit
entry in the caller's transaction; the caller commits. A refused operation raises
:class:`AgreementError` before anything but an audit entry is written.
"""

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import update

from agreements import content as agreement_content
from agreements import membership
from agreements.models import Agreement, AgreementSignature, AgreementVersion
from agreements.status import CLOSED, EXPIRED, agreement_of, expiry_of, status_of, today
from jit.accounts import security
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess

EXPORT_FORMAT = "jit-agreement-export/1"
KINDS = {"original": "Original agreement", "amendment": "Amendment", "extension": "Extension"}


class AgreementError(ValueError):
    """A refused agreement operation, with a message fit to show the person."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --- Reading ------------------------------------------------------------------------


def party_key(party) -> str:
    return party.country_code or party.body


def party_infos(team) -> list[agreement_content.PartyInfo]:
    return [
        agreement_content.PartyInfo(party_key(p), p.name, p.authority, p.is_state)
        for p in team.parties
    ]


def party_names(team) -> dict[str, str]:
    return {party_key(p): p.name for p in team.parties}


def version_by_number(team, number: int) -> AgreementVersion:
    """Return the team's version ``number``; LookupError if there is none."""
    agreement = agreement_of(team)
    version = (
        next((v for v in agreement.versions if v.number == number), None) if agreement else None
    )
    if version is None:
        raise LookupError(number)
    return version


def current_hash(version: AgreementVersion) -> str:
    """Return the version's fixed hash, or (for an unsigned draft) the hash of its text now."""
    return version.content_hash or agreement_content.content_hash(version.content)


def is_latest(version: AgreementVersion) -> bool:
    return version.number == version.agreement.versions[-1].number


def purpose_history(version: AgreementVersion) -> list[AgreementVersion]:
    """Return the versions up to ``version`` that set or redefined the purpose (Article 2).

    Only texts signed by all count, plus ``version`` itself; the first entry is the
    purpose as first agreed, each later one a redefinition by mutual agreement.
    """
    history: list[AgreementVersion] = []
    for candidate in version.agreement.versions:
        if candidate.number > version.number:
            break
        if candidate.is_withdrawn or not (candidate.is_fully_signed or candidate is version):
            continue
        text = candidate.content["purpose"]["text"]
        if not history or history[-1].content["purpose"]["text"] != text:
            history.append(candidate)
    return history


def signature_for(version: AgreementVersion, party) -> AgreementSignature | None:
    return next((s for s in version.signatures if s.party_id == party.id), None)


def _lock(version: AgreementVersion) -> None:
    """Lock the version's row and reload it, so that signatures and edits serialise.

    Without it two leaders signing at once could each miss the other's signature, or an
    edit could land on a text another leader was signing.
    """
    _write_lock(AgreementVersion, version.id)
    db.session.refresh(version)
    db.session.expire(version, ["signatures"])


def _write_lock(model, row_id: int) -> None:
    """Lock a row with a no-op UPDATE (as the audit chain does).

    On PostgreSQL it locks the row like SELECT … FOR UPDATE; on SQLite it opens the
    write transaction, so what is read next is the latest committed state.
    """
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(id=model.id)
        .execution_options(synchronize_session=False)
    )


# --- Drafting -----------------------------------------------------------------------


def _require(access: TeamAccess, permission: Permission, message: str) -> None:
    if not access.can(permission):
        raise AgreementError(message)


def _leaders_now(team) -> list[dict]:
    from jit.teams.services import roster

    leaders = []
    for party_roster in roster(team):
        for m in party_roster.memberships:
            if m.role == Role.LEADER.value and party_roster.party.is_state:
                leaders.append(
                    {
                        "party": party_key(m.party),
                        "name": m.user.display_name,
                        "email": m.user.email,
                    }
                )
    return leaders


def start_version(access: TeamAccess, kind: str, change_summary: str = "") -> AgreementVersion:
    """Open a new version: the first draft, a corrected draft, an amendment or an extension."""
    _require(access, Permission.DRAFT_AGREEMENT, "Only the coordinator and leaders draft.")
    if kind not in KINDS:
        raise AgreementError(f"Unknown kind of version {kind!r}.")
    team = access.team
    agreement = agreement_of(team)
    if agreement is None:
        agreement = Agreement(team=team, created_by_id=access.user.id)
        db.session.add(agreement)
        db.session.flush()
    else:
        # One open version at a time: two people starting one at once must not both succeed.
        _write_lock(Agreement, agreement.id)
        db.session.refresh(agreement)
        db.session.expire(agreement, ["versions"])
    status = status_of(agreement, today())
    if status.code == CLOSED:
        raise AgreementError("The team is closed; its agreement can no longer change.")
    if status.pending is not None:
        raise AgreementError(
            f"Version {status.pending.number} is still open. Finish or withdraw it before "
            "starting another."
        )
    signed = [v for v in agreement.versions if v.is_fully_signed and not v.is_withdrawn]
    base = signed[-1] if signed else None
    summary = change_summary.strip()
    if kind == "original":
        if base is not None:
            raise AgreementError(
                "The agreement is already signed by every party; change it by an amendment "
                "or an extension."
            )
        previous = agreement.versions[-1] if agreement.versions else None
        content = (
            dict(previous.content)
            if previous is not None
            else agreement_content.new_content(
                team.name, team.code, party_infos(team), _leaders_now(team)
            )
        )
    else:
        if base is None:
            raise AgreementError(
                "There is no signed agreement to amend or extend yet; sign the original first."
            )
        if not summary:
            raise AgreementError(
                f"Say what the {kind} is for (e.g. 'Extension by twelve months to complete the "
                "financial investigation')."
            )
        if kind == "amendment" and status.code == EXPIRED:
            raise AgreementError(
                "The agreement has expired: only an extension can be agreed now. Extend it first; "
                "amend it once it is in force again."
            )
        content = dict(base.content)
    version = AgreementVersion(
        agreement=agreement,
        number=(agreement.versions[-1].number + 1) if agreement.versions else 1,
        kind=kind,
        based_on=base
        if kind != "original"
        else (agreement.versions[-1] if agreement.versions else None),
        change_summary=summary,
        content=content,
        created_by_id=access.user.id,
        updated_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "agreement.version_started",
        team=team,
        target=version,
        new={"number": version.number, "kind": kind, "summary": summary},
        actor=access.user,
    )
    return version


def refusal_to_edit(version: AgreementVersion) -> str | None:
    """Return why ``version``'s text cannot change any more, or None while it can."""
    if version.agreement.is_closed:
        return "The team is closed; its agreement can no longer change."
    if version.is_withdrawn:
        return f"Version {version.number} was withdrawn; it cannot change."
    if version.is_frozen:
        first = version.signatures[0] if version.signatures else None
        who = f" by {first.party.short_label} on {first.signed_on.isoformat()}" if first else ""
        return (
            f"Version {version.number} was signed{who}; its text is frozen. Any change is "
            "an amendment or an extension that every party signs again."
        )
    return None


def _check_open_for_editing(access: TeamAccess, version: AgreementVersion) -> None:
    _require(access, Permission.DRAFT_AGREEMENT, "Only the coordinator and leaders draft.")
    if version.agreement.team_id != access.team.id:
        raise LookupError(version.id)
    _lock(version)
    refusal = refusal_to_edit(version)
    if refusal:
        raise AgreementError(refusal)


def save_draft(
    access: TeamAccess,
    version: AgreementVersion,
    raw: dict,
    *,
    change_summary: str | None = None,
    takes_effect_on: str | None = None,
) -> AgreementVersion:
    """Replace an unsigned version's content with ``raw`` once it passes every check."""
    _check_open_for_editing(access, version)
    try:
        new = agreement_content.normalise(raw, party_infos(access.team))
    except agreement_content.ContentError as wrong:
        raise AgreementError(
            "The draft was not saved: " + " ".join(wrong.problems), wrong.problems
        ) from None
    if version.kind == "extension":
        _check_extension(version, new)
    problems: list[str] = []
    effect = agreement_content.parse_date(takes_effect_on, "Takes effect on", problems)
    if problems:
        raise AgreementError(problems[0], problems)
    if version.kind != "original" and change_summary is not None and not change_summary.strip():
        raise AgreementError(f"Say what the {version.kind} is for.")
    old = version.content
    changed = agreement_content.changed_keys(old, new)
    version.content = new
    if change_summary is not None and version.kind != "original":
        version.change_summary = change_summary.strip()
    if version.kind != "original":
        version.takes_effect_on = date.fromisoformat(effect) if effect else None
    version.updated_at = utcnow()
    audit.record(
        "agreement.draft_saved",
        team=access.team,
        target=version,
        old={key: old.get(key) for key in changed},
        new={key: new.get(key) for key in changed}
        | {"draft_hash": agreement_content.content_hash(new)},
        actor=access.user,
    )
    return version


def _check_extension(version: AgreementVersion, new: dict) -> None:
    base = version.based_on.content
    others = [k for k in agreement_content.changed_keys(base, new) if k != "period"]
    period_changes = [k for k in new["period"] if new["period"][k] != base["period"][k]]
    if others or [k for k in period_changes if k != "expires_on"]:
        raise AgreementError(
            "An extension changes only the expiry date. Start an amendment to change anything else."
        )
    old_expiry, new_expiry = base["period"]["expires_on"], new["period"]["expires_on"]
    if not new_expiry or new_expiry <= old_expiry:
        raise AgreementError(f"The new expiry date must be after the current one ({old_expiry}).")


def import_json(access: TeamAccess, version: AgreementVersion, data) -> AgreementVersion:
    """Load an exported agreement (or bare content) into an unsigned draft."""
    if not isinstance(data, dict):
        raise AgreementError("The file is not an agreement export (expected a JSON object).")
    raw = data.get("content") if "content" in data else data
    if not isinstance(raw, dict) or raw.get("schema") != agreement_content.SCHEMA:
        raise AgreementError(
            f"The file is not an agreement in the format {agreement_content.SCHEMA}."
        )
    stated = (data.get("version") or {}).get("content_hash") if "content" in data else None
    if stated and agreement_content.content_hash(raw) != stated:
        raise AgreementError(
            "The file's content does not match the SHA-256 it states; it was changed after "
            "export. Nothing was imported."
        )
    return save_draft(access, version, raw)


def withdraw(access: TeamAccess, version: AgreementVersion, reason: str) -> None:
    """Withdraw a version that is not yet signed by all; a later draft replaces it."""
    _require(access, Permission.DRAFT_AGREEMENT, "Only the coordinator and leaders draft.")
    if version.agreement.team_id != access.team.id:
        raise LookupError(version.id)
    _lock(version)
    if version.is_fully_signed:
        raise AgreementError(
            f"Version {version.number} is signed by every party; it can only be changed by an "
            "amendment."
        )
    if version.is_withdrawn:
        raise AgreementError(f"Version {version.number} is already withdrawn.")
    if not reason.strip():
        raise AgreementError("Give the reason for withdrawing the version.")
    version.withdrawn_at, version.withdrawn_by_id = utcnow(), access.user.id
    version.withdrawal_reason = reason.strip()
    audit.record(
        "agreement.version_withdrawn",
        team=access.team,
        target=version,
        new={"number": version.number, "reason": version.withdrawal_reason},
        actor=access.user,
    )


# --- Signing ------------------------------------------------------------------------


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
    status = status_of(version.agreement, today())
    if status.code == EXPIRED and version.kind != "extension":
        return "The agreement has expired; only an extension can be signed now."
    missing = agreement_content.incomplete(version.content)
    if missing:
        return "The version cannot be signed yet; it still lacks " + ", ".join(missing) + "."
    if version.kind != "original" and version.content == version.based_on.content:
        return f"This {version.kind} does not change anything yet."
    expiry = expiry_of(version)
    if expiry < today():
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
    _lock(version)
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
    version.effective_from = _effective_from(version, now.date())
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
    if version.effective_from <= today():
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
        _lock(version)  # two requests on the day must not both apply it
        due = version.effective_from <= today()
        if version.applied_at is None and not version.is_withdrawn and due:
            membership.apply_version(version, actor=actor)
            applied += 1
    return applied


# --- Closing ------------------------------------------------------------------------


def close(access: TeamAccess, note: str) -> Agreement:
    """Close the team for good: its record stays, read-only."""
    _require(
        access,
        Permission.MANAGE_ALL_MEMBERSHIPS,
        "Only the coordinator, who administers the space, closes the team.",
    )
    agreement = agreement_of(access.team)
    if agreement is None or not any(v.is_fully_signed for v in agreement.versions):
        raise AgreementError("Only a team whose agreement was signed by all can be closed.")
    if agreement.is_closed:
        raise AgreementError("The team is already closed.")
    if not note.strip():
        raise AgreementError(
            "Record why the team closes (e.g. 'Operational phase completed; proceedings "
            "continue nationally')."
        )
    agreement.closed_at, agreement.closed_by_id = utcnow(), access.user.id
    agreement.closing_note = note.strip()
    audit.record(
        "agreement.team_closed",
        team=access.team,
        target=agreement,
        new={"note": agreement.closing_note},
        actor=access.user,
    )
    return agreement


# --- Export -------------------------------------------------------------------------


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
    audit.record(
        "agreement.exported",
        team=access.team,
        target=version,
        new={"version": version.number, "format": fmt, "content_hash": current_hash(version)},
        actor=access.user,
    )
