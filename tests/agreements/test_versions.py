"""Frozen versions, amendments and extensions, and the side-by-side comparison."""

import io
import json

import pytest
from sqlalchemy import select

from agreements import exports, services
from agreements.models import AgreementVersion, FrozenVersionError
from agreements.status import team_status
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import TODAY, access_of, at


def edit_form(version, **changes) -> dict:
    """The editor's fields for ``version``'s content with a changed purpose."""
    c = version.content
    data = {
        "reference": c["reference"],
        "title": c["title"],
        "legal_basis": c["legal_basis"],
        "purpose_text": "A purpose changed behind the parties' backs.",
        "expires_on": "2030-01-01",
        "languages": "English",
        "operating_states": c["operating_states"]["states"],
        "change_summary": "Sneaky",
    }
    for row in c["parties"]:
        data[f"party-{row['party']}-role"] = row["role"]
        data[f"party-{row['party']}-authority"] = row["authority"]
    for kind in ("leaders", "members", "participants"):
        for i, person in enumerate(c[kind]):
            for key, value in person.items():
                if value is True:
                    data[f"{kind}-{i}-{key}"] = "y"
                elif value is not False:
                    data[f"{kind}-{i}-{key}"] = value
    return data | changes


@pytest.mark.parametrize("signed", ["by one party", "by all parties"])
def test_a_signed_version_cannot_be_edited_by_any_route(client, auth, jit, signed):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        if signed == "by all parties":
            jit.sign(version, jit.de_leader)
    before, fixed_hash = json.dumps(version.content, sort_keys=True), version.content_hash
    base = f"/t/{jit.team.code}/agreement/v{version.number}"
    for membership in (jit.coordinator, jit.nl_leader, jit.de_leader):
        auth.login(membership.user)
        page = client.get(f"{base}/edit", follow_redirects=True).get_data(as_text=True)
        assert "its text is frozen" in page
        response = client.post(f"{base}/edit", data=edit_form(version))
        assert response.status_code == 400
        assert "its text is frozen" in response.get_data(as_text=True)
        upload = json.dumps(exports.export_data(version) | {"content": version.content}).encode()
        response = client.post(
            f"{base}/import",
            data={"file": (io.BytesIO(upload), "agreement.json")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        assert "its text is frozen" in client.get(f"/t/{jit.team.code}/agreement").get_data(
            as_text=True
        )
        auth.logout()
    db.session.expire_all()
    stored = db.session.get(AgreementVersion, version.id)
    assert json.dumps(stored.content, sort_keys=True) == before
    assert stored.content_hash == fixed_hash
    assert services.current_hash(stored) == fixed_hash


def test_the_database_layer_refuses_a_change_to_signed_content(jit):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
    version.content = dict(
        version.content, purpose={"text": "x", "offences": "", "proceedings": ""}
    )
    with pytest.raises(FrozenVersionError, match="Version 1 was signed"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(services.AgreementError, match="its text is frozen"):
        services.save_draft(access_of(jit.coordinator), version, version.content)


def test_an_unsigned_draft_is_edited_through_the_page(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.nl_leader.user)
    response = client.post(
        f"/t/{jit.team.code}/agreement/v1/edit",
        data=edit_form(version, purpose_text="To investigate firearms trafficking via Koper."),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert version.content["purpose"]["text"] == "To investigate firearms trafficking via Koper."
    assert version.content["period"]["expires_on"] == "2030-01-01"
    assert version.content["leaders"][0]["email"] == jit.nl_leader.user.email


def test_bad_input_on_the_page_is_named_and_nothing_is_written(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    before = json.dumps(version.content, sort_keys=True)
    auth.login(jit.coordinator.user)
    bad = edit_form(
        version,
        entry_into_force="date",
        starts_on="2026-09-01",
        expires_on="2026-08-01",
        **{"leaders-1-name": "", "leaders-1-email": "", "leaders-1-function": ""},
    )
    response = client.post(f"/t/{jit.team.code}/agreement/v1/edit", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The draft was not saved" in page
    assert "is before the start date (2026-09-01)" in page
    assert "Germany is a party without a leader" in page
    assert 'value="2026-08-01"' in page  # what was typed is kept
    db.session.expire_all()
    assert json.dumps(version.content, sort_keys=True) == before


def test_a_leader_who_is_not_of_the_party_is_refused_on_the_page(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.coordinator.user)
    response = client.post(
        f"/t/{jit.team.code}/agreement/v1/edit",
        data=edit_form(version, **{"leaders-1-party": "EUROJUST"}),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "acts for Eurojust, which is not a party to the agreement" in text


def test_an_amendment_takes_effect_only_when_every_party_has_signed(in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment", "Add Koper to the purpose.")
        content = dict(
            amendment.content,
            purpose=dict(amendment.content["purpose"], text="Firearms through Koper and Rijeka."),
        )
        jit.save(amendment, content)
        jit.sign(amendment, jit.de_leader)
        status = team_status(jit.team)
        assert status.governing.number == 1
        assert status.pending.number == 2
        assert status.missing_signatures(amendment) == ["NL"]
        assert status.governing.content["purpose"]["text"].startswith("To investigate")
        jit.sign(amendment, jit.nl_leader)
        status = team_status(jit.team)
    assert status.governing.number == 2
    assert status.governing.content["purpose"]["text"] == "Firearms through Koper and Rijeka."
    assert status.started_on.isoformat() == "2026-06-01"


def test_an_amendment_can_take_effect_on_a_later_day(in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment", "New working language.")
        jit.save(
            amendment,
            dict(amendment.content, languages=["English", "German"]),
            takes_effect_on="2026-08-01",
        )
        jit.sign_all(amendment)
        assert team_status(jit.team).governing.number == 1
    with frozen(at("2026-08-01")):
        assert team_status(jit.team).governing.number == 2


def test_an_amendment_that_changes_nothing_cannot_be_signed(in_force):
    with frozen(at("2026-07-01")):
        amendment = in_force.start("amendment")
        with pytest.raises(services.AgreementError, match="does not change anything"):
            in_force.sign(amendment, in_force.nl_leader)


def test_an_amendment_or_extension_needs_its_reason(in_force):
    with pytest.raises(services.AgreementError, match="Say what the amendment is for"):
        services.start_version(access_of(in_force.coordinator), "amendment", "")
    assert len(team_status(in_force.team).agreement.versions) == 1


def test_an_extension_changes_only_the_expiry_and_only_forward(in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        extension = jit.start("extension", "More time.")
        wider = dict(extension.content, languages=["English", "German"])
        with pytest.raises(
            services.AgreementError, match="An extension changes only the expiry date"
        ):
            jit.save(extension, wider)
        earlier = dict(
            extension.content, period=dict(extension.content["period"], expires_on="2027-01-01")
        )
        with pytest.raises(services.AgreementError, match=r"after the current one \(2027-05-31\)"):
            jit.save(extension, earlier)


def test_only_one_open_version_at_a_time(in_force):
    with frozen(at("2026-07-01")):
        in_force.start("amendment")
        with pytest.raises(services.AgreementError, match="Version 2 is still open"):
            in_force.start("extension")


def test_an_original_cannot_be_restarted_once_signed(in_force):
    with pytest.raises(services.AgreementError, match="change it by an amendment"):
        in_force.start("original")


def test_members_cannot_draft(client, auth, in_force):
    auth.login(in_force.nl_member.user)
    base = f"/t/{in_force.team.code}/agreement"
    assert (
        client.post(f"{base}/start", data={"kind": "amendment", "change_summary": "x"}).status_code
        == 403
    )
    assert client.get(f"{base}/v1/edit").status_code == 403
    assert client.get(base).status_code == 200


def test_versions_compare_side_by_side(client, auth, in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        extension = jit.start("extension", "Twelve more months.")
        jit.save(
            extension,
            dict(
                extension.content, period=dict(extension.content["period"], expires_on="2028-05-31")
            ),
        )
    auth.login(jit.nl_member.user)
    page = client.get(f"/t/{jit.team.code}/agreement/diff?from=1&to=2").get_data(as_text=True)
    assert "1 of 20 articles differ" in page
    assert "<del>Expires on 2027-05-31</del>" in page
    assert "<ins>Expires on 2028-05-31</ins>" in page
    assert services.current_hash(jit.version)[:16] in page
    assert services.current_hash(extension)[:16] in page
    versions = db.session.scalars(select(AgreementVersion)).all()
    assert len(versions) == 2


def test_the_start_and_withdraw_pages(client, auth, in_force):
    jit = in_force
    auth.login(jit.nl_leader.user)
    base = f"/t/{jit.team.code}/agreement"
    with frozen(at("2026-07-01")):
        response = client.post(
            f"{base}/start", data={"kind": "amendment", "change_summary": "Add a member."}
        )
        assert response.headers["Location"].endswith(f"{base}/v2/edit")
        assert client.post(f"{base}/v2/withdraw", data={"reason": ""}).status_code == 302
        db.session.expire_all()
        assert not services.version_by_number(jit.team, 2).is_withdrawn
        client.post(f"{base}/v2/withdraw", data={"reason": "Not needed after all."})
        db.session.expire_all()
        assert services.version_by_number(jit.team, 2).is_withdrawn
        response = client.post(f"{base}/v1/withdraw", data={"reason": "Try"}, follow_redirects=True)
    assert "signed by every party; it can only be changed by an amendment" in response.get_data(
        as_text=True
    )


def test_the_purpose_keeps_its_redefinitions(client, auth, in_force):
    jit = in_force
    first = jit.version.content["purpose"]["text"]
    with frozen(at("2026-07-01")):
        amendment = jit.start("amendment", "The purpose now covers ammunition.")
        purpose = dict(amendment.content["purpose"], text="Firearms and ammunition trafficking.")
        jit.save(amendment, dict(amendment.content, purpose=purpose))
        jit.sign_all(amendment)
    assert [v.number for v in services.purpose_history(amendment)] == [1, 2]
    auth.login(jit.nl_member.user)
    page = client.get(f"/t/{jit.team.code}/agreement/v2").get_data(as_text=True)
    assert "Redefinitions of the purpose" in page
    assert f"Version 1, in force from 2026-06-01: {first}" in page
    pdf = client.get(f"/t/{jit.team.code}/agreement/v2.pdf").data
    from tests.agreements.test_exports import pdf_text

    text = " ".join(pdf_text(pdf).split())
    assert "Redefinitions of the purpose" in text
    assert first in text


def test_text_with_markup_is_shown_as_text(client, auth, jit):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with frozen(TODAY):
        jit.draft(purpose={"text": payload, "offences": payload, "proceedings": ""})
    auth.login(jit.nl_member.user)
    page = client.get(f"/t/{jit.team.code}/agreement/v1").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    from tests.agreements.test_exports import pdf_text

    text = pdf_text(client.get(f"/t/{jit.team.code}/agreement/v1.pdf").data)
    assert '<script>alert("x")</script>' in text
