"""Where a team's agreement stands today, and what that lets the team do (DESIGN §4).

draft → signed by all → in force (start ≤ today ≤ expiry) → expired → closed.
"Today" is the calendar day of :func:`jit.clock.utcnow` in the agreement's own time zone
(Article 3 names it; by default the first party's): an agreement that expires on 31 May
is in force until midnight of 31 May there, not in UTC. It is in force on its start day
and on its expiry day.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agreements.models import Agreement, AgreementVersion
from jit.clock import utcnow
from jit.extensions import db
from jit.inputs import is_time_zone

NONE, DRAFT, SIGNED, IN_FORCE, EXPIRED, CLOSED = (
    "none",
    "draft",
    "signed",
    "in_force",
    "expired",
    "closed",
)
LABELS = {
    NONE: "No agreement",
    DRAFT: "Draft",
    SIGNED: "Signed by all",
    IN_FORCE: "In force",
    EXPIRED: "Expired",
    CLOSED: "Closed",
}
WARNING_DAYS = 30


def zone_of(agreement: Agreement | None) -> str:
    """Return the time zone the agreement counts its days in (its latest signed text's)."""
    if agreement is None or not agreement.versions:
        return "UTC"
    signed = [v for v in agreement.versions if v.is_fully_signed and not v.is_withdrawn]
    content = (signed or agreement.versions)[-1].content
    zone = content.get("time_zone") or "UTC"  # a first-schema text names none
    return zone if is_time_zone(zone) else "UTC"


def today(agreement: Agreement | None = None) -> date:
    """Return today's date where the agreement counts its days (UTC without one)."""
    return utcnow().astimezone(ZoneInfo(zone_of(agreement))).date()


def agreement_of(team) -> Agreement | None:
    return db.session.scalar(
        select(Agreement)
        .where(Agreement.team_id == team.id)
        .options(selectinload(Agreement.versions).selectinload(AgreementVersion.signatures))
    )


def expiry_of(version: AgreementVersion) -> date | None:
    value = version.content["period"]["expires_on"]
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class TeamStatus:
    code: str
    agreement: Agreement | None = None
    governing: AgreementVersion | None = None  # the version in force (or last in force)
    upcoming: AgreementVersion | None = None  # signed by all, not yet in force
    pending: AgreementVersion | None = None  # open for drafting or signature
    started_on: date | None = None
    expires_on: date | None = None
    on: date | None = None
    time_zone: str = "UTC"

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def is_in_force(self) -> bool:
        return self.code == IN_FORCE

    @property
    def days_left(self) -> int | None:
        if self.expires_on is None or self.on is None:
            return None
        return (self.expires_on - self.on).days

    @property
    def is_expiring_soon(self) -> bool:
        return self.is_in_force and self.days_left is not None and self.days_left <= WARNING_DAYS

    def missing_signatures(self, version: AgreementVersion | None) -> list[str]:
        if version is None:
            return []
        from agreements.content import signatory_keys

        signed = {s.party.country_code or s.party.body for s in version.signatures}
        names = {p.country_code or p.body: p.short_label for p in self.agreement.team.parties}
        return [names.get(k, k) for k in signatory_keys(version.content) if k not in signed]

    def explanation(self) -> str:
        """Why the team can or cannot add to its record today, and what would change it."""
        if self.code == NONE:
            return (
                "No agreement is recorded for this team yet. The coordinator or a leader drafts "
                "it under Agreement; the workspace follows it once every party has signed."
            )
        if self.code == CLOSED:
            closed = self.agreement.closed_at.date().isoformat()
            return (
                f"The team was closed on {closed}. Its record is kept read-only; nothing can "
                "be added to a closed team."
            )
        if self.code == DRAFT:
            version = self.pending
            if version is not None and version.signatures:
                missing = ", ".join(self.missing_signatures(version))
                return (
                    f"The agreement is not yet in force: version {version.number} still needs "
                    f"the signature of {missing}. Evidence and bundles can be added once every "
                    "party has signed and the agreement is in force."
                )
            return (
                "The agreement is still a draft. Evidence and bundles can be added once every "
                "party's leader has signed it and it is in force."
            )
        if self.code == SIGNED:
            return (
                f"The agreement is signed by every party and enters into force on "
                f"{self.upcoming.effective_from.isoformat()}. Evidence and bundles can be "
                "added from that day."
            )
        if self.code == EXPIRED:
            return (
                f"The agreement expired on {self.expires_on.isoformat()}. The team is "
                "read-only; the parties can sign an extension to continue working."
            )
        text = (
            f"The agreement is in force from {self.started_on.isoformat()} until "
            f"{self.expires_on.isoformat()}"
        )
        if self.is_expiring_soon:
            days = self.days_left
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            text += (
                f"; it expires {when}. After that the team is read-only until the parties "
                "sign an extension"
            )
        return text + "."


def team_status(team, on: date | None = None) -> TeamStatus:
    """Return the team's agreement status on ``on`` (today by default)."""
    agreement = agreement_of(team)
    on = on or today(agreement)
    if agreement is None:
        return TeamStatus(NONE, on=on)
    return status_of(agreement, on)


def status_of(agreement: Agreement, on: date) -> TeamStatus:
    versions = agreement.versions
    signed = [v for v in versions if v.is_fully_signed and not v.is_withdrawn]
    effective = [v for v in signed if v.effective_from <= on]
    upcoming = [v for v in signed if v.effective_from > on]
    pending = next((v for v in versions if not v.is_fully_signed and not v.is_withdrawn), None)
    governing = effective[-1] if effective else None
    common = {
        "agreement": agreement,
        "governing": governing,
        "upcoming": upcoming[0] if upcoming else None,
        "pending": pending,
        "started_on": signed[0].effective_from if signed else None,
        "expires_on": expiry_of(governing) if governing else None,
        "on": on,
        "time_zone": zone_of(agreement),
    }
    if agreement.is_closed:
        return TeamStatus(CLOSED, **common)
    if governing is None:
        return TeamStatus(SIGNED if upcoming else DRAFT, **common)
    if on > common["expires_on"]:
        return TeamStatus(EXPIRED, **common)
    return TeamStatus(IN_FORCE, **common)


def version_in_force(team, on: date | None = None) -> AgreementVersion | None:
    """Return the version that governs the team today, or None if none is in force.

    Evidence and bundles record it with every custody event and bundle (DESIGN §4).
    """
    status = team_status(team, on)
    return status.governing if status.is_in_force else None
