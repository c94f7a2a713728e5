"""A party's close-out archive: a signed bag of what that party may take, served with Range."""

import zipfile

import bagit
import pytest

from jit import bags
from jit.clock import frozen
from jit.closeout import archives
from jit.extensions import db
from tests.agreements.conftest import at
from tests.jit.closeout.conftest import access_of


def _take(app, membership, tmp_path):
    # The audit log's visibility builds links: take it as the page does, in a request.
    with frozen(at("2026-09-02")), app.test_request_context():
        archive = archives.take(access_of(membership))
        db.session.commit()
    return archive, archives.archive_path(archive)


def test_the_archive_verifies_and_holds_only_what_the_party_may_take(app, closed, tmp_path):
    _archive, path = _take(app, closed.de_leader, tmp_path)
    result = bags.verify(path)
    assert result.is_intact, result.problems
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        top = names[0].split("/")[0]
        package.extractall(tmp_path / "unpacked")
    items = {name.split("/")[3] for name in names if name.startswith(f"{top}/data/evidence/")}
    numbers = {closed.nl_team_item.exhibit_number, closed.de_party_item.exhibit_number}
    assert items == {bags.safe_name(number) for number in numbers}
    assert not any("secret.txt" in name for name in names)
    assert any(name.endswith("/custody.jsonl") for name in names)
    assert any(name.endswith("/custody-report.pdf") for name in names)
    assert f"{top}/data/agreement/version-1.json" in names
    assert f"{top}/data/audit/audit-log.jsonl" in names
    assert any(name.startswith(f"{top}/data/chat/") for name in names)
    assert bagit.Bag(str(tmp_path / "unpacked" / top)).is_valid()


def test_the_archive_is_written_once_and_served_with_range(app, client, auth, closed, tmp_path):
    archive, path = _take(app, closed.nl_leader, tmp_path)
    again, _ = _take(app, closed.nl_leader, tmp_path)
    assert again.id == archive.id
    auth.login(closed.nl_leader.user)
    url = f"/t/{closed.team.code}/closeout/archive.zip"
    with client.get(url) as whole:
        assert whole.status_code == 200
        assert whole.data == path.read_bytes()
    with client.get(url, headers={"Range": "bytes=10-19"}) as part:
        assert part.status_code == 206
        assert part.data == path.read_bytes()[10:20]


def test_a_changed_byte_in_the_archive_is_caught(app, closed, tmp_path):
    _archive, path = _take(app, closed.nl_leader, tmp_path)
    data = bytearray(path.read_bytes())
    position = data.index(b"nl shared")
    data[position] ^= 1
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(data))
    result = bags.verify(changed)
    assert not result.is_intact
    assert any("nl.txt" in problem for problem in result.problems)


def test_jit_bag_verify_checks_the_archive_against_the_fingerprint(app, runner, closed, tmp_path):
    archive, path = _take(app, closed.nl_leader, tmp_path)
    fingerprint = archive.key_fingerprint
    good = runner.invoke(args=["bag", "verify", str(path), "--fingerprint", fingerprint])
    assert good.exit_code == 0, good.output
    wrong = runner.invoke(args=["bag", "verify", str(path), "--fingerprint", "ab" * 32])
    assert wrong.exit_code == 1


def test_no_archive_while_the_team_runs(app, in_force):
    with frozen(at("2026-06-10")), pytest.raises(archives.CloseoutError, match="not ended"):
        archives.take(access_of(in_force.nl_leader))


def test_taking_and_downloading_are_audited(app, client, auth, closed):
    from sqlalchemy import select

    from jit.audit.models import AuditEntry

    auth.login(closed.nl_leader.user)
    with frozen(at("2026-09-02")):
        taken = client.post(f"/t/{closed.team.code}/closeout/archive")
        assert taken.status_code == 302
        with client.get(f"/t/{closed.team.code}/closeout/archive.zip") as download:
            assert download.status_code == 200
    operations = set(
        db.session.scalars(select(AuditEntry.operation).where(AuditEntry.team_id == closed.team.id))
    )
    assert {"closeout_archive_written", "closeout_archive_downloaded"} <= operations


@pytest.mark.parametrize(("who", "status"), [("nl_member", 403), ("outsider", 404)])
def test_only_a_leader_takes_the_archive(app, client, auth, closed, make_user, who, status):
    user = closed.nl_member.user if who == "nl_member" else make_user()
    auth.login(user)
    assert client.post(f"/t/{closed.team.code}/closeout/archive").status_code == status
    assert client.get(f"/t/{closed.team.code}/closeout/archive.zip").status_code == status


def test_a_post_without_its_csrf_token_is_refused(app, client, auth, closed):
    auth.login(closed.nl_leader.user)
    response = client.post(f"/t/{closed.team.code}/closeout/archive", csrf=False)
    assert response.status_code == 400
    assert archives.archive_of(access_of(closed.nl_leader)) is None


def test_the_record_shows_an_archive_s_entries_to_its_party_s_leaders_only(app, closed, tmp_path):
    from sqlalchemy import select

    from jit.audit import visibility
    from jit.audit.models import AuditEntry

    _take(app, closed.nl_leader, tmp_path)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.operation == "closeout_archive_written")
    )
    with app.test_request_context():
        for membership, shown in (
            (closed.nl_leader, True),  # takes this archive
            (closed.de_leader, False),  # another party's leader
            (closed.coordinator, False),  # audits the team, takes no archive
        ):
            opened = visibility.openable(access_of(membership), [entry])
            assert visibility.may_read(entry, opened) is shown, membership.role
