"""Drafting an outgoing tracing request (ITI para. 17) from a firearm record in one step.

The draft is an ordinary tracing bundle: :func:`evidence.firearms.tracing.outgoing_prefill`
supplies the markings and the addressee, the bundle service writes it with its audit
entry, and the firearm's evidence item is selected as the request's evidence.
"""

from evidence.bundles import services as bundles
from evidence.bundles.instruments.common import OTHER_STATE
from evidence.bundles.models import Bundle
from evidence.firearms.models import Alteration, Condition, Firearm, FirearmType, MarkedPart
from evidence.firearms.tracing import outgoing_prefill
from jit.audit import services as audit
from jit.teams.access import TeamAccess
from jit.teams.reference import country_name

# The firearms register's types, as the tracing form's choices name them.
WEAPON_TYPES = {
    FirearmType.PISTOL: "pistol",
    FirearmType.REVOLVER: "revolver",
    FirearmType.RIFLE: "rifle",
    FirearmType.CARBINE: "rifle",
    FirearmType.SHOTGUN: "shotgun",
    FirearmType.SUB_MACHINE_GUN: "submachine_gun",
    FirearmType.MACHINE_GUN: "machine_gun",
    FirearmType.OTHER: "other",
}
SERIAL_FIELDS = {
    MarkedPart.FRAME: "serial_frame",
    MarkedPart.SLIDE: "serial_slide",
    MarkedPart.BARREL: "serial_barrel",
}


def tracing_values(firearm: Firearm, party_states: set[str]) -> dict:
    """Return the tracing form's values that the firearm record answers."""
    known = outgoing_prefill(firearm)
    values: dict = {}
    country = known["addressee_country"]
    if country:
        if country in party_states:
            values["executing_state"] = country
        else:
            values["executing_state"], values["executing_state_other"] = OTHER_STATE, country
    if known["addressee_name"]:
        values["requested_agency"] = known["addressee_name"]
    values["weapon_type"] = WEAPON_TYPES.get(firearm.firearm_type, "other")
    values["manufacturer"] = known["manufacturer"]
    values["model"] = known["model"]
    values["calibre"] = known["calibre"]
    values["country_of_manufacture"] = known["country_of_manufacture"]
    if known["year_of_manufacture"]:
        values["year_of_manufacture"] = known["year_of_manufacture"]
    alterations = []
    for serial in known["serials"]:
        key = SERIAL_FIELDS.get(serial["part"])
        if key and not values.get(key):
            values[key] = serial["as_read"]
        if serial["alteration"] != Alteration.NONE:
            alterations.append(
                f"Serial on the {MarkedPart(serial['part']).label.lower()} "
                f"({serial['as_read']}): {Alteration(serial['alteration']).label.lower()}."
            )
    if firearm.condition != Condition.COMPLETE:
        alterations.insert(0, f"Condition: {Condition(firearm.condition).label}.")
    if alterations:
        values["alterations"] = "\n".join(alterations)
    marks = known["import_marks"]
    if marks["country"]:
        values["import_marks"] = ", ".join(
            str(part) for part in (country_name(marks["country"]), marks["year"]) if part
        )
    other = [text for text in (known["proof_marks"], known["other_marks"]) if text]
    if other:
        values["other_marks"] = "\n".join(other)
    values["recovered_on"] = known["recovered_at"][:10]
    values["recovered_at"] = known["recovered_where"]
    return {key: value for key, value in values.items() if value not in (None, "")}


def draft_tracing_request(access: TeamAccess, firearm: Firearm) -> Bundle:
    """Start a tracing request bundle pre-filled from ``firearm``, its item as evidence."""
    party_states = bundles.party_states(access.team)
    values = tracing_values(firearm, party_states)
    bundle = bundles.create_bundle(
        access,
        "tracing",
        outgoing_prefill(firearm)["addressee_country"] or None,
        overrides=values,
    )
    bundles.select_evidence(access, bundle, [firearm.item_id])
    audit.record(
        "firearms.tracing_drafted",
        team=access.team,
        target=bundle,
        new={"bundle": bundle.label, "firearm": firearm.label},
    )
    return bundle
