"""The reviewer downloads a request's package and has the server verify it with one click.

The package is the one written at finalising by evidence.bundles.package.
"""

import zipfile

import pytest
from sqlalchemy import select, update

from evidence.bundles import package, review
from evidence.bundles.models import Bundle
from evidence.reports import hash_groups
from jit import signing
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


@pytest.fixture
def shared_package(crew, make_bundle, make_item, make_membership):
    item = make_item(crew.nl_member, title="Bank ledger", files=[("ledger.txt", b"ledger " * 50)])
    bundle = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[item])
    finalise(crew.nl_leader, bundle)
    judge = make_membership(crew.team, "reviewer", "NL")
    review.share(access_of(crew.nl_leader), bundle, judge.id)
    db.session.commit()
    path = package.package_file(bundle)
    assert path is not None
    assert path.is_file()
    return bundle, judge, path


def test_the_reviewer_downloads_and_verifies_the_package(client, auth, crew, shared_package):
    bundle, judge, path = shared_package
    auth.login(judge.user)
    base = f"/t/{crew.team.code}/requests/{bundle.number}"
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Download the package" in page
    assert "Verify the package" in page
    download = client.get(f"{base}/package.zip")
    assert download.status_code == 200
    assert download.data == path.read_bytes()
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()  # send_file streams the open file; the client closes it
    result = client.post(f"{base}/verify")
    assert result.status_code == 200
    text = result.get_data(as_text=True)
    assert "intact" in text
    assert "not intact" not in text
    assert text.count(">passed<") >= 4
    assert ">failed<" not in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.verify"))
    assert entry.new_values == {"bundle": bundle.label, "intact": True, "failed": []}


def test_a_tampered_package_fails_named_checks(client, auth, crew, shared_package):
    bundle, judge, path = shared_package
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    data = path.read_bytes()
    assert data.count(b"ledger ledger") >= 1  # stored, not compressed: the bytes are there
    path.write_bytes(data.replace(b"ledger ledger", b"ledger LEDGER", 1))
    auth.login(judge.user)
    text = client.post(f"/t/{crew.team.code}/requests/{bundle.number}/verify").get_data(
        as_text=True
    )
    assert "not intact" in text
    assert ">failed<" in text
    assert names  # the package was a readable ZIP before the change
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "bundle.verify"))
    assert entry.new_values["intact"] is False
    assert entry.new_values["failed"]


def test_without_a_package_there_is_nothing_to_download_or_verify(
    client, auth, crew, shared_package
):
    bundle, judge, _path = shared_package
    # A request finalised before packages were written: the column left empty by the
    # migration (a direct UPDATE, as a final request's row refuses changes through the ORM).
    db.session.execute(
        update(Bundle).where(Bundle.id == bundle.id).values(package_sha256=None, package_size=None)
    )
    db.session.commit()
    db.session.expire_all()
    auth.login(judge.user)
    base = f"/t/{crew.team.code}/requests/{bundle.number}"
    assert "has no package yet" in client.get(f"{base}/").get_data(as_text=True)
    assert client.get(f"{base}/package.zip").status_code == 404
    assert client.post(f"{base}/verify").status_code == 404


def test_a_sound_package_of_another_request_in_its_place_fails_its_own_checks(
    client, auth, crew, shared_package, make_bundle, make_item
):
    """Offline checks prove a package sound and signed; only the server knows it is the
    one recorded for this request, version and team."""
    bundle, judge, path = shared_package
    other_item = make_item(crew.nl_member, title="Other", files=[("other.txt", b"other")])
    other = make_bundle(crew.nl_member, "eio", COMPLETE["eio"], items=[other_item])
    finalise(crew.nl_leader, other)
    path.write_bytes(package.package_file(other).read_bytes())
    auth.login(judge.user)
    text = client.post(f"/t/{crew.team.code}/requests/{bundle.number}/verify").get_data(
        as_text=True
    )
    assert "not intact" in text
    checks = review.verify_package(access_of(judge), bundle)
    failed = {check.name: check.detail for check in checks if not check.ok}
    assert set(failed) == {
        "the package recorded at finalising",
        f"bag-info.txt names {bundle.label} version 1",
    }
    assert (
        f"SHA-256 expected {bundle.package_sha256}, found {other.package_sha256}"
        in (failed["the package recorded at finalising"])
    )
    assert (
        f"found “{crew.team.code}/{other.label}/v1”"
        in failed[f"bag-info.txt names {bundle.label} version 1"]
    )
    # The bag itself is sound and signed by this workspace: those checks pass.
    assert next(check for check in checks if check.name == "signature").ok


def test_the_review_page_shows_what_a_download_is_compared_with(client, auth, crew, shared_package):
    bundle, judge, _path = shared_package
    auth.login(judge.user)
    page = client.get(f"/t/{crew.team.code}/requests/{bundle.number}/").get_data(as_text=True)
    fingerprint = signing.signing_key().fingerprint
    assert str(hash_groups(bundle.package_sha256)) in page
    assert str(hash_groups(fingerprint)) in page
    assert f"jit bundle verify FILE --fingerprint {fingerprint}" in page
    assert f"{bundle.package_size:,} bytes" in page
