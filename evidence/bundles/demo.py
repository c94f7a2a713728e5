"""`jit demo`: Iron Meridian's requests out of the team, each written on the timeline.

An EIO from the Netherlands to Austria for the bank records (final, in German), a final
MLA request from Croatia to Serbia (the route's source of converted pistols) with the
pistol's record after its leader's consent, a tracing request for that pistol left as
a draft, and an incomplete EAW draft so the completeness check can be seen.
"""

from datetime import date, datetime

import click
from sqlalchemy import select

from evidence.bundles import forms, review, services, tracking, tracking_services
from evidence.bundles.models import Bundle
from evidence.bundles.pdf import request_pdf
from evidence.models import EvidenceItem
from jit import gates
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.models import Team

TEAM_CODE = "IRON-MERIDIAN"

EIO_BANK = {
    # Germany is not a party: evidence from the parties' own states is gathered within
    # the team, with no EIO (Directive 2014/41/EU art. 3).
    "executing_state": "other",
    "executing_state_other": "DE",
    "executing_authority": "Staatsanwaltschaft München I",
    "is_urgent": "yes",
    "urgency_reasons": (
        "The account is in use: the last transfer was made on 2 April 2026. The holder is "
        "likely to learn of the Waalhaven search and move the money."
    ),
    "deadline": "2026-06-15",
    "measures": ["bank_accounts", "bank_operations"],
    "measures_description": (
        "Identification of the holder and statements (1 May 2025 – 30 April 2026) of "
        "account DE92 7015 0000 1004 5283 79 at a Munich bank, and of the transfers to the "
        "Rotterdam warehouse tenant."
    ),
    "h4_bank_accounts": (
        "The warehouse rent and the van hire were paid from this account; the IBAN appears "
        "on the invoices found in the Waalhaven search (NL-0001)."
    ),
    "h5_bank_operations": "The transfers show who financed the shipments of 12 March and 9 April.",
    "has_earlier_eio": "no",
    "person_status": "suspect",
    "person_identity": (
        "Dragan K., born 1979, Serbian national, residing in Munich (details in the annex)."
    ),
    "proceedings_type": "criminal",
    "facts_summary": (
        "An organised group moves converted pistols from Croatia through Austria to Rotterdam "
        "and is paid in cocaine shipped back along the same route. On 9 April 2026 the "
        "Waalhaven warehouse was searched; invoices there name the Munich account."
    ),
    "legal_classification": (
        "Art. 26 and 31 Wet wapens en munitie; art. 140 Wetboek van Strafrecht "
        "(participation in a criminal organisation)."
    ),
    "offence_categories": ["criminal_organisation", "weapons", "drugs"],
    "offences_from": "2025-05-01",
    "offences_to": "2026-04-09",
    "has_formalities": "no",
    "remedy_sought": "no",
    "remedy_information": "Rechtbank Rotterdam, raadkamer (art. 552a Sv).",
    "authority_type": "prosecutor",
    "authority_name": "Landelijk Parket, Openbaar Ministerie",
    "authority_file": "IRON-MERIDIAN/NL/EIO-1",
    "authority_address": "Wilhelminakade 179, 3072 AP Rotterdam, Netherlands",
    "authority_email": "landelijkparket@om.example",
    "authority_languages": "Dutch, English, German",
    "notifies_interception": "no",
    "signatory_name": "Pieter de Vries",
    "signatory_function": "Officier van justitie",
    "signed_place": "Rotterdam",
    "signed_on": "2026-05-04",
}

MLA_SERBIA = {
    "requesting_authority": (
        "USKOK — Office for the Suppression of Corruption and Organised Crime, Zagreb"
    ),
    "executing_state": "other",
    "executing_state_other": "RS",
    "requested_authority": (
        "Ministry of Justice of the Republic of Serbia, "
        "Department for International Legal Assistance"
    ),
    "reference": "USKOK K-US-214/2025-MLA-1",
    "legal_basis": (
        "Article 18 UNTOC; European Convention on Mutual Assistance in Criminal Matters (1959)"
    ),
    "is_urgent": "no",
    "is_confidential": "yes",
    "confidentiality_reasons": "The suspects in Serbia are not aware of the investigation.",
    "proceedings_subject": (
        "Investigation of an organised group trafficking converted firearms (USKOK K-US-214/2025)."
    ),
    "proceedings_authority": "USKOK, Zagreb — the prosecution office conducting the investigation",
    "proceedings_reference": "USKOK K-US-214/2025",
    "facts_summary": (
        "On 14 March 2026 Croatian police found 14 converted pistols in a van entering Croatia "
        "from Serbia at the Bajakovo border crossing. "
        "The pistols are Zastava M57 and blank-firing pistols converted to fire live rounds; "
        "markings point to a workshop in Kragujevac."
    ),
    "offences": (
        "Art. 331 Croatian Criminal Code (illegal possession, "
        "manufacture and acquisition of weapons)."
    ),
    "offences_from": "2025-10-01",
    "offences_to": "2026-03-14",
    "assistance_types": ["a", "f"],
    "assistance_description": (
        "1. Copies of the sales and export records of blank-firing pistols sold to the "
        "company named in the annex. 2. Hearing of the workshop's manager as a witness."
    ),
    "procedure": "Questions to the witness as in the annex; a Croatian prosecutor may attend.",
    "videoconference": "no",
    "persons": "Workshop manager, Kragujevac (name and address in the annex), Serbian national.",
    "purpose": "To establish where and by whom the pistols were converted and sold.",
    "speciality_undertaking": "yes",
    "contact_name": "Ivana Horvat",
    "contact_phone": "+385 1 000 0000",
    "contact_email": "ivana.horvat@uskok.example",
    "transmission": "Results through the Ministry of Justice of the Republic of Croatia.",
    "signatory_name": "Ivana Horvat",
    "signatory_function": "USKOK prosecutor",
    "signed_place": "Zagreb",
    "signed_on": "2026-05-07",
}

TRACING_PISTOL = {
    "executing_state": "other",
    "executing_state_other": "RS",
    "requested_agency": (
        "Ministry of Interior of the Republic of Serbia — national firearms point of contact"
    ),
    "requesting_agency": "PNUSKOK Zagreb, Croatian police",
    "reference": "PNUSKOK-ZG-2026-0314-TR-1",
    "legal_bases": ["iti", "protocol"],
    "is_urgent": "no",
    "illicit_grounds": ["national_law", "unlicensed_transfer"],
    "legal_justification": (
        "Converted and carried without a licence: Art. 331 Croatian Criminal Code."
    ),
    "recovered_on": "2026-03-14",
    "recovered_at": "Bajakovo border crossing, Croatia",
    "recovery_circumstances": "Box 7 of 12 in the hidden compartment of van ZG 4471-KP.",
    "weapon_type": "pistol",
    "manufacturer": "Zastava Oružje",
    "country_of_manufacture": "RS",
    "model": "M57",
    "calibre": "7.62×25 mm",
    "serial_frame": "12-M57-48221 (partly ground off, recovered)",
    "other_marks": "Yugoslav proof mark",
    "alterations": "Barrel replaced; serial number partly obliterated.",
    "information_sought": ["manufacture", "export_import", "last_owner"],
    "intended_use": "Evidence in USKOK K-US-214/2025 of the point of diversion.",
    "is_confidential": "yes",
    "confidentiality_conditions": "Not to be shared beyond the firearms point of contact.",
    "contact_name": "Tomislav Babić",
    "contact_email": "tomislav.babic@policija.example",
    "signatory_name": "Tomislav Babić",
    "signatory_function": "PNUSKOK investigator",
    "signed_place": "Zagreb",
    "signed_on": "2026-05-08",
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _item(team, exhibit: str) -> EvidenceItem | None:
    return db.session.scalar(
        select(EvidenceItem).where(
            EvidenceItem.team_id == team.id, EvidenceItem.exhibit_number == exhibit
        )
    )


def _sign(document) -> bytes:
    return request_pdf(document, sign=True)


class _Requests:
    """The team's requests as they were drafted, consented to and finalised."""

    def __init__(self, team, timeline):
        from evidence.demo import _access

        self.team, self.timeline, self.access = team, timeline, _access
        self.bundles: dict[str, Bundle] = {}

    def at(self, moment: str, step) -> None:
        def run():
            if not gates.may(self.team, "draft_bundle"):
                return
            step()

        self.timeline.at(_at(moment), run)

    def draft(self, key, person, request_type, state, values, exhibits=(), language=None):
        def step():
            access = self.access(self.team, person)
            bundle = services.create_bundle(access, request_type, state, language=language)
            if values:
                reader = forms.from_mapping(bundle.values | values)
                services.save_values(access, bundle, reader, bundle.language)
            items = [item for item in (_item(self.team, e) for e in exhibits) if item]
            if items:
                services.select_evidence(access, bundle, [item.id for item in items])
            self.bundles[key] = bundle

        return step

    def consent(self, key, person, exhibit, purpose):
        def step():
            item = _item(self.team, exhibit)
            if key in self.bundles and item is not None:
                access = self.access(self.team, person)
                services.record_consent(access, self.bundles[key], item, purpose)

        return step

    def finalise(self, key, person):
        def step():
            if key in self.bundles:
                services.finalise(self.access(self.team, person), self.bundles[key], _sign)

        return step

    def share(self, key, person, reviewer):
        def step():
            if key in self.bundles:
                judge = self.access(self.team, reviewer).membership
                review.share(self.access(self.team, person), self.bundles[key], judge.id)

        return step

    def track(self, key, person, status, reference="", **dates):
        def step():
            if key in self.bundles:
                access, bundle = self.access(self.team, person), self.bundles[key]
                on = tracking.today(utcnow())  # the timeline freezes the clock at the step
                tracking_services.change_status(
                    access, bundle, status, occurred_on=on, reference=reference, **dates
                )

        return step


def schedule(timeline) -> None:
    """Add Iron Meridian's requests to the demo, once."""
    team = db.session.scalar(select(Team).where(Team.code == TEAM_CODE))
    if team is None or db.session.scalar(select(Bundle.id).where(Bundle.team_id == team.id)):
        return
    story = _Requests(team, timeline)
    story.at(
        "2026-05-04T09:00:00+02:00",
        story.draft("eio", "nl.member", "eio", "DE", EIO_BANK, ["NL-0001"], language="de"),
    )
    story.at("2026-05-04T11:30:00+02:00", story.finalise("eio", "nl.leader"))
    # Sent to Munich, recognised there; its execution is overdue by now. The judge reviews it.
    story.at("2026-05-05T09:00:00+02:00", story.track("eio", "nl.leader", "sent"))
    story.at("2026-05-05T09:10:00+02:00", story.share("eio", "nl.leader", "judge"))
    story.at(
        "2026-05-08T11:00:00+02:00",
        story.track("eio", "nl.member", "acknowledged", "StA München I 115 Js 4711/26"),
    )
    story.at(
        "2026-05-20T14:00:00+02:00",
        story.track("eio", "nl.member", "acknowledged", recognised_on=date(2026, 5, 19)),
    )
    story.at(
        "2026-05-06T10:00:00+02:00",
        story.draft("mla", "hr.member", "mla", "RS", MLA_SERBIA, ["HR-0002"]),
    )
    story.at(
        "2026-05-06T15:00:00+02:00",
        story.consent(
            "mla",
            "hr.leader",
            "HR-0002",
            "For the Serbian authorities' execution of this request only (Art. 18(19) UNTOC).",
        ),
    )
    story.at("2026-05-07T10:00:00+02:00", story.finalise("mla", "hr.leader"))
    story.at(
        "2026-05-08T09:00:00+02:00",
        story.draft("tracing", "hr.member", "tracing", "RS", TRACING_PISTOL, ["HR-0002"]),
    )
    story.at(
        "2026-05-12T16:00:00+02:00",
        story.draft(
            "eaw",
            "nl.member",
            "eaw",
            "HR",
            {"surname": "K.", "forenames": "Dragan", "purpose": "prosecution"},
        ),
    )
    story.at(
        "2026-05-12T16:05:00+02:00",
        lambda: click.echo(f"Demo requests: {len(story.bundles)} in {TEAM_CODE}."),
    )
