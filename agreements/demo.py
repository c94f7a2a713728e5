"""Demo: Iron Meridian's agreement, signed in 2025 and extended once, and its mid-term
evaluation. Written through the real services (each leader re-authenticates with the
demo password), each step on the demo timeline at the date it happened."""

from datetime import UTC, datetime
from functools import partial

from agreements import evaluations, services, signing
from agreements.status import agreement_of
from jit.demo import DOMAIN, IRON_MERIDIAN, demo_password
from jit.extensions import db
from jit.teams.access import team_access_for


def _at(day: str, time: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=UTC)


def _access(key: str):
    from jit.accounts.services import find_user_by_email

    return team_access_for(find_user_by_email(f"{key}@{DOMAIN}"), IRON_MERIDIAN.code)


def _person(key: str, party: str, function: str, **extra) -> dict:
    person = next(p for p in IRON_MERIDIAN.people if p.key == key)
    return {
        "party": party,
        "name": person.name,
        "email": f"{key}@{DOMAIN}",
        "function": function,
        **extra,
    }


PURPOSE = (
    "To investigate an organised crime group that converts blank-firing and deactivated "
    "firearms into live weapons in workshops near Zagreb, moves them with ammunition by "
    "road through Austria to the Netherlands, and is paid in cocaine shipped back along "
    "the same route, from at least January 2024.\n"
    "To identify the members of the group, the workshops, couriers, vehicles and payment "
    "channels; to trace the weapons; to secure evidence admissible in the courts of each "
    "party; and to prepare coordinated arrests, searches and seizures."
)


def _content(team) -> dict:
    parties = {services.party_key(p): p for p in team.parties}
    return {
        "schema": "jit-agreement/2",
        "reference": "JIT IRON-MERIDIAN / Eurojust 2025/0418",
        "title": "Agreement on the setting up of a joint investigation team between Croatia, "
        "Austria and the Netherlands — Operation Iron Meridian",
        # An all-EU team: the 2000 Convention and the Framework Decision; UNTOC art. 19
        # would add nothing between Member States.
        "legal_basis": ["EU_MLA_2000_ART13", "FD_2002_465_JHA"],
        "legal_basis_other": "",
        "parties": [
            {"party": "HR", "authority": parties["HR"].authority, "role": "party"},
            {"party": "AT", "authority": parties["AT"].authority, "role": "party"},
            {"party": "NL", "authority": parties["NL"].authority, "role": "party"},
            {
                "party": "EUROJUST",
                "authority": parties["EUROJUST"].authority,
                "role": "participant",
            },
            {"party": "EUROPOL", "authority": parties["EUROPOL"].authority, "role": "participant"},
        ],
        "purpose": {
            "text": PURPOSE,
            "offences": "Illicit manufacturing of and trafficking in firearms, their parts and "
            "ammunition; drug trafficking (cocaine); participation in a criminal organisation; "
            "money laundering",
            "proceedings": "HR: USKOK K-US-214/2025\nAT: StA Wien 71 St 38/25p\n"
            "NL: Landelijk Parket 09/921004-25 (26Meridiaan)",
        },
        "period": {"entry_into_force": "signature", "starts_on": None, "expires_on": "2026-09-14"},
        # The Article's fixed text already says whose law applies; the note adds only
        # what this team agreed beyond it.
        "operating_states": {
            "states": ["HR", "AT", "NL"],
            "note": "Croatia for the workshops and the route to the border, Austria for the "
            "transit and the Vienna contacts, the Netherlands for the buyers and the cocaine "
            "payments.",
        },
        "leaders": [
            _person("hr.leader", "HR", "Deputy Head, USKOK Zagreb"),
            _person("at.leader", "AT", "Staatsanwältin, Staatsanwaltschaft Wien"),
            _person("nl.leader", "NL", "Officier van justitie, Landelijk Parket"),
        ],
        "members": [
            _person("hr.member", "HR", "Inspector, PNUSKOK Zagreb"),
            _person("at.member", "AT", "Chefinspektor, Bundeskriminalamt"),
            _person("nl.member", "NL", "Rechercheur, Landelijke Eenheid"),
            {
                "party": "AT",
                "name": "Johanna Berger",
                "email": "johanna.berger@bk.demo.example",
                "function": "Financial investigator, Bundeskriminalamt",
            },
        ],
        "participants": [
            # Eurojust takes part through its national members (Article 1, Appendix I).
            {
                "party": "EUROJUST",
                "name": "Nikola Jurić",
                "email": "nikola.juric@demo.example",
                "function": "National Member for Croatia, Eurojust",
                "scope": "Coordination of the parties' judicial authorities with the national "
                "members for Austria and the Netherlands; coordination meetings and the "
                "coordination centre on action days; Eurojust funding",
                "may_read_evidence": False,
            },
            _person(
                "europol",
                "EUROPOL",
                "Analyst, AP Weapons & Explosives",
                scope="Operational analysis, cross-matching in Europol systems, mobile office "
                "on action days",
                may_read_evidence=True,
            ),
            _person(
                "eurojust.analyst",
                "EUROJUST",
                "Firearms analyst, Eurojust",
                scope="Analysis of the firearms the team seizes and of their tracing; "
                "information from the team reaches another case only with the consent under "
                "Article 11(b)",
                may_read_evidence=True,
            ),
        ],
        "general_conditions": (
            "The team acts under Article 13 of the 2000 Convention and Framework Decision "
            "2002/465/JHA as implemented in each party: in Croatia the Act on Judicial "
            "Cooperation in Criminal Matters with EU Member States, in Austria the EU-JZG, "
            "in the Netherlands the Code of Criminal Procedure (Book 5, Title 2)."
        ),
        "organisation": (
            "The leaders agree an operational action plan, kept confidential and outside "
            "this agreement, and review it at coordination meetings at Eurojust at least "
            "every three months. The Croatian leader convenes them."
        ),
        "measures": (
            "Seconded members may be present at investigative measures in the state of "
            "operation and may, under the law of that state, be entrusted with measures by "
            "the leader there; they may ask their own authorities to take measures without "
            "a request for assistance. Controlled deliveries along the route are coordinated "
            "through the leaders of all three parties."
        ),
        "information_use": {
            "other_purposes": "",
            "consent_conditions": "Consent under (b) is asked of the leader of the state "
            "where the information became available, in writing through the workspace.",
            "admissibility": "Each party informs the others without delay of any rule of its "
            "law on the admissibility of evidence gathered by the team, and of any obligation "
            "to disclose material to the defence.",
        },
        "confidentiality": "Information exchanged in the team is confidential and handled "
        "under each party's data protection law and Directive (EU) 2016/680. Handling codes "
        "H0–H3 set by the providing party bind every member.",
        # Five years after the team ends: long enough for the trials in four states.
        "retention_years": 5,
        "media": "No party communicates with the media about the team without the agreement "
        "of the others; press releases after action days are agreed through Eurojust.",
        "costs_liability": "Each party bears the costs of its own members. Funding is sought "
        "from Eurojust for travel, interpretation and the transport of seized firearms. "
        "Liability follows Articles 15 and 16 of the 2000 Convention.",
        "languages": ["English"],
        "workspace": {
            "is_used": True,
            "access_rules": "Members read all items with visibility 'team'; items marked "
            "'party' are read only by the originating party; Europol's analyst reads evidence "
            "for analysis and adds analysis products. Reviewing judges see only the bundles "
            "shared with them.",
        },
        "evaluation": {
            "mid_term_on": "2026-03-31",
            "arrangements": "A mid-term evaluation at the coordination meeting of March 2026 "
            "and a final evaluation within three months of expiry, with the JITs Network form.",
        },
        "time_zone": "Europe/Zagreb",
        "appendix_i": "Eurojust (the national desks of Croatia, Austria and the Netherlands) "
        "supports the coordination, hosts coordination meetings and the coordination centre "
        "on action days, and administers the workspace.\nEuropol (Analysis Project Weapons "
        "& Explosives) provides operational analysis and cross-matching and a mobile office "
        "on action days. Neither body exercises investigative powers in the team.",
    }


SIGNATURES = {
    1: [
        ("hr.leader", "Deputy Head, USKOK Zagreb", "Zagreb", "2025-09-10", "09:20"),
        ("at.leader", "Staatsanwältin", "Wien", "2025-09-12", "14:05"),
        ("nl.leader", "Officier van justitie", "Den Haag", "2025-09-15", "11:40"),
    ],
    2: [
        ("nl.leader", "Officier van justitie", "Rotterdam", "2026-08-26", "16:10"),
        ("hr.leader", "Deputy Head, USKOK Zagreb", "Zagreb", "2026-08-28", "08:45"),
        ("at.leader", "Staatsanwältin", "Wien", "2026-09-02", "10:30"),
    ],
}

EVALUATION = {
    "hr.leader": {
        "setting_up": "The need was identified from PNUSKOK's seizure of four converted "
        "pistols in Sesvete and Europol cross-matches with Austrian and Dutch cases. The "
        "agreement was drafted in English at Eurojust within five weeks.",
        "operational": "Controlled delivery of one consignment (October 2025) allowed the "
        "route and two couriers to be identified. Coordination meetings every three months.",
        "prosecution": "Proceedings will be concentrated in Croatia for the workshop "
        "offences; transfer of proceedings for the Dutch buyers is being discussed.",
        "arrests": 3,
        "searches": 5,
        "firearms_seized": 14,
        "ammunition_seized": 2600,
        "drugs_seized": "",
        "convictions": 0,
        "eios_issued": 0,
        "eaws_issued": 0,
        "mla_issued": 0,
        "eurojust_funding_eur": "14200.00",
        "assets_seized_eur": "48000.00",
        "assets_recovered_eur": "",
        "legal_issues": "Austrian law asked for a court authorisation for the controlled "
        "delivery through Austria; the Staatsanwaltschaft Wien obtained it within a week.",
        "added_value": "Direct exchange of evidence without MLA requests saved months.",
        "lessons_learned": "Involve Europol's weapons experts before the first action day.",
    },
    "nl.leader": {
        "setting_up": "Swift national approval; the English-only agreement was accepted.",
        "operational": "The Dutch part focused on the buyers and the cocaine payments. "
        "Interception material was shared through the workspace with handling code H1.",
        "prosecution": "Admissibility of Croatian intercepts in Dutch courts to be "
        "confirmed; disclosure rules exchanged.",
        "arrests": 4,
        "searches": 6,
        "firearms_seized": 9,
        "ammunition_seized": 1150,
        "drugs_seized": "Cocaine: 212 kg (Port of Rotterdam, February 2026)",
        "convictions": 0,
        "eios_issued": 0,
        "eaws_issued": 0,
        "mla_issued": 0,
        "eurojust_funding_eur": "9850.00",
        "assets_seized_eur": "310500.00",
        "assets_recovered_eur": "",
        "legal_issues": "Whether Croatian intercepts are admissible in the Netherlands "
        "without a Dutch authorisation; disclosure of the Croatian file to the defence.",
        "added_value": "Eurojust's coordination centre made the joint action day possible.",
        "lessons_learned": "Agree the media line before the action day, not after.",
    },
}


def schedule(timeline) -> None:
    """Give Iron Meridian its agreement (original + extension) and evaluation, once."""
    from jit.teams.models import Team

    team = db.session.scalar(db.select(Team).where(Team.code == IRON_MERIDIAN.code))
    if team is None or agreement_of(team) is not None:
        return

    def draft_original():
        original = services.start_version(_access("coordinator"), "original")
        services.save_draft(_access("coordinator"), original, _content(team))

    def draft_extension():
        extension = services.start_version(
            _access("coordinator"),
            "extension",
            "Extension by twelve months to complete the financial investigation into the "
            "cocaine payments and to support the trial phase in Croatia.",
        )
        content = dict(extension.content)
        content["period"] = dict(content["period"], expires_on="2027-09-14")
        services.save_draft(_access("coordinator"), extension, content)

    def start_evaluation():
        evaluations.start(_access("coordinator"), "mid_term")

    def contribute(key, answers):
        evaluation = evaluations.evaluation_of(team, "mid_term")
        evaluations.save_contribution(_access(key), evaluation, answers)

    timeline.at(_at("2025-08-18", "09:00"), draft_original)
    _schedule_signatures(timeline, 1)
    timeline.at(_at("2026-03-05", "09:00"), start_evaluation)
    for key, answers in EVALUATION.items():
        timeline.at(_at("2026-03-20", "12:00"), partial(contribute, key, answers))
    timeline.at(_at("2026-08-20", "15:00"), draft_extension)
    _schedule_signatures(timeline, 2)


def _schedule_signatures(timeline, number: int) -> None:
    password = demo_password()

    def sign(key, function, place):
        access = _access(key)
        version = services.version_by_number(access.team, number)
        signing.sign(access, version, password=password, function=function, place=place)

    for key, function, place, day, time in SIGNATURES[number]:
        timeline.at(_at(day, time), partial(sign, key, function, place))
