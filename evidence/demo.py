"""Demo evidence for Operation Iron Meridian: documents, e-mail, images, a firearm, an analysis.

Each item is created through the services (exhibit numbers, custody, audit) with files
generated here, then given a plausible history: sealing, hand-overs between the parties'
services, analysis. Safe to run again: a team that already has evidence is left alone.
"""

from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import select

from evidence import custody_events, demo_files, services, storage
from evidence.models import EvidenceItem
from evidence.sniff import sniff
from jit import gates
from jit.accounts.models import User
from jit.extensions import db
from jit.teams.access import TeamAccess
from jit.teams.models import Membership, Team

TEAM_CODE = "IRON-MERIDIAN"
DOMAIN = "demo.example"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# How long after an event its record is entered, unless the step says when.
ENTERED = timedelta(minutes=30)


def _access(team: Team, key: str) -> TeamAccess:
    membership = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.team_id == team.id, User.email == f"{key}@{DOMAIN}")
    )
    return TeamAccess(team=team, membership=membership)


def _upload(filename: str, data: bytes) -> services.Upload:
    blob = storage.store_bytes(data)
    return services.Upload(blob, filename, sniff(blob.head))


class _Story:
    """The team's evidence as it came in: each step runs on the demo timeline."""

    def __init__(self, team: Team, timeline):
        self.team, self.timeline = team, timeline
        self.items: dict[str, EvidenceItem] = {}
        self.refused = False

    def _allowed(self) -> bool:
        """Whether the agreement lets the team add evidence at this step's moment."""
        if self.refused:
            return False
        for action in ("add_evidence", "record_custody"):
            decision = gates.may(self.team, action)
            if not decision:
                click.echo(f"Demo evidence skipped for {TEAM_CODE}: {decision.reason}")
                self.refused = True
                return False
        return True

    def item(self, key: str, person: str, uploaded: str, files, **fields) -> None:
        """Upload an item at ``uploaded``; ``files`` makes its files when the step runs."""

        def run():
            if not self._allowed():
                return
            fields.setdefault("collected_at", _at(fields.pop("when")))
            fields["tags"] = services.parse_tags(fields.get("tags", ""))
            parent = fields.pop("parent", None)
            if parent:
                fields["parent_exhibit"] = self.items[parent].exhibit_number
            access = _access(self.team, person)
            self.items[key] = services.create_item(access, services.ItemInput(**fields), files())

        self.timeline.at(_at(uploaded), run)

    def event(self, key: str, person: str, event_type: str, when: str, **fields) -> None:
        """Record an event that happened at ``when``, entered shortly after (or at
        ``recorded``, for one that happened before its item was uploaded).

        ``copy_key`` makes it the hand-over of a copy (``is_copy``): the copy becomes an
        item of its own, kept under that key, and the transfer is on the copy's chain.
        """
        recorded = _at(fields.pop("recorded")) if "recorded" in fields else _at(when) + ENTERED
        copy_key = fields.pop("copy_key", None)

        def run():
            if not self._allowed() or key not in self.items:
                return
            access = _access(self.team, person)
            data = custody_events.EventInput(
                event_type=event_type,
                occurred_at=_at(when),
                time_zone=fields.pop("time_zone", access.user.time_zone),
                is_copy=copy_key is not None,
                **fields,
            )
            event = custody_events.record_event(access, self.items[key], data)
            if copy_key is not None:
                self.items[copy_key] = db.session.get(EvidenceItem, event.item_id)

        self.timeline.at(recorded, run)

    def extract_text(self, moment: str) -> None:
        def run():
            if self.refused:
                return
            from evidence import extraction

            for file_id in extraction.pending_file_ids():
                extraction.extract_file(file_id)
            click.echo(
                f"Demo evidence: {len(self.items)} items with files and custody history "
                f"in {TEAM_CODE}."
            )

        self.timeline.at(_at(moment), run)


def schedule(timeline) -> None:
    """Give the demo team its evidence, once: each item uploaded, and each event entered,
    on the demo timeline shortly after it happened, so custody reads as it was kept."""
    team = db.session.scalar(select(Team).where(Team.code == TEAM_CODE))
    if team is None:
        return
    if db.session.scalar(select(EvidenceItem.id).where(EvidenceItem.team_id == team.id)):
        return
    story = _Story(team, timeline)

    story.item(
        "handset",
        "hr.member",
        "2026-03-16T11:00:00+01:00",
        lambda: [
            _upload(
                "PNUSKOK-ZG-2026-0314_extraction_report.pdf",
                demo_files.pdf(
                    "Forensic extraction report — Samsung Galaxy A54",
                    [
                        "Device: Samsung Galaxy A54, IMEI 35 291611 204857 3, seized from the "
                        "driver of a white Renault Master van (ZG 4471-KP) at Bajakovo on "
                        "14 March 2026.",
                        "Acquisition: 14 March 2026, 13:30–15:10, PNUSKOK forensic laboratory, "
                        "Zagreb; full file system, Cellebrite UFED 7.69 by Insp. T. Babić; "
                        "the image verified against its SHA-256 after acquisition.",
                        "Findings: Signal and Threema conversations with contacts saved as "
                        "“Beč transport” and “Rotterdam H.”; photographs of crates of "
                        "“Ersatzteile”; location history Beograd – Bajakovo (13–14 March, "
                        "inbound) and Zagreb – Macelj – Spielfeld – Wien (earlier trips).",
                    ],
                    "PNUSKOK Zagreb · K-US-214/2025 · 2026-03-16",
                ),
            ),
            _upload(
                "signal_chat_export.txt",
                (
                    "2026-03-12 21:04 Beč transport: utorak, 12 kutija za Beč\n"
                    "2026-03-12 21:06 Me: ok. prvo po robu u Srbiju, nazad u subotu preko "
                    "Bajakova\n"
                    "2026-03-13 07:55 Rotterdam H.: payment same as last time\n"
                    "2026-03-14 08:41 Me: na granici, kontrola\n"
                ).encode(),
            ),
        ],
        title="Handset of the van driver — forensic extraction",
        item_type="device-image",
        description=(
            "Mobile phone seized from the driver at the Bajakovo border crossing; full file "
            "system extraction with report and chat export."
        ),
        collected_by="Insp. Tomislav Babić, PNUSKOK Zagreb",
        when="2026-03-14T09:30:00+01:00",
        collected_time_zone="Europe/Zagreb",
        collected_location="Bajakovo border crossing, Croatia",
        seized_from="Driver of van ZG 4471-KP",
        legal_basis="Art. 261 ZKP (temporary seizure), order of the investigating judge",
        legal_reference="USKOK K-US-214/2025",
        source_reliability="A",
        information_accuracy="1",
        tags="phone, border, Bajakovo, van",
    )
    # Seized at Bajakovo at 09:30, driven to Zagreb (about three hours on the A3),
    # imaged there, then sealed and stored: the events are entered once the item was
    # uploaded. The sealed handset stays in Zagreb; only copies of its image travel.
    story.event(
        "handset",
        "hr.member",
        "acquired",
        "2026-03-14T13:30:00+01:00",
        recorded="2026-03-16T11:15:00+01:00",
        location="PNUSKOK forensic laboratory, Zagreb",
        method="Cellebrite UFED 4PC 7.69, full file system extraction; the image verified "
        "against the hashes below after acquisition",
        device_make="Samsung",
        device_model="Galaxy A54 5G (SM-A546B/DS)",
        device_serial="IMEI 35 291611 204857 3",
        tool_hashes=[
            ("MD5", "9c2f4e71 0b8a5d36 e4f1c7a2 58d09b13"),
            ("SHA-256", "4b7e1d9a 0c3f5e82 a61d47b9 e2058c3f 7d9a1b64 c0e53f28 9b1a6d47 e8f2c05d"),
        ],
        purpose="Forensic image of the handset before analysis",
        legal_basis="Art. 257 ZKP (search of a mobile device), order of the investigating judge",
    )
    story.event(
        "handset",
        "hr.member",
        "sealed",
        "2026-03-14T15:25:00+01:00",
        recorded="2026-03-16T11:20:00+01:00",
        location="PNUSKOK forensic laboratory, Zagreb",
        seal_number="HR-PNU-0448812",
        purpose="Handset sealed in an evidence bag after acquisition",
    )
    story.event(
        "handset",
        "hr.member",
        "checked_in",
        "2026-03-14T15:40:00+01:00",
        recorded="2026-03-16T11:22:00+01:00",
        location="PNUSKOK evidence room, Zagreb",
        storage_location="PNUSKOK evidence room, Zagreb — locker 14",
        purpose="Kept sealed for the proceedings",
    )
    # A copy of the verified image for Vienna, made in Zagreb and sealed for the
    # coordination meeting at Eurojust: an item of its own, so its journey is on its chain.
    story.item(
        "handset_copy",
        "hr.member",
        "2026-03-19T14:30:00+01:00",
        lambda: [],
        title="Copy of the handset extraction for the Austrian investigators",
        item_type="device-image",
        description="Copy of the verified image of HR-0001, with its extraction report and "
        "chat export, on an encrypted USB drive for the analysis of the Austrian contacts.",
        collected_by="Insp. Tomislav Babić, PNUSKOK Zagreb",
        when="2026-03-19T14:00:00+01:00",
        collected_time_zone="Europe/Zagreb",
        collected_location="PNUSKOK forensic laboratory, Zagreb",
        legal_basis="JIT agreement Article 11 (information and evidence)",
        legal_reference="USKOK K-US-214/2025",
        parent="handset",
        derivation="copy",
        source_reliability="A",
        information_accuracy="1",
        tags="phone, copy",
    )
    story.event(
        "handset_copy",
        "hr.member",
        "sealed",
        "2026-03-19T14:20:00+01:00",
        recorded="2026-03-19T14:40:00+01:00",
        location="PNUSKOK forensic laboratory, Zagreb",
        seal_number="HR-PNU-0448820",
        purpose="USB drive sealed for the hand-over at Eurojust",
    )
    story.event(
        "handset_copy",
        "hr.member",
        "transferred",
        "2026-03-20T10:00:00+01:00",
        time_zone="Europe/Amsterdam",
        location="Eurojust, The Hague (coordination meeting)",
        released_by="Insp. Tomislav Babić",
        released_by_party="HR — PNUSKOK",
        received_by="Lukas Steiner",
        received_by_party="AT — Bundeskriminalamt",
        purpose="Copy of the extraction handed over for analysis of the Austrian contacts",
        packaging="Encrypted USB drive in sealed bag HR-PNU-0448820",
        condition="Seal intact; drive undamaged",
        receipt_number="PNUSKOK-PR-2026-0311",
        legal_basis="JIT agreement Article 11 (information and evidence); art. 13(9)-(10) "
        "of the 2000 EU MLA Convention",
    )
    story.event(
        "handset_copy",
        "at.member",
        "unsealed",
        "2026-03-23T09:00:00+01:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        seal_number="HR-PNU-0448820",
        seal_state="intact",
        purpose="Opened to load the copy into the analysis tools",
    )
    story.event(
        "handset_copy",
        "at.member",
        "analysed",
        "2026-03-24T14:30:00+01:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        purpose="Contact and location analysis of the extraction",
        method="Physical Analyzer 7.69, i2 Analyst's Notebook 10",
    )
    story.item(
        "analysis",
        "at.member",
        "2026-03-24T16:30:00+01:00",
        lambda: [
            _upload(
                "analysis_contacts_bajakovo.txt",
                (
                    "Analysis of HR-0004 (copy of the extraction of the Bajakovo handset, "
                    "HR-0001)\n\n"
                    "1. 'Beč transport' resolves to a prepaid number active in Wien-Favoriten.\n"
                    "2. 'Rotterdam H.' used a Dutch number also in Dutch case ON-2026-118.\n"
                    "3. Travel pattern Zagreb – Macelj – Spielfeld – Wien every 2–3 weeks "
                    "since Nov 2025; inbound Beograd – Bajakovo on 13–14 March 2026.\n"
                ).encode(),
            )
        ],
        title="Contact analysis of the Bajakovo handset",
        item_type="communication-data",
        description="Analysis product: who the driver talked to and when.",
        collected_by="Lukas Steiner, Bundeskriminalamt",
        when="2026-03-24T16:00:00+01:00",
        collected_time_zone="Europe/Vienna",
        collected_location="Bundeskriminalamt, Vienna",
        legal_basis="Use for the team's purpose (JIT agreement Article 11(a)); "
        "StA Wien 71 St 38/25p",
        parent="handset_copy",
        derivation="analysis",
        source_reliability="B",
        information_accuracy="2",
        tags="phone, analysis",
    )
    story.event(
        "handset_copy",
        "at.member",
        "resealed",
        "2026-03-24T17:00:00+01:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        seal_number="BK-W-77118",
        purpose="Resealed after the analysis",
    )
    story.event(
        "handset_copy",
        "at.member",
        "checked_in",
        "2026-03-24T17:15:00+01:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        storage_location="Bundeskriminalamt, evidence store, Vienna — shelf A-12",
        purpose="Kept sealed for the team",
    )
    story.event(
        "handset_copy",
        "at.member",
        "checked_out",
        "2026-04-02T08:40:00+02:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        storage_location="Bundeskriminalamt, evidence store, Vienna — shelf A-12",
        purpose="Rotterdam contact identified: a copy for the Dutch investigators",
        legal_basis="JIT agreement Article 11 (information and evidence)",
    )
    story.event(
        "handset_copy",
        "at.member",
        "unsealed",
        "2026-04-02T08:45:00+02:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        seal_number="BK-W-77118",
        seal_state="intact",
        purpose="Opened to make the copy for the Netherlands",
    )
    story.event(
        "handset_copy",
        "at.member",
        "transferred",
        "2026-04-02T09:15:00+02:00",
        copy_key="handset_copy_nl",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        released_by="Lukas Steiner",
        released_by_party="AT — Bundeskriminalamt",
        received_by="Sanne Jansen",
        received_by_party="NL — Politie Landelijke Eenheid",
        purpose="Rotterdam contact identified; copy to the Dutch investigators",
        packaging="Encrypted USB drive in sealed bag BK-W-77120",
        condition="Seal intact; drive undamaged",
        receipt_number="BK-UE-2026-0402",
        legal_basis="JIT agreement Article 11 (information and evidence)",
    )
    story.event(
        "handset_copy",
        "at.member",
        "resealed",
        "2026-04-02T09:30:00+02:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        seal_number="BK-W-77121",
        purpose="Resealed after the copy was made",
    )
    story.event(
        "handset_copy",
        "at.member",
        "checked_in",
        "2026-04-02T09:40:00+02:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        storage_location="Bundeskriminalamt, evidence store, Vienna — shelf A-12",
        purpose="Kept sealed for the team",
    )

    story.item(
        "pistol",
        "hr.member",
        "2026-03-16T11:30:00+01:00",
        lambda: [
            _upload("IMG_20260314_1204_Zastava_M57.png", demo_files.pistol_photo()),
            _upload(
                "firearm_record.txt",
                (
                    b"Firearm record\nMake/model: Zastava M57 (7.62x25), converted from a "
                    b"blank-firing pistol\nSerial: 12-M57-4??21 (partly ground off; sent to the "
                    b"laboratory for restoration)\n"
                    b"Markings: Yugoslav proof mark; barrel replaced\nFound: hidden compartment "
                    b"behind the van's bulkhead, box 7 of 12\n"
                ),
            ),
        ],
        title="Converted Zastava M57 pistol from box 7",
        item_type="firearm",
        description="One of 14 pistols in the van's hidden compartment; tracing request pending.",
        collected_by="Insp. Tomislav Babić, PNUSKOK Zagreb",
        when="2026-03-14T10:10:00+01:00",
        collected_time_zone="Europe/Zagreb",
        collected_location="Bajakovo border crossing, Croatia",
        seized_from="Van ZG 4471-KP, hidden compartment",
        legal_basis="Art. 261 ZKP (temporary seizure)",
        legal_reference="USKOK K-US-214/2025",
        handling_code="H1",
        handling_conditions="Use in judicial proceedings only with USKOK's written consent.",
        source_reliability="A",
        information_accuracy="1",
        tags="firearm, border, van, tracing",
    )
    # Sealed at the scene, stored in Zagreb, examined at the Forensic Science Centre
    # (the serial number restored, firearms demo) and back in the evidence room before
    # the MLA request to Serbia carries it. The examiner is not a workspace user: the
    # investigator enters her part from her report and says so.
    lab = "Forensic Science Centre Ivan Vučetić, Zagreb"
    examination = "Art. 308 ZKP (order for an expert examination)"
    from_report = "Done by Dr. Ana Kos, firearms examiner; entered from her report " + (
        "CFIIV-VJ-2026-0412 of 27 March 2026"
    )
    story.event(
        "pistol",
        "hr.member",
        "sealed",
        "2026-03-14T12:30:00+01:00",
        recorded="2026-03-16T11:40:00+01:00",
        location="Bajakovo border crossing",
        seal_number="HR-PNU-0448815",
        purpose="Sealed at the scene for transport to Zagreb",
    )
    story.event(
        "pistol",
        "hr.member",
        "checked_in",
        "2026-03-14T17:30:00+01:00",
        recorded="2026-03-16T11:42:00+01:00",
        location="PNUSKOK evidence room, Zagreb",
        storage_location="PNUSKOK evidence room, Zagreb — firearms safe 3",
        purpose="Kept sealed until the examination",
    )
    story.event(
        "pistol",
        "hr.member",
        "checked_out",
        "2026-03-16T08:15:00+01:00",
        recorded="2026-03-16T11:44:00+01:00",
        location="PNUSKOK evidence room, Zagreb",
        storage_location="PNUSKOK evidence room, Zagreb — firearms safe 3",
        purpose="Taken to the Forensic Science Centre for examination",
        legal_basis=examination,
    )
    story.event(
        "pistol",
        "hr.member",
        "transferred",
        "2026-03-16T09:00:00+01:00",
        recorded="2026-03-16T11:46:00+01:00",
        location=lab,
        released_by="Insp. Tomislav Babić",
        released_by_party="HR — PNUSKOK",
        received_by="Dr. Ana Kos",
        received_by_party="HR — Forensic Science Centre Ivan Vučetić",
        purpose="Examination: restoration of the ground-off serial number; the conversion",
        packaging="Sealed evidence bag HR-PNU-0448815",
        condition="Seal intact",
        receipt_number="CFIIV-P-2026-0412",
        legal_basis=examination,
    )
    story.event(
        "pistol",
        "hr.member",
        "unsealed",
        "2026-03-16T09:20:00+01:00",
        recorded="2026-03-16T11:48:00+01:00",
        location=lab,
        seal_number="HR-PNU-0448815",
        seal_state="intact",
        purpose="Opened at the Centre for the examination, in the examiner's presence",
    )
    story.event(
        "pistol",
        "hr.member",
        "analysed",
        "2026-03-27T11:00:00+01:00",
        location=lab,
        purpose="Serial number restored as 12-M57-48221; converted from a blank-firing "
        "pistol, barrel replaced, fires 7.62×25 mm",
        method="Chemical etching of the frame (Fry's reagent); test firing; ballistic "
        "comparison in IBIS",
        notes=from_report,
        legal_basis=examination,
    )
    story.event(
        "pistol",
        "hr.member",
        "resealed",
        "2026-03-27T12:00:00+01:00",
        location=lab,
        seal_number="CFIIV-0091734",
        purpose="Resealed after the examination",
        notes=from_report,
    )
    story.event(
        "pistol",
        "hr.member",
        "transferred",
        "2026-03-30T10:00:00+02:00",
        location=lab,
        released_by="Dr. Ana Kos",
        released_by_party="HR — Forensic Science Centre Ivan Vučetić",
        received_by="Insp. Tomislav Babić",
        received_by_party="HR — PNUSKOK",
        purpose="Returned after the examination",
        packaging="Evidence bag sealed with the Centre's seal CFIIV-0091734",
        condition="Seal intact",
        receipt_number="CFIIV-P-2026-0412-R",
        legal_basis=examination,
    )
    story.event(
        "pistol",
        "hr.member",
        "checked_in",
        "2026-03-30T11:00:00+02:00",
        location="PNUSKOK evidence room, Zagreb",
        storage_location="PNUSKOK evidence room, Zagreb — firearms safe 3",
        purpose="Kept sealed for the proceedings",
    )

    story.item(
        "email",
        "at.member",
        "2026-03-18T10:00:00+01:00",
        lambda: [_upload("RE_Lieferung_Dienstag.eml", demo_files.email_message())],
        title="E-mail arranging the Tuesday shipment",
        item_type="communication-data",
        description="Mail seized from the Vienna transport company's account.",
        collected_by="Lukas Steiner, Bundeskriminalamt",
        when="2026-03-18T08:00:00+01:00",
        collected_time_zone="Europe/Vienna",
        collected_location="Vienna, mail provider disclosure",
        seized_from="transport-wien@example.org",
        legal_basis="§ 135 StPO, court-approved order of the Staatsanwaltschaft Wien",
        legal_reference="StA Wien 71 St 38/25p",
        handling_code="H2",
        handling_conditions="Not to be passed outside the JIT without the Staatsanwaltschaft Wien.",
        source_reliability="B",
        information_accuracy="2",
        tags="e-mail, shipment",
    )

    story.item(
        "warehouse",
        "nl.member",
        "2026-04-09T14:00:00+02:00",
        lambda: [
            _upload(
                "PV_doorzoeking_Waalhaven.pdf",
                demo_files.pdf(
                    "Proces-verbaal van doorzoeking — Waalhaven Oostzijde 12",
                    [
                        "On 9 April 2026 at 06:00 the unit searched the warehouse on the "
                        "authority of the rechter-commissaris.",
                        "Found: 38 kg of cocaine in 32 packages, 2 pistols of the Zastava type, "
                        "packing crates marked “Ersatzteile” matching those seen at Bajakovo.",
                    ],
                    "Politie Landelijke Eenheid · ON-2026-118 · PV 2026041",
                ),
            ),
            _upload("warehouse_overview.png", demo_files.warehouse_photo()),
        ],
        title="Search of the Waalhaven warehouse",
        item_type="document",
        description="Official report of the search with a photograph of the scene.",
        collected_by="Sanne Jansen, Politie Landelijke Eenheid",
        when="2026-04-09T06:00:00+02:00",
        collected_time_zone="Europe/Amsterdam",
        collected_location="Rotterdam, Waalhaven Oostzijde 12",
        seized_from="Warehouse unit 4",
        legal_basis="Art. 110 Sv (search by the rechter-commissaris)",
        legal_reference="ON-2026-118",
        source_reliability="A",
        information_accuracy="1",
        tags="search, Rotterdam, cocaine",
        language="en",
    )
    story.event(
        "warehouse",
        "nl.leader",
        "transferred",
        "2026-04-10T15:00:00+02:00",
        location="Landelijk Parket, Rotterdam",
        released_by="Sanne Jansen",
        released_by_party="NL — Politie Landelijke Eenheid",
        received_by="Pieter de Vries",
        received_by_party="NL — Landelijk Parket",
        purpose="Report handed to the prosecutor for the JIT file",
        packaging="Paper file in a sealed envelope",
        condition="Complete, 14 pages, envelope sealed",
        receipt_number="LP-ROT-2026-0410-3",
    )
    story.item(
        "debrief",
        "nl.leader",
        "2026-04-16T09:00:00+02:00",
        lambda: [
            _upload(
                "debrief_2026-04-15.txt",
                b"Source reports that 'H.' rents a second unit near the Maasvlakte.\n",
            )
        ],
        title="Debrief of a covert human intelligence source",
        item_type="document",
        collected_by="Criminal Intelligence Unit, Politie Rotterdam",
        when="2026-04-15T20:00:00+02:00",
        collected_time_zone="Europe/Amsterdam",
        collected_location="Rotterdam",
        legal_basis="Art. 126v Sv",
        visibility="leaders",
        handling_code="H3",
        handling_conditions="Source protection: no disclosure of the source or the debrief "
        "outside the JIT leaders; no use as evidence.",
        source_reliability="B",
        information_accuracy="3",
        tags="intelligence",
    )
    story.extract_text("2026-04-16T09:05:00+02:00")
