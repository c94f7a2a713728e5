"""Signing: the leader of each party, for that party, after re-authentication; once."""

import pyotp
import pytest
from sqlalchemy import func, select

from agreements import services, signing
from agreements.models import AgreementSignature
from jit.audit.models import AuditEntry
from jit.clock import frozen, utcnow
from jit.extensions import db
from tests.agreements.conftest import TODAY, access_of, at
from tests.conftest import DEFAULT_PASSWORD


def signature_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AgreementSignature))


def sign_page(jit, version):
    return f"/t/{jit.team.code}/agreement/v{version.number}/sign"


def test_the_first_signature_freezes_the_text_and_fixes_its_hash(jit):
    with frozen(TODAY):
        version = jit.draft()
        assert not version.is_frozen
        assert version.content_hash is None
        draft_hash = services.current_hash(version)
        signature = jit.sign(
            version, jit.nl_leader, function="Officier van justitie", place="Rotterdam"
        )
    assert version.is_frozen
    assert version.content_hash == draft_hash == signature.content_hash
    assert (signature.signatory_name, signature.place) == (
        jit.nl_leader.user.display_name,
        "Rotterdam",
    )
    assert signature.party.country_code == "NL"
    assert signature.signed_on.isoformat() == "2026-06-01"
    assert signature.method == "password"
    assert not version.is_fully_signed


def test_the_last_signature_brings_the_version_into_force(jit):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        jit.sign(version, jit.de_leader)
    assert version.is_fully_signed
    assert version.effective_from.isoformat() == "2026-06-01"
    assert version.applied_at is not None
    operations = db.session.scalars(
        select(AuditEntry.operation)
        .where(AuditEntry.team_id == jit.team.id)
        .order_by(AuditEntry.seq)
    ).all()
    assert operations[-4:] == [
        "agreement.signed",
        "agreement.signed",
        "agreement.signed_by_all",
        "agreement.entered_into_force",
    ]


def test_a_wrong_password_is_refused_and_nothing_is_signed(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.nl_leader.user)
    response = client.post(
        sign_page(jit, version),
        data={"function": "OvJ", "place": "Rotterdam", "password": "not my password at all"},
    )
    assert response.status_code == 400
    assert "Your password is not correct; the signature was not recorded." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert signature_count() == 0
    assert not version.is_frozen
    refused = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "agreement.signature_refused")
    )
    assert refused.new_values["party"] == "NL"
    assert refused.user_id == jit.nl_leader.user_id


def test_signing_through_the_page_with_the_password(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.de_leader.user)
    page = client.get(sign_page(jit, version)).get_data(as_text=True)
    assert "You sign for <strong>Germany</strong>" in page
    assert services.current_hash(version)[:16] in page
    response = client.post(
        sign_page(jit, version),
        data={"function": "Staatsanwalt", "place": "Köln", "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    db.session.expire_all()
    [signature] = version.signatures
    assert (signature.party.country_code, signature.place) == ("DE", "Köln")


def enrol_totp(user) -> str:
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_enabled_at = secret, utcnow()
    db.session.commit()
    return secret


def test_an_enrolled_second_factor_is_asked_again(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    secret = enrol_totp(jit.nl_leader.user)
    auth.login(jit.nl_leader.user, code=pyotp.TOTP(secret).now())
    jit.nl_leader.user.totp_last_step = None  # the sign-in used the current code
    db.session.commit()
    base = {"function": "OvJ", "place": "Den Haag", "password": DEFAULT_PASSWORD}
    response = client.post(sign_page(jit, version), data=base)
    assert response.status_code == 400
    assert "The authentication code is not valid" in response.get_data(as_text=True)
    response = client.post(sign_page(jit, version), data=base | {"code": "000000"})
    assert response.status_code == 400
    db.session.expire_all()
    assert signature_count() == 0
    response = client.post(sign_page(jit, version), data=base | {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    db.session.expire_all()
    assert version.signatures[0].method == "password+totp"


def test_the_code_used_to_sign_in_cannot_be_replayed_to_sign(jit):
    from jit.accounts import security

    with frozen(TODAY):
        version = jit.draft()
    secret = enrol_totp(jit.nl_leader.user)
    code = pyotp.TOTP(secret).now()
    jit.nl_leader.user.totp_last_step = security.matching_totp_step(secret, code)  # signed in
    with pytest.raises(services.AgreementError, match="authentication code is not valid"):
        jit.sign(version, jit.nl_leader, code=code)
    assert signature_count() == 0


def test_only_leaders_sign(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    for membership in (jit.nl_member, jit.coordinator):
        auth.login(membership.user)
        assert client.get(sign_page(jit, version)).status_code == 403
        response = client.post(
            sign_page(jit, version),
            data={"function": "x", "place": "y", "password": DEFAULT_PASSWORD},
        )
        assert response.status_code == 403
        auth.logout()
    with pytest.raises(services.AgreementError, match="Only a party's leader signs"):
        signing.sign(
            access_of(jit.nl_member), version, password=DEFAULT_PASSWORD, function="x", place="y"
        )
    assert signature_count() == 0


def test_a_leader_signs_only_for_their_own_party(jit, make_membership):
    """The party signed for is the signer's own; a leader for a non-signatory party cannot sign."""
    eurojust_leader = make_membership(jit.team, "leader", "EUROJUST")
    with frozen(TODAY):
        version = jit.draft()
        with pytest.raises(services.AgreementError, match="Eurojust is not a party to version 1"):
            jit.sign(version, eurojust_leader)
        signature = jit.sign(version, jit.de_leader)
    assert signature.party_id == jit.de_leader.party_id
    assert signature_count() == 1


def test_signing_twice_is_refused(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        with pytest.raises(
            services.AgreementError, match="Netherlands already signed version 1 on 2026-06-01"
        ):
            jit.sign(version, jit.nl_leader)
    auth.login(jit.nl_leader.user)
    response = client.post(
        sign_page(jit, version), data={"function": "x", "place": "y", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert "a party signs once" in response.get_data(as_text=True)
    assert signature_count() == 1


def test_a_second_leader_of_the_same_party_cannot_sign_again_for_it(jit, make_membership):
    second = make_membership(jit.team, "leader", "NL")
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        with pytest.raises(services.AgreementError, match="already signed"):
            jit.sign(version, second)


def test_a_withdrawn_version_is_superseded_and_cannot_be_signed(jit):
    with frozen(TODAY):
        version = jit.draft()
        jit.sign(version, jit.nl_leader)
        services.withdraw(
            access_of(jit.coordinator), version, "Article 2 must name the port of Koper."
        )
        db.session.commit()
        replacement = jit.start("original")
        with pytest.raises(
            services.AgreementError, match="withdrawn on 2026-06-01; it is superseded"
        ):
            jit.sign(version, jit.de_leader)
    assert replacement.number == 2
    assert replacement.based_on_id == version.id
    assert replacement.content == version.content
    assert not replacement.is_frozen
    assert len(version.signatures) == 1


def test_an_older_version_cannot_be_signed_once_a_later_one_exists(in_force):
    jit = in_force
    with frozen(at("2026-07-01")):
        jit.start("amendment")
        with pytest.raises(services.AgreementError, match="Version 1 is superseded by version 2"):
            jit.sign(jit.version, jit.nl_leader)


def test_an_incomplete_draft_cannot_be_signed(jit):
    with frozen(TODAY):
        version = jit.draft(purpose={"text": "", "offences": "", "proceedings": ""})
        with pytest.raises(
            services.AgreementError, match=r"lacks the purpose of the team \(Article 2\)"
        ):
            jit.sign(version, jit.nl_leader)
    assert signature_count() == 0


def test_a_version_whose_expiry_has_passed_cannot_be_signed(jit):
    with frozen(TODAY):
        version = jit.draft()
    with frozen(at("2027-06-01")), pytest.raises(services.AgreementError, match="already passed"):
        jit.sign(version, jit.nl_leader)
