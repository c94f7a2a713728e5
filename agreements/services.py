"""Every write to an agreement's text: drafts, amendments, extensions, withdrawal, closing.

Signatures and entry into force are in :mod:`agreements.signing`, exports in
:mod:`agreements.exports`. Each function checks the person's standing, changes the
record and writes its audit entry in the caller's transaction; the caller commits. A
refused operation raises :class:`AgreementError` before anything but an audit entry is
written.
"""

from datetime import date

from agreements import content as agreement_content
from agreements.locks import lock_version, write_lock
from agreements.models import Agreement, AgreementSignature, AgreementVersion
from agreements.status import CLOSED, EXPIRED, agreement_of, status_of, today
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import holds_nul, nul_message
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess
from jit.teams.reference import country_name_in_text

KINDS = {"original": "Original agreement", "amendment": "Amendment", "extension": "Extension"}


class AgreementError(ValueError):
    """A refused agreement operation, with a message fit to show the person."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --- Reading ------------------------------------------------------------------------


def party_key(party) -> str:
    """Return the key a party has in agreement content: its country code or body."""
    return party.country_code or party.body


def party_infos(team) -> list[agreement_content.PartyInfo]:
    """Return the team's parties as agreement content describes them."""
    return [
        agreement_content.PartyInfo(party_key(p), p.name, p.authority, p.is_state)
        for p in team.parties
    ]


def party_names(team) -> dict[str, str]:
    """Return each party's name by its key, as a sentence writes it ("the Netherlands")."""
    return {
        party_key(p): country_name_in_text(p.country_code) if p.is_state else p.name
        for p in team.parties
    }


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
    """Return whether ``version`` is the agreement's newest version."""
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
    """Return the signature of ``party`` on ``version``, if it signed."""
    return next((s for s in version.signatures if s.party_id == party.id), None)


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
        write_lock(Agreement, agreement.id)
        db.session.refresh(agreement)
        db.session.expire(agreement, ["versions"])
    status = status_of(agreement, today(agreement))
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
            agreement_content.upgrade(dict(previous.content))
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
        # A text signed in an older schema is carried over in the Model's articles.
        content = agreement_content.upgrade(dict(base.content))
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
    lock_version(version)
    refusal = refusal_to_edit(version)
    if refusal:
        raise AgreementError(refusal)


def _nul_path(value, path: str = "") -> str | None:
    """Return where in the raw content a text holds a NUL ("leaders 2 name"), or None."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(number + 1), part) for number, part in enumerate(value))
    else:
        return (path or "content") if holds_nul(value) else None
    for key, part in items:
        if holds_nul(key):
            return path or "content"
        found = _nul_path(part, f"{path} {key}".strip().replace("_", " "))
        if found is not None:
            return found
    return None


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
    # PostgreSQL refuses a NUL in text (and the content's text reaches the audit log, the
    # PDF and the search index): refused, never stripped, as the text is the agreement's.
    for what, value in (
        ("change summary", change_summary),
        ("date it takes effect", takes_effect_on),
    ):
        if holds_nul(value):
            raise AgreementError(nul_message(what))
    where = _nul_path(raw)
    if where is not None:
        problem = nul_message(f"field “{where}”")
        raise AgreementError("The draft was not saved: " + problem, [problem])
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
    base = agreement_content.upgrade(version.based_on.content)
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
    if not isinstance(raw, dict) or raw.get("schema") not in agreement_content.SCHEMAS:
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
    lock_version(version)
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
