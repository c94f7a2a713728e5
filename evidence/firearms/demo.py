"""Demo firearms: the converted pistols of Iron Meridian, their ammunition, a serial that
matches a pistol seized in Blue Harbour, the outgoing tracing request to Serbia (the draft
tracing bundle of the requests demo, registered for the pistol it concerns), an incoming
tracing request from Spain recorded as a crime notice in NL, and a filled directory of
authorities for the demo states.

Every record goes through the services on the demo timeline, at the moment it tells of.
Safe to run again: a part already there is left alone.
"""

from datetime import UTC, date, datetime

import click
from sqlalchemy import select

from evidence import services as evidence
from evidence.bundles.models import Bundle, BundleItem
from evidence.firearms import outgoing, services, tracing
from evidence.firearms.models import Firearm, TracingRequest
from evidence.models import EvidenceItem
from jit import gates
from jit.accounts.services import find_user_by_email
from jit.directory import services as directory
from jit.directory.models import DirectoryEntry
from jit.extensions import db
from jit.teams.access import team_access_for
from jit.teams.models import Team

DOMAIN = "demo.example"
IRON, BLUE = "IRON-MERIDIAN", "BLUE-HARBOUR"
NOTE = "Demo entry: the contact details are fictitious."


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _team(code: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.code == code))


def _access(code: str, key: str):
    return team_access_for(find_user_by_email(f"{key}@{DOMAIN}"), code)


def _item(code: str, title: str) -> EvidenceItem | None:
    return db.session.scalar(
        select(EvidenceItem)
        .join(Team, Team.id == EvidenceItem.team_id)
        .where(Team.code == code, EvidenceItem.title == title)
    )


def _open(team: Team) -> bool:
    decision = gates.may(team, "add_evidence")
    if not decision:
        click.echo(f"Demo firearms skipped for {team.code}: {decision.reason}")
    return bool(decision)


DIRECTORY = [
    (
        "HR",
        "mla-central-authority",
        "Ministry of Justice, Sector for International Legal Assistance",
        "Ulica grada Vukovara 49, 10000 Zagreb",
        "mla@pravosudje.example",
        "+385 1 3714 000",
        "hr;en",
        "eEDES;e-mail",
    ),
    (
        "HR",
        "firearms-focal-point",
        "Ministry of the Interior, Firearms Focal Point",
        "Ilica 335, 10000 Zagreb",
        "firearms@mup.example",
        "+385 1 6122 111",
        "hr;en",
        "SIENA;INTERPOL I-24/7",
    ),
    (
        "HR",
        "interpol-ncb",
        "NCB INTERPOL Zagreb",
        "Ilica 335, 10000 Zagreb",
        "ncb.zagreb@mup.example",
        "",
        "hr;en",
        "INTERPOL I-24/7",
    ),
    (
        "HR",
        "national-jit-expert",
        "USKOK, national JIT expert",
        "Gajeva 30a, 10000 Zagreb",
        "jit@uskok.example",
        "",
        "hr;en;de",
        "e-mail",
    ),
    (
        "AT",
        "mla-central-authority",
        "Bundesministerium für Justiz, Abteilung IV 4",
        "Museumstraße 7, 1070 Wien",
        "team.s@bmj.example",
        "+43 1 53126 0",
        "de;en",
        "eEDES;e-mail",
    ),
    (
        "AT",
        "firearms-focal-point",
        "Bundeskriminalamt, Büro 3.2 Waffen",
        "Josef-Holaubek-Platz 1, 1090 Wien",
        "waffen@bka.example",
        "+43 1 24836 0",
        "de;en",
        "SIENA;INTERPOL I-24/7",
    ),
    (
        "AT",
        "interpol-ncb",
        "NCB INTERPOL Wien",
        "Josef-Holaubek-Platz 1, 1090 Wien",
        "ncb.wien@bka.example",
        "",
        "de;en",
        "INTERPOL I-24/7",
    ),
    (
        "NL",
        "mla-central-authority",
        "Ministerie van Justitie en Veiligheid, AIRS",
        "Turfmarkt 147, 2511 DP Den Haag",
        "airs@minjenv.example",
        "+31 70 339 9000",
        "nl;en",
        "eEDES;e-mail",
    ),
    (
        "NL",
        "firearms-focal-point",
        "Politie Landelijke Eenheid, Team Wapens en Munitie",
        "Hoofdstraat 54, 3972 LB Driebergen",
        "wapens@politie.example",
        "+31 88 662 0000",
        "nl;en",
        "SIENA;INTERPOL I-24/7",
    ),
    (
        "NL",
        "eio-executing",
        "Internationaal Rechtshulpcentrum (IRC) Rotterdam",
        "Rotterdam",
        "irc@om.example",
        "",
        "nl;en;de;fr",
        "eEDES",
    ),
    (
        "NL",
        "national-jit-expert",
        "Landelijk Parket, national JIT expert",
        "Rotterdam",
        "jit@om.example",
        "",
        "nl;en",
        "e-mail",
    ),
    (
        "NL",
        "interpol-ncb",
        "NCB INTERPOL Den Haag",
        "Driebergen",
        "ncb@politie.example",
        "",
        "nl;en",
        "INTERPOL I-24/7",
    ),
    (
        "BE",
        "mla-central-authority",
        "SPF Justice / FOD Justitie, Entraide pénale",
        "Boulevard de Waterloo 115, 1000 Bruxelles",
        "mla@just.example",
        "+32 2 557 77 11",
        "fr;nl;de;en",
        "eEDES",
    ),
    (
        "ES",
        "mla-central-authority",
        "Ministerio de la Presidencia, Justicia y Relaciones con las Cortes, "
        "SG Cooperación Jurídica Internacional",
        "Calle San Bernardo 62, 28015 Madrid",
        "cji@mjusticia.example",
        "+34 91 390 4500",
        "es;en",
        "eEDES;e-mail",
    ),
    (
        "ES",
        "firearms-focal-point",
        "Guardia Civil, Intervención Central de Armas y Explosivos",
        "Calle Batalla del Salado 32, 28045 Madrid",
        "icae@guardiacivil.example",
        "+34 91 537 1000",
        "es;en",
        "SIENA;INTERPOL I-24/7",
    ),
    (
        "RS",
        "firearms-focal-point",
        "Ministry of the Interior, Firearms Focal Point",
        "Kneza Miloša 101, 11000 Belgrade",
        "firearms@mup.rs.example",
        "+381 11 306 2000",
        "sr;en",
        "INTERPOL I-24/7",
    ),
    (
        "TR",
        "interpol-ncb",
        "NCB INTERPOL Ankara",
        "Ankara",
        "ncb@egm.example",
        "",
        "tr;en",
        "INTERPOL I-24/7",
    ),
]


def _fill_directory() -> None:
    if db.session.scalar(select(DirectoryEntry.id).limit(1)):
        return
    admin = find_user_by_email(f"admin@{DOMAIN}")  # the directory is the platform's
    for country, function, name, address, email, phone, languages, channels in DIRECTORY:
        directory.create_entry(
            {
                "country": country,
                "function": function,
                "name": name,
                "address": address,
                "email": email,
                "phone": phone,
                "languages": languages,
                "channels": channels,
                "notes": NOTE,
            },
            actor=admin,
        )
    click.echo(f"Demo directory: {len(DIRECTORY)} authorities.")


def _pistol(serial: str, alteration: str, photos: list[int]) -> services.FirearmInput:
    return services.FirearmInput(
        manufacturer="Zastava",
        model="M57",
        firearm_type="pistol",
        calibre="7.62×25",
        country_of_manufacture="RS",
        year_of_manufacture="1988",
        proof_marks="Yugoslav proof mark on the slide",
        condition="converted",
        condition_notes="Converted from a blank-firing replica: barrel replaced, bore drilled.",
        serials=[services.SerialInput("frame", serial, alteration)],
        photo_file_ids=photos,
        export_country="RS",
        transit_countries="HR;AT",
    )


def _record_box7() -> None:
    item = _item(IRON, "Converted Zastava M57 pistol from box 7")
    access = _access(IRON, "hr.member")
    if item is None or access is None or not _open(access.team):
        return
    photos = [f.id for f in item.files if f.original_filename.endswith(".png")]
    services.add_firearm(access, item, _pistol("12-M57-4??21", "partly-legible", photos))


def _restore_box7() -> None:
    item = _item(IRON, "Converted Zastava M57 pistol from box 7")
    access = _access(IRON, "hr.member")
    firearm = item and db.session.scalar(select(Firearm).where(Firearm.item_id == item.id))
    if firearm is None or not _open(access.team):
        return
    photos = [photo.file_id for photo in firearm.photos]
    services.update_firearm(
        access, firearm, _pistol("12-M57-48221", "restored-by-laboratory", photos)
    )


def _record_box3() -> None:
    access = _access(IRON, "hr.member")
    if access is None or not _open(access.team):
        return
    item = evidence.create_item(
        access,
        evidence.ItemInput(
            title="Two converted alarm pistols and cartridges from box 3",
            item_type="firearm",
            description="Box 3 of 12 in the van's hidden compartment.",
            collected_by="Insp. Tomislav Babić, PNUSKOK Zagreb",
            collected_at=_at("2026-03-14T10:40:00+01:00"),
            collected_time_zone="Europe/Zagreb",
            collected_location="Bajakovo border crossing, Croatia",
            seized_from="Van ZG 4471-KP, hidden compartment",
            legal_basis="Art. 261 ZKP (temporary seizure)",
            legal_reference="USKOK KR-US-14/2026",
            source_reliability="A",
            information_accuracy="1",
            tags=["firearm", "border", "van"],
        ),
        [],
    )
    for model, serial in (("Firat Magnum", "EK-F 221875"), ("Firat Compact", "EK-C 104233")):
        services.add_firearm(
            access,
            item,
            services.FirearmInput(
                manufacturer="Ekol",
                model=model,
                firearm_type="pistol",
                calibre="9×19 mm",
                country_of_manufacture="TR",
                year_of_manufacture="2019",
                condition="converted",
                condition_notes="Alarm pistol converted to fire live rounds: barrel bored.",
                serials=[services.SerialInput("slide", serial)],
            ),
        )
    services.add_ammunition(
        access,
        item,
        services.AmmunitionInput(
            calibre="9×19 mm", headstamp="GFL 9 LUGER", quantity="150", lot="L-2208"
        ),
    )


def _record_algeciras() -> None:
    access = _access(BLUE, "es.leader")
    if access is None or not _open(access.team):
        return
    item = evidence.create_item(
        access,
        evidence.ItemInput(
            title="Zastava pistol found with the Algeciras cocaine load",
            item_type="firearm",
            collected_by="Guardia Civil, Algeciras port unit",
            collected_at=_at("2026-10-14T16:20:00+02:00"),
            collected_time_zone="Europe/Madrid",
            collected_location="Port of Algeciras, container terminal",
            seized_from="Container MSKU 401877-2, driver's cab",
            legal_basis="Art. 334 LECrim",
            source_reliability="A",
            information_accuracy="1",
            tags=["firearm", "port"],
        ),
        [],
    )
    services.add_firearm(access, item, _pistol("12M57 48221", "none", []))


def _incoming_from_spain() -> TracingRequest | None:
    access = _access(IRON, "nl.member")
    if access is None or not _open(access.team):
        return None
    item = _item(IRON, "Converted Zastava M57 pistol from box 7")
    firearm = item and db.session.scalar(select(Firearm).where(Firearm.item_id == item.id))
    return tracing.record_incoming(
        access,
        tracing.IncomingInput(
            counterpart_country="ES",
            counterpart_authority="Guardia Civil, Intervención Central de Armas y Explosivos",
            counterpart_reference="ICAE-TR-2026/1187",
            received_on=date(2026, 10, 21),
            manufacturer="Zastava",
            model="M57",
            firearm_type="pistol",
            calibre="7.62×25",
            serial_as_read="12-M57-48221",
            country_of_manufacture="RS",
            other_marks="Dutch importer's mark claimed by the seller",
            circumstances=(
                "Found on 14 October 2026 in the driver's cab of a container with 410 kg of "
                "cocaine at Algeciras; converted, no licence (illicit under Spanish law)."
            ),
            intended_use="Criminal proceedings before the Audiencia Nacional.",
            proposes_new_team=True,
            proposal_note="Same route and buyers as Iron Meridian: propose a JIT with Spain.",
            firearm_id=firearm.id if firearm else None,
        ),
    )


def _outgoing_to_serbia() -> TracingRequest | None:
    """Register the requests demo's draft tracing request as the box 7 pistol's."""
    access = _access(IRON, "hr.member")
    item = _item(IRON, "Converted Zastava M57 pistol from box 7")
    if access is None or item is None:
        return None
    firearm = db.session.scalar(select(Firearm).where(Firearm.item_id == item.id))
    bundle = db.session.scalar(
        select(Bundle)
        .join(BundleItem, BundleItem.bundle_id == Bundle.id)
        .where(
            Bundle.team_id == access.team.id,
            Bundle.request_type == "tracing",
            BundleItem.item_id == item.id,
        )
        .order_by(Bundle.id)
        .limit(1)
    )
    if firearm is None or bundle is None:
        return None
    return outgoing.record_outgoing(access, firearm, bundle)


def _advance(status: str) -> None:
    access = _access(IRON, "nl.member")
    record = db.session.scalar(
        select(TracingRequest).where(TracingRequest.counterpart_reference == "ICAE-TR-2026/1187")
    )
    if record is not None and access is not None:
        tracing.advance(access, record, status)


def schedule(timeline) -> None:
    """Add the firearms story to the demo timeline, once."""
    iron = _team(IRON)
    if iron is None:
        return
    # The platform's own log runs in time order too: its last entries before the timeline
    # are Blue Harbour's set-up (5 October 2026), so the administrator fills it after.
    timeline.at(_at("2026-10-05T14:00:00+02:00"), _fill_directory)
    if db.session.scalar(select(Firearm.id).where(Firearm.team_id == iron.id)):
        return
    timeline.at(_at("2026-03-16T11:50:00+01:00"), _record_box7)
    timeline.at(_at("2026-03-16T12:30:00+01:00"), _record_box3)
    timeline.at(_at("2026-03-27T15:00:00+01:00"), _restore_box7)
    # One moment after the requests demo drafts the tracing request (REQ, 8 May 09:00).
    timeline.at(_at("2026-05-08T09:00:30+02:00"), _outgoing_to_serbia)
    timeline.at(_at("2026-10-16T10:00:00+02:00"), _record_algeciras)
    timeline.at(_at("2026-10-21T14:00:00+02:00"), _incoming_from_spain)
    timeline.at(_at("2026-10-22T09:30:00+02:00"), lambda: _advance("acknowledged"))
    timeline.at(_at("2026-10-26T11:00:00+01:00"), lambda: _advance("being-traced"))
