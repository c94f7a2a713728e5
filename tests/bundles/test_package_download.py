"""Downloading a package: whole or by range, to who may read the request; versions stay."""

import csv
import hashlib
import io
import os
import zipfile

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from evidence import storage
from evidence.bundles import review, services
from evidence.bundles.access import version_history
from evidence.bundles.models import Bundle
from evidence.bundles.package import package_file
from evidence.bundles.verify import verify_package
from jit.audit.models import AuditEntry
from jit.extensions import db
from tests.bundles.conftest import COMPLETE, access_of, finalise


def _url(bundle) -> str:
    return f"/t/{bundle.team.code}/requests/{bundle.number}/package.zip"


def test_the_package_downloads_whole_and_by_range(client, auth, crew, packaged):
    bundle = packaged.bundle
    whole = package_file(bundle).read_bytes()
    auth.login(crew.nl_member.user)
    response = client.get(_url(bundle))
    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(bundle.package_size)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert (
        f"{bundle.team.code}-REQ-{bundle.number}-v1.zip" in response.headers["Content-Disposition"]
    )
    assert hashlib.sha256(response.data).hexdigest() == bundle.package_sha256
    # A resumed download: the rest from byte 1000.
    response = client.get(_url(bundle), headers={"Range": "bytes=1000-"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    assert response.data == whole[1000:]
    response = client.get(_url(bundle), headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.data == whole[10:20]
    ranges = [
        entry.new_values.get("range")
        for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.operation == "bundle.download")
        )
    ]
    assert ranges == [None, "bytes=1000-", "bytes=10-19"]


def test_who_may_not_read_the_request_gets_404(client, auth, crew, packaged, make_membership):
    outsider = make_membership(crew.team, "member", "DE")
    auth.login(outsider.user)  # another party's member does not see NL's requests
    assert client.get(_url(packaged.bundle)).status_code == 404
    auth.logout()
    assert client.get(_url(packaged.bundle)).status_code in (302, 401)


def test_a_draft_has_no_package_to_download(client, auth, crew, make_bundle):
    bundle = make_bundle(crew.nl_member, "mla", COMPLETE["mla"])
    auth.login(crew.nl_member.user)
    assert client.get(_url(bundle)).status_code == 404


def test_a_new_version_keeps_both_packages_downloadable_and_verifiable(
    client, auth, crew, packaged
):
    first = packaged.bundle
    draft = services.new_version(access_of(crew.nl_member), first)
    db.session.commit()
    second = finalise(crew.nl_leader, db.session.get(Bundle, draft.id))
    assert second.version == 2
    assert second.previous_id == first.id
    assert second.package_sha256 != first.package_sha256
    auth.login(crew.nl_member.user)
    for bundle in (first, second):
        response = client.get(_url(bundle))
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            top = archive.namelist()[0].split("/")[0]
        assert top == f"{crew.team.code}-REQ-{bundle.number}-v{bundle.version}"
        assert verify_package(package_file(bundle)).is_intact
    # The register and the page show the history.
    page = client.get(f"/t/{crew.team.code}/requests/").get_data(as_text=True)
    assert f"replaces REQ-{first.number}" in page
    assert f"replaced by REQ-{second.number}" in page
    page = client.get(f"/t/{crew.team.code}/requests/{first.number}/").get_data(as_text=True)
    assert f"version 2, REQ-{second.number}" in page
    assert "package.zip" in page


def test_evidence_gc_keeps_the_packages(runner, packaged):
    path = package_file(packaged.bundle)
    os.utime(path, (path.stat().st_atime - 7200, path.stat().st_mtime - 7200))
    result = runner.invoke(args=["evidence", "gc"])
    assert result.exit_code == 0, result.output
    assert path.exists()
    assert storage.hash_file(path)[0] == packaged.bundle.package_sha256


def test_a_final_version_gets_one_next_version_only(client, auth, crew, packaged):
    first = packaged.bundle
    draft = services.new_version(access_of(crew.nl_member), first)
    db.session.commit()
    with pytest.raises(services.BundleError, match=f"already has a version 2, REQ-{draft.number}"):
        services.new_version(access_of(crew.nl_member), first)
    db.session.rollback()
    auth.login(crew.nl_member.user)
    page = client.post(
        f"/t/{crew.team.code}/requests/{first.number}/new-version", follow_redirects=True
    ).get_data(as_text=True)
    assert "already has a version 2" in page
    assert db.session.scalar(select(func.count()).select_from(Bundle)) == 2
    # The database refuses a second one too, for two started at the same moment.
    db.session.add(
        Bundle(
            team_id=first.team_id,
            party_id=first.party_id,
            number=99,
            request_type=first.request_type,
            version=2,
            previous_id=first.id,
            values={},
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_register_csv_names_the_versions_each_replaces(client, auth, crew, packaged):
    first = packaged.bundle
    draft = services.new_version(access_of(crew.nl_member), first)
    db.session.commit()
    auth.login(crew.nl_member.user)
    export = client.get(f"/t/{crew.team.code}/requests/register.csv")
    rows = {
        row["Request"]: row for row in csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")))
    }
    assert (rows[first.label]["Replaces"], rows[first.label]["Replaced by"]) == ("", draft.label)
    assert (rows[draft.label]["Replaces"], rows[draft.label]["Replaced by"]) == (first.label, "")


def test_a_reviewer_sees_only_the_versions_shared_with_them(crew, packaged, make_membership):
    first = packaged.bundle
    draft = services.new_version(access_of(crew.nl_member), first)
    db.session.commit()
    second = finalise(crew.nl_leader, db.session.get(Bundle, draft.id))
    judge = make_membership(crew.team, "reviewer", "NL")
    review.share(access_of(crew.nl_leader), second, judge.id)
    db.session.commit()
    assert [b.label for b in version_history(access_of(judge), second)] == [second.label]
    assert [b.label for b in version_history(access_of(crew.nl_member), second)] == [
        first.label,
        second.label,
    ]
