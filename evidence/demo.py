"""Demo evidence for Operation Iron Meridian: documents, e-mail, images, a firearm, an analysis.

Each item is created through the services (exhibit numbers, custody, audit) with files
generated here, then given a plausible history: sealing, hand-overs between the parties'
services, analysis. Safe to run again: a team that already has evidence is left alone.
"""

import struct
import zlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import click
from sqlalchemy import select

from evidence import custody_events, services, storage
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


def _png(width: int, height: int, paint) -> bytes:
    """Encode an RGB image whose pixel colours ``paint(x, y)`` returns."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(paint(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


def _pistol_photo() -> bytes:
    """A evidence-table photograph: a pistol silhouette on grey with a scale bar."""

    def paint(x, y):
        on_slide = 120 <= x <= 380 and 110 <= y <= 150
        on_grip = 300 <= x <= 350 and 150 <= y <= 250 and x - 300 < (y - 150) * 0.3 + 45
        on_guard = 250 <= x <= 300 and 150 <= y <= 185 and not (260 < x < 290 and y < 178)
        if on_slide or on_grip or on_guard:
            return (32, 34, 38)
        if 40 <= x <= 240 and 280 <= y <= 290:
            return (255, 255, 255) if (x - 40) // 20 % 2 else (20, 20, 20)
        shade = 150 + (x + y) // 16 % 6
        return (shade, shade, shade + 4)

    return _png(480, 320, paint)


def _warehouse_photo() -> bytes:
    def paint(x, y):
        if y > 220:
            return (90, 86, 80)
        if 60 <= x <= 200 and 120 <= y <= 220:
            return (150, 110, 60) if (y // 12) % 2 else (135, 98, 52)
        if 240 <= x <= 420 and 90 <= y <= 220:
            return (60, 90, 130) if (x // 30) % 2 else (52, 80, 118)
        return (200, 204, 210)

    return _png(480, 320, paint)


def _pdf(title: str, paragraphs: list[str], reference: str) -> bytes:
    from flask import current_app
    from weasyprint import CSS, HTML

    from jit.pdf import BASE_URL, static_fetcher

    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    markup = (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<p class='ref'>{reference}</p><h1>{title}</h1>{body}"
        "<p class='sig'>Signed electronically. Page 1 of 1.</p></body></html>"
    )
    css = CSS(
        string="@page { size: A4; margin: 25mm } body { font: 11pt 'DejaVu Sans' } "
        "h1 { font-size: 16pt } .ref { color: #555; font-size: 9pt } "
        ".sig { margin-top: 20mm; font-style: italic }",
    )
    fetcher = static_fetcher(current_app.static_folder)
    return HTML(string=markup, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(stylesheets=[css])


def _email() -> bytes:
    message = EmailMessage()
    message["From"] = "Dragan K. <dk.logistics@example.net>"
    message["To"] = "transport-wien@example.org"
    message["Date"] = format_datetime(_at("2026-02-27T18:42:00+01:00"))
    message["Subject"] = "Re: Lieferung Dienstag / pošiljka utorak"
    message["Message-ID"] = "<20260227184200.4411@example.net>"
    message.set_content(
        'Hallo,\n\nthe parts ("Ersatzteile") leave Zagreb on Tuesday with the white van, '
        "12 boxes as agreed, over Macelj and Spielfeld. Payment as last time: the returning "
        "load.\nDriver will call from Spielfeld.\n\nD.\n"
    )
    return message.as_bytes()


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
        ``recorded``, for one that happened before its item was uploaded)."""
        recorded = _at(fields.pop("recorded")) if "recorded" in fields else _at(when) + ENTERED

        def run():
            if not self._allowed() or key not in self.items:
                return
            access = _access(self.team, person)
            data = custody_events.EventInput(
                event_type=event_type,
                occurred_at=_at(when),
                time_zone=fields.pop("time_zone", access.user.time_zone),
                **fields,
            )
            custody_events.record_event(access, self.items[key], data)

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
                _pdf(
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
                    "PNUSKOK Zagreb · KR-US-14/2026 · 2026-03-16",
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
        legal_reference="USKOK KR-US-14/2026",
        source_reliability="A",
        information_accuracy="1",
        tags="phone, border, Bajakovo, van",
    )
    # Seized at Bajakovo at 09:30, driven to Zagreb (about three hours on the A3),
    # imaged there, then sealed: the events are entered once the item was uploaded.
    story.event(
        "handset",
        "hr.member",
        "acquired",
        "2026-03-14T13:30:00+01:00",
        recorded="2026-03-16T11:15:00+01:00",
        location="PNUSKOK forensic laboratory, Zagreb",
        method="Cellebrite UFED 7.69, full file system extraction; SHA-256 of the image "
        "verified after acquisition",
        purpose="Forensic image of the handset before analysis",
        legal_basis="Art. 257 ZKP (search of a mobile device), order of the investigating judge",
    )
    story.event(
        "handset",
        "hr.member",
        "sealed",
        "2026-03-14T15:25:00+01:00",
        recorded="2026-03-16T11:20:00+01:00",
        location="PNUSKOK evidence room, Zagreb",
        seal_number="HR-PNU-0448812",
        purpose="Sealed in an evidence bag after acquisition",
    )
    story.event(
        "handset",
        "hr.leader",
        "transferred",
        "2026-03-20T10:00:00+01:00",
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
        "handset",
        "at.member",
        "analysed",
        "2026-03-24T14:30:00+01:00",
        time_zone="Europe/Vienna",
        location="Bundeskriminalamt, Vienna",
        purpose="Contact and location analysis of the extraction",
        method="Physical Analyzer 7.69, i2 Analyst's Notebook 10",
    )
    story.event(
        "handset",
        "at.member",
        "transferred",
        "2026-04-02T09:15:00+02:00",
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
    story.item(
        "analysis",
        "at.member",
        "2026-03-24T16:30:00+01:00",
        lambda: [
            _upload(
                "analysis_contacts_bajakovo.txt",
                (
                    "Analysis of HR-0001 (handset, Bajakovo)\n\n"
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
        parent="handset",
        derivation="analysis",
        source_reliability="B",
        information_accuracy="2",
        tags="phone, analysis",
    )

    story.item(
        "pistol",
        "hr.member",
        "2026-03-16T11:30:00+01:00",
        lambda: [
            _upload("IMG_20260314_1204_Zastava_M57.png", _pistol_photo()),
            _upload(
                "firearm_record.txt",
                (
                    b"Firearm record\nMake/model: Zastava M57 (7.62x25), converted from a "
                    b"blank-firing pistol\nSerial: 12-M57-48221 (partly ground off, recovered)\n"
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
        legal_reference="USKOK KR-US-14/2026",
        handling_code="H1",
        handling_conditions="Use in judicial proceedings only with USKOK's written consent.",
        source_reliability="A",
        information_accuracy="1",
        tags="firearm, border, van, tracing",
    )
    story.event(
        "pistol",
        "hr.member",
        "sealed",
        "2026-03-14T12:30:00+01:00",
        recorded="2026-03-16T11:40:00+01:00",
        location="Bajakovo border crossing",
        seal_number="HR-PNU-0448815",
        purpose="Sealed and sent to the Forensic Science Centre Ivan Vučetić",
    )

    story.item(
        "email",
        "at.member",
        "2026-03-18T10:00:00+01:00",
        lambda: [_upload("RE_Lieferung_Dienstag.eml", _email())],
        title="E-mail arranging the Tuesday shipment",
        item_type="communication-data",
        description="Mail seized from the Vienna transport company's account.",
        collected_by="Lukas Steiner, Bundeskriminalamt",
        when="2026-03-18T08:00:00+01:00",
        collected_time_zone="Europe/Vienna",
        collected_location="Vienna, mail provider disclosure",
        seized_from="transport-wien@example.org",
        legal_basis="§ 135 StPO, court-approved order of the Staatsanwaltschaft Wien",
        legal_reference="StA Wien 712 St 41/26m",
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
                _pdf(
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
            _upload("warehouse_overview.png", _warehouse_photo()),
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
