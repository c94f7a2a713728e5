"""Factories for request tests: a team with drafters of two parties, complete examples."""

from dataclasses import dataclass

import pytest

from jit.extensions import db

SIGNATURE = {
    "signatory_name": "mr. J. de Vries",
    "signatory_function": "Officier van justitie",
    "signed_place": "Rotterdam",
    "signed_on": "2026-11-20",
}

COMPLETE = {
    "eio": {
        "executing_state": "DE",
        "executing_authority": "Staatsanwaltschaft Köln",
        "is_urgent": "no",
        "measures": ["bank_accounts"],
        "measures_description": "Statements 2025–2026 of account DE89 3704 0044 0532 0130 00.",
        "h4_bank_accounts": "Payments for the converted pistols went through this account.",
        "has_earlier_eio": "no",
        "person_status": "suspect",
        "person_identity": "Marko Horvat, born 1984-02-11 in Split, Croatian national.",
        "proceedings_type": "criminal",
        "facts_summary": "A network converts alarm pistols and sells them in Rotterdam.",
        "legal_classification": "Art. 26 Wet wapens en munitie (trafficking in firearms).",
        "offence_categories": ["weapons"],
        "has_formalities": "no",
        "remedy_sought": "no",
        "remedy_information": "Rechtbank Rotterdam, raadkamer.",
        "authority_type": "prosecutor",
        "authority_name": "Openbaar Ministerie, Arrondissementsparket Rotterdam",
        "authority_file": "OP-1/NL/REQ-1",
        "authority_address": "Wilhelminaplein 100, 3072 DE Rotterdam",
        "authority_email": "parket.rotterdam@om.example",
        "authority_languages": "Dutch, English, German",
        "notifies_interception": "no",
        **SIGNATURE,
    },
    "mla": {
        "requesting_authority": "Openbaar Ministerie, Arrondissementsparket Rotterdam",
        "executing_state": "other",
        "executing_state_other": "RS",
        "requested_authority": "Ministry of Justice of the Republic of Serbia",
        "reference": "OP-1/NL/REQ-1",
        "legal_basis": "Article 18 UNTOC",
        "is_urgent": "no",
        "is_confidential": "no",
        "proceedings_subject": "Investigation into the trafficking of converted pistols.",
        "proceedings_authority": "Public prosecutor, Rotterdam",
        "facts_summary": "Converted Zoraki pistols reached Rotterdam through Serbia.",
        "offences": "Trafficking in firearms, Art. 26 Wet wapens en munitie.",
        "assistance_types": ["f"],
        "assistance_description": "Copies of the export records of the seller in Kragujevac.",
        "persons": "Marko Horvat, Croatian national, residing in Novi Sad.",
        "purpose": "To prove the route of the pistols.",
        "speciality_undertaking": "yes",
        "contact_name": "J. de Vries",
        "contact_email": "j.devries@om.example",
        **SIGNATURE,
    },
    "eaw": {
        "executing_state": "DE",
        "surname": "Horvat",
        "forenames": "Marko",
        "sex": "male",
        "nationality": "Croatian",
        "date_of_birth": "1984-02-11",
        "place_of_birth": "Split",
        "purpose": "prosecution",
        "decision": "Bevel tot aanhouding (arrest warrant) of the investigating judge",
        "decision_reference": "RC 26/1234",
        "decision_date": "2026-10-01",
        "max_penalty_months": 96,
        "offence_count": 2,
        "circumstances": "Between March and May 2026 in Rotterdam he sold 14 converted pistols.",
        "legal_classification": "Art. 26 Wet wapens en munitie.",
        "offence_categories": ["weapons"],
        "seize_property": "no",
        "life_sentence": "no",
        "authority_name": "Rechter-commissaris, Rechtbank Rotterdam",
        "authority_file": "RC 26/1234",
        "authority_address": "Wilhelminaplein 100, Rotterdam",
        "authority_email": "rc.rotterdam@rechtspraak.example",
        "authority_contact": "J. de Vries, +31 10 000 0000",
        **SIGNATURE,
    },
    "extradition": {
        "executing_state": "other",
        "executing_state_other": "RS",
        "requested_authority": "Ministry of Justice of the Republic of Serbia",
        "legal_bases": ["ece", "untoc"],
        "channel": "ministries",
        "reference": "OP-1/NL/EXT-1",
        "purpose": "prosecution",
        "decision": "Arrest warrant of the investigating judge, Rotterdam",
        "decision_reference": "RC 26/1234",
        "decision_date": "2026-10-01",
        "offences_statement": "Sale of 14 converted pistols.",
        "offences_from": "2026-03-01",
        "offences_to": "2026-05-31",
        "offences_place": "Rotterdam",
        "legal_description": "Trafficking in firearms.",
        "provisions": "Art. 26 Wet wapens en munitie: …",
        "penalties": "Up to 8 years' imprisonment.",
        "person_name": "Marko Horvat",
        "person_birth": "1984-02-11, Split",
        "person_nationality": "Croatian",
        "person_description": "1.82 m, scar on the left hand.",
        "dual_criminality": "Art. 348 of the Serbian Criminal Code.",
        "death_penalty": "not_applicable",
        "speciality": "yes",
        "authority_name": "Openbaar Ministerie Rotterdam",
        "contact_name": "J. de Vries",
        "contact_email": "j.devries@om.example",
        **SIGNATURE,
    },
    "tracing": {
        "executing_state": "other",
        "executing_state_other": "AT",
        "requested_agency": "Bundeskriminalamt, Waffenregister",
        "requesting_agency": "Politie Rotterdam",
        "reference": "OP-1/NL/TR-1",
        "legal_bases": ["iti"],
        "is_urgent": "no",
        "illicit_grounds": ["national_law", "unlicensed_transfer"],
        "legal_justification": "Possession without licence, Art. 26 Wet wapens en munitie.",
        "recovered_on": "2026-04-02",
        "recovered_at": "Rotterdam, Waalhaven 12",
        "recovery_circumstances": "Found in a crate of spare parts during a search.",
        "weapon_type": "pistol",
        "manufacturer": "Glock",
        "country_of_manufacture": "AT",
        "model": "17 Gen4",
        "calibre": "9×19 mm",
        "serial_frame": "BDKR123",
        "information_sought": ["transfers", "last_owner"],
        "intended_use": "To identify the point of diversion.",
        "is_confidential": "no",
        "contact_name": "Insp. P. Bakker",
        "contact_email": "p.bakker@politie.example",
        **SIGNATURE,
    },
}


@dataclass
class Crew:
    team: object
    nl_leader: object
    nl_member: object
    de_leader: object
    de_member: object


def access_of(membership):
    from jit.teams.access import TeamAccess

    return TeamAccess(team=membership.team, membership=membership)


@pytest.fixture
def crew(app, make_team, make_membership):
    """A team of NL and DE (Eurojust coordinates) with a leader and a member for each."""
    team = make_team()
    return Crew(
        team,
        make_membership(team, "leader", "NL"),
        make_membership(team, "member", "NL"),
        make_membership(team, "leader", "DE"),
        make_membership(team, "member", "DE"),
    )


@pytest.fixture
def make_bundle(app):
    """Return a factory: a draft of ``request_type`` by ``membership`` with ``values``."""
    from evidence.bundles import forms, services

    def factory(membership, request_type, values=None, *, items=(), language="en"):
        access = access_of(membership)
        bundle = services.create_bundle(access, request_type)
        if values is not None:
            services.save_values(access, bundle, forms.from_mapping(values), language)
        if items:
            services.select_evidence(access, bundle, [item.id for item in items])
        db.session.commit()
        return bundle

    return factory


def finalise(membership, bundle):
    from evidence.bundles import services
    from evidence.bundles.pdf import request_pdf

    services.finalise(
        access_of(membership), bundle, lambda document: request_pdf(document, sign=True)
    )
    db.session.commit()
    return bundle


from tests.bundles.package_fixtures import packaged  # noqa: E402, F401 (a fixture)
