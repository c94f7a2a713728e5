"""What a new request starts with: the facts the workspace already knows."""

from evidence.bundles import addressees
from evidence.bundles.instruments import Instrument
from evidence.bundles.instruments.common import OTHER_STATE
from jit import signals
from jit.i18n import LANGUAGES
from jit.teams.access import TeamAccess

# The language an executing state's authorities are proposed to receive a request in
# (Directive 2014/41/EU art. 5(2), FD 2002/584/JHA art. 8(2), UNTOC art. 18(14)),
# among the languages the catalogues hold; the drafter may choose another.
STATE_LANGUAGES = {
    "AT": "de", "DE": "de", "LI": "de", "CH": "de",
    "FR": "fr", "LU": "fr", "MC": "fr",
    "NL": "nl", "BE": "nl", "SR": "nl",
    "HR": "hr", "BA": "hr",
}  # fmt: skip


def proposed_language(state: str | None, offered=LANGUAGES, accepted=()) -> str:
    """Return the language proposed for a request to ``state``, among ``offered``.

    The first of the languages the executing authority accepts (``accepted``, from the
    directory) that is offered; else the state's language if offered; else English.
    """
    for language in accepted:
        if language in offered:
            return language
    language = STATE_LANGUAGES.get(state or "", "en")
    return language if language in offered else "en"


def authority_languages(request_type: str, state: str | None) -> list[str]:
    """Return the languages the directory says the executing authority accepts."""
    entry = addressees.proposed(request_type, state)
    return entry.language_list if entry is not None else []


def agreement_facts(team) -> dict:
    """Return what the agreement in force says (reference, version, purpose, offences)."""
    return signals.first_value(signals.agreement_facts, team) or {}


def _executing_authority(instrument: Instrument, state: str | None, party) -> str:
    # The directory's competent authority first: the team's partner may not be it.
    listed = addressees.proposed(instrument.code, state)
    if listed is not None:
        return addressees.describe(listed)
    return party.authority if party else ""


def workspace_facts(
    access: TeamAccess, instrument: Instrument, number: int, executing_state: str | None
) -> dict:
    """Return the facts fields may start with, keyed by :attr:`Field.prefill`."""
    team, party = access.team, access.party
    agreement = agreement_facts(team)
    executing_party = next(
        (p for p in team.parties if executing_state and p.country_code == executing_state), None
    )
    legal_basis = instrument.legal_basis
    if agreement.get("reference"):
        legal_basis += (
            f"; agreement setting up the joint investigation team {agreement['reference']}"
        )
    return {
        "issuing_authority": party.authority,
        "executing_state": executing_state,
        "executing_authority": _executing_authority(instrument, executing_state, executing_party),
        "reference": f"{team.code}/{party.short_label}/REQ-{number}",
        "legal_basis": legal_basis,
        "purpose": agreement.get("purpose", ""),
        "offences": agreement.get("offences", ""),
        "proceedings": agreement.get("proceedings", ""),
    }


def initial_values(instrument: Instrument, facts: dict, party_states: set[str]) -> dict:
    """Return the values a new request of ``instrument`` starts with."""
    values: dict = {}
    for _section, field in instrument.fields():
        if field.prefill and facts.get(field.prefill):
            values[field.key] = facts[field.prefill]
    state = values.pop("executing_state", None)
    if state:
        if state in party_states:
            values["executing_state"] = state
        else:
            values["executing_state"], values["executing_state_other"] = OTHER_STATE, state
    return values
