"""Who may read what in the record: the audit entries a reader sees, redacted or whole.

One rule (DESIGN.md §5): nobody reads through the record what they could not read at
its source. Whether a reader may open an object is asked of the package that owns it
through :data:`jit.signals.record_visibility`, once per page; an entry about an object
the reader may not open keeps its envelope (time, actor, operation, object type and id,
hashes) and loses its content. An object type no package answers for is closed to
everyone, auditors included: a package that forgets to answer leaks nothing.
"""

from collections.abc import Iterable

from flask import url_for
from sqlalchemy import select

from jit import signals
from jit.audit.models import AuditEntry
from jit.extensions import db
from jit.inputs import parse_plain_int
from jit.permissions import Permission, can_manage_memberships

ObjectKey = tuple[str, str]


def object_key(entry: AuditEntry) -> ObjectKey | None:
    """Return the (type, id) an entry is about, or None for an entry about the log itself."""
    if entry.object_type is None:
        return None
    return entry.object_type, entry.object_id or ""


def openable(access, entries: Iterable[AuditEntry]) -> dict[ObjectKey, str | None]:
    """Return the objects of ``entries`` that ``access`` may open, each with its link."""
    objects: dict[str, set[str]] = {}
    for entry in entries:
        key = object_key(entry)
        if key is not None:
            objects.setdefault(key[0], set()).add(key[1])
    if not objects:
        return {}
    return signals.merged(signals.record_visibility, access, objects=objects)


def may_read(entry: AuditEntry, opened: dict[ObjectKey, str | None]) -> bool:
    """Return whether an entry's content may be shown, given what the reader may open."""
    key = object_key(entry)
    return key is None or key in opened


def may_read_without_log(entry: AuditEntry, opened: dict[ObjectKey, str | None]) -> bool:
    """Return whether a reader who may not read the audit log may still read an entry.

    Such a reader sees, in the overview's activity and in what they take away, the
    entries about objects they may open, and nothing about the log itself.
    """
    return entry.object_type is not None and may_read(entry, opened)


def numeric_ids(ids: Iterable[str]) -> list[int]:
    """Keep the ids that are plain numbers within the database's integer range."""
    numbers = (parse_plain_int(value) for value in ids)
    return [number for number in numbers if number is not None]


def team_objects(access, objects: dict[str, set[str]]) -> dict:
    """Answer :data:`jit.signals.record_visibility` for the team and its memberships."""
    opened: dict = {}
    if str(access.team.id) in objects.get("teams", ()):
        opened[("teams", str(access.team.id))] = url_for("teams.overview", code=access.team.code)
    wanted = numeric_ids(objects.get("memberships", ()))
    if wanted and access.can(Permission.VIEW_MEMBERS):
        link = (
            url_for("teams.members", code=access.team.code)
            if can_manage_memberships(access.role)
            else url_for("teams.overview", code=access.team.code)
        )
        # A removed membership's row is gone; its entries still name a person and role
        # the whole team saw on the roster, so they stay readable, without a link.
        memberships = db.metadata.tables["memberships"]  # by table: teams write to the log
        present = set(
            db.session.scalars(
                select(memberships.c.id).where(
                    memberships.c.id.in_(wanted), memberships.c.team_id == access.team.id
                )
            )
        )
        for number in wanted:
            opened[("memberships", str(number))] = link if number in present else None
    return opened


signals.record_visibility.connect(team_objects)
