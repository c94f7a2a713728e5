"""What was typed into a field that no longer applies stays in the draft, out of the request.

The draft keeps it, so that ticking the measure again brings the text back; the request
document — its JSON, its content hash, its PDF and its text — carries only what applies.
"""

from evidence.bundles import services
from evidence.bundles.document import content_hash, request_document, request_text
from tests.bundles.conftest import COMPLETE

INTERCEPTION = {
    "h7_interception": "Target +31 6 1234 5678, 30 days, reasons in the annex.",
    "c_period": "From 1 December 2026, for 30 days.",
    "c_target": "Marko Horvat, +31 6 1234 5678.",
}


def test_values_of_fields_that_do_not_apply_stay_out_of_the_request(
    client, auth, crew, make_bundle
):
    # Interception is not among the measures and no Annex C notification is attached.
    assert "interception" not in COMPLETE["eio"]["measures"]
    assert COMPLETE["eio"]["notifies_interception"] == "no"
    stale = make_bundle(crew.nl_member, "eio", COMPLETE["eio"] | INTERCEPTION)
    clean = make_bundle(crew.nl_member, "eio", COMPLETE["eio"])
    assert INTERCEPTION.items() <= stale.values.items()  # the draft keeps what was typed
    auth.login(crew.nl_member.user)
    exported = client.get(f"/t/{crew.team.code}/requests/{stale.number}/request.json")
    assert exported.get_json()["values"] == COMPLETE["eio"]
    document = request_document(stale)
    assert not INTERCEPTION.keys() & document["values"].keys()
    assert "+31 6 1234 5678" not in request_text(document)
    # The same request typed without them: the same hash, once the bundle's label is equal.
    other = request_document(clean) | {"bundle": document["bundle"]}
    assert content_hash(document) == content_hash(other)
    assert services.problems(stale) == []


def test_ticking_the_measure_again_brings_the_text_back(crew, make_bundle):
    values = COMPLETE["eio"] | INTERCEPTION
    bundle = make_bundle(crew.nl_member, "eio", values)
    bundle.values = values | {"measures": ["bank_accounts", "interception"]}
    document = request_document(bundle)
    assert document["values"]["h7_interception"] == INTERCEPTION["h7_interception"]
    assert "c_target" not in document["values"]  # Annex C still not attached


def test_a_stale_number_no_longer_trips_a_rule(crew, make_bundle):
    """A sentence's length kept after the warrant turned to prosecution is not checked."""
    values = COMPLETE["eaw"] | {"sentence_months": 2, "remaining_months": 9}
    bundle = make_bundle(crew.nl_member, "eaw", values)
    assert services.problems(bundle) == []
    assert "sentence_months" not in request_document(bundle)["values"]


def test_an_annex_c_notification_says_what_it_is_about(crew, make_bundle):
    """Annex C (Art. 31) names the period, the target and the facts and offence; the
    authority's fax and contact person of section K go into the request when typed."""
    notifying = COMPLETE["eio"] | INTERCEPTION | {"notifies_interception": "yes"}
    bundle = make_bundle(crew.nl_member, "eio", notifying)
    assert [p.field for p in services.problems(bundle)] == ["c_facts"]
    facts = "Converted pistols sold from Rotterdam; Art. 26 Wet wapens en munitie."
    contact = {"authority_fax": "+31 10 555 0101", "authority_contact": "mr. A. Bakker"}
    bundle.values = notifying | {"c_facts": facts} | contact
    assert services.problems(bundle) == []
    text = request_text(request_document(bundle))
    assert facts in text
    assert "+31 10 555 0101" in text
    assert "mr. A. Bakker" in text
