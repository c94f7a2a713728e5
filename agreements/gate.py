"""The agreement's answers to the core's hooks (jit/signals.py), connected in ``init_app``.

:func:`decide` answers :func:`jit.gates.may` (``signals.gate``): a team may add to its
record only while its agreement is in force.

A team with no agreement recorded at all is treated as *not yet modelled* and stays
open, unless the deployment sets ``JIT_AGREEMENT_REQUIRED=1``. That keeps spaces whose
agreement lives on paper (and spaces made before this package) usable, as the evidence
issue's interim rule says; a deployment that runs every JIT through the workspace turns
the product rule on: no space without a signed agreement. A team that *has* an agreement
here is always governed by it: a draft, an agreement not yet in force, an expired or a
closed one all refuse, with the reason.

The chat is the exception before entry into force: the parties talk while they draft
and sign, so writing in it is refused only once the agreement has ended (expired or
closed: "after expiry everything is read-only except an extension", DESIGN §4) or when
the agreement in force does not provide for the workspace.
"""

import re

from flask import current_app, has_app_context

from agreements import status as agreement_status
from agreements.articles import cite
from jit.gates import OPEN, Decision

_WHAT = {
    "add_evidence": "Adding evidence",
    "record_custody": "Recording custody events",
    "draft_bundle": "Drafting export bundles",
    "release_bundle": "Releasing export bundles",
    "write_chat": "Writing in the chat",
}
_ENDED = {agreement_status.EXPIRED, agreement_status.CLOSED}


def _agreement_required() -> bool:
    return bool(has_app_context() and current_app.config.get("AGREEMENT_REQUIRED"))


def decide(team, action: str) -> Decision:
    """Return whether ``team`` may perform ``action`` today under its agreement."""
    status = agreement_status.team_status(team)
    if status.code == agreement_status.NONE and not _agreement_required():
        return OPEN
    what = _WHAT.get(action, "This action")
    if action == "write_chat" and status.code not in _ENDED and not status.is_in_force:
        return OPEN  # drafting, signing, or no agreement yet: the parties may talk
    if status.is_in_force and not status.governing.content["workspace"]["is_used"]:
        # Regulation (EU) 2023/969 art. 13: a space serves a JIT only if its agreement
        # provides for it; starting to use it mid-way takes an amendment.
        return Decision(
            False,
            f"{what} is not possible: the agreement in force (version "
            f"{status.governing.number}) does not provide for the use of the JIT Workspace "
            f"({cite('workspace', status.governing.content['schema'])}). The parties can amend "
            "it to do so.",
        )
    if status.is_in_force:
        return OPEN
    return Decision(False, f"{what} is not possible now. {status.explanation()}")


def version_label(team) -> str | None:
    """Return ``v2 sha256:<30 hex>`` for the version in force, or None (fits 40 characters).

    Custody events and bundles store it, naming the version and its text's hash.
    """
    version = agreement_status.version_in_force(team)
    if version is None:
        return None
    return f"v{version.number} sha256:{version.content_hash[:30]}"


_LABEL = re.compile(r"^v(?P<number>[0-9]+) sha256:(?P<prefix>[0-9a-f]{1,64})$")


def version_hashes(team, labels=()) -> dict | None:
    """Return ``{label: {"number", "sha256"}}`` for the labels naming ``team``'s versions.

    A label (:func:`version_label`) holds the start of its version's hash; it names the
    version only if that version's full hash starts so.
    """
    agreement = agreement_status.agreement_of(team)
    if agreement is None:
        return None
    by_number = {version.number: version for version in agreement.versions}
    found = {}
    for label in labels:
        match = _LABEL.match(label or "")
        version = match and by_number.get(int(match["number"]))
        if version and version.content_hash and version.content_hash.startswith(match["prefix"]):
            found[label] = {"number": version.number, "sha256": version.content_hash}
    return found


def participants_read_evidence(team, user=None) -> bool | None:
    """Whether the agreement lets participants read the team's evidence (Article 7).

    The agreement grants it per participant. Given ``user``, answer for that person;
    without one, answer for the team's participants as a whole — only if every
    participant it names may read, so nobody is granted more than the text says. The
    last version in force decides, also after expiry (reading stays possible then).
    With no agreement in force yet there is nothing to say (``None``), and a grant
    needs someone to say yes.
    """
    governing = agreement_status.team_status(team).governing
    if governing is None:
        return None
    participants = governing.content["participants"]
    if user is not None:
        email = user.email.lower()
        return any(p["email"] == email and p["may_read_evidence"] for p in participants)
    return bool(participants) and all(p["may_read_evidence"] for p in participants)
