"""The audit pages read as words, filter by person, operation, object and date, and refuse
bad filter values with a message."""

import re
from datetime import UTC, datetime

import pytest

from jit import clock
from jit.audit import reading, services
from jit.audit.models import AuditEntry
from jit.extensions import db


@pytest.fixture
def log_team(make_team, make_membership):
    """A team whose entries fall on two days, by two people."""
    with clock.frozen(datetime(2026, 11, 2, 12, 0, tzinfo=UTC)):
        team = make_team(code="WORDS-1")
        first = make_membership(team, "member", "NL")
    with clock.frozen(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)):
        second = make_membership(team, "member", "DE")
    team.first, team.second = first, second
    return team


def _rows(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r"<tr.*?</tr>", body, flags=re.S)


def test_operations_read_as_words_and_hashes_wait_behind_a_disclosure(client, auth, log_team):
    auth.login(log_team.memberships[0].user)
    page = client.get("/t/WORDS-1/audit").get_data(as_text=True)
    assert "Member added" in page
    assert "Team space created" in page
    assert "membership.created" not in "".join(_rows(page))
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.team_id == log_team.id)
    ).first()
    disclosure = page[page.index("<details") :]
    assert entry.hash in disclosure
    outside = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    assert entry.hash not in outside
    assert entry.prev_hash not in outside
    assert 'href="/t/WORDS-1/members"' in page  # the membership, linked where it is managed


def test_filters_narrow_by_person_operation_object_and_date(client, auth, log_team):
    auth.login(log_team.memberships[0].user)
    second = log_team.second
    by_day = client.get("/t/WORDS-1/audit?from=2026-11-20&to=2026-11-20").get_data(as_text=True)
    assert len(_rows(by_day)) == 1
    assert f"Membership {second.id}" in by_day
    early = client.get("/t/WORDS-1/audit?to=2026-11-02").get_data(as_text=True)
    assert len(_rows(early)) == 3  # team created, coordinator, first member
    by_operation = client.get("/t/WORDS-1/audit?operation=team.created").get_data(as_text=True)
    assert len(_rows(by_operation)) == 1
    assert "Team space created" in by_operation
    by_object = client.get(
        f"/t/WORDS-1/audit?object_type=memberships&object_id={second.id}"
    ).get_data(as_text=True)
    assert len(_rows(by_object)) == 1
    system = client.get("/t/WORDS-1/audit?person=system").get_data(as_text=True)
    assert len(_rows(system)) == 4  # every entry so far was written by a test, not a person
    coordinator = log_team.memberships[0].user
    client.post("/t/WORDS-1/audit/verify")
    mine = client.get(f"/t/WORDS-1/audit?person={coordinator.id}").get_data(as_text=True)
    assert len(_rows(mine)) == 1
    assert "Audit log verified" in mine
    assert 'name="operation"' in mine
    assert "Clear the filters" in mine
    # The same number in Arabic-Indic digits, which int() reads: not an option of the list.
    arabic = str(coordinator.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/t/WORDS-1/audit?person={arabic}").status_code == 400


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("person=abc", "Choose a person from the list."),
        ("person=99999999999999999999999", "Choose a person from the list."),
        # Beyond int()'s 4,300 digits, and digits str.isdigit() takes but int() refuses.
        ("person=" + "9" * 5000, "Choose a person from the list."),
        ("person=%C2%B2", "Choose a person from the list."),  # ²
        ("person=%E2%91%A0", "Choose a person from the list."),  # ①
        ("operation=evidence.nope", "Choose an operation from the list."),
        ("object_type=%00", "Choose a kind of object from the list."),
        ("object_id=" + "9" * 65, "An object number is up to 64"),
        ("object_id=1%20OR%201", "An object number is up to 64"),
        ("from=2026-13-01", "From: write the date as YYYY-MM-DD"),
        ("from=0001-01-01", "From: choose a date between 1900 and 2100."),
        ("to=9999-12-31", "To: choose a date between 1900 and 2100."),
        ("from=2026-11-20&to=2026-11-02", "The “from” date is after the “to” date."),
        ("from=" + "1" * 100000, "From: write the date as YYYY-MM-DD"),
    ],
)
def test_bad_filter_values_get_a_message_not_a_500(client, auth, log_team, query, message):
    auth.login(log_team.memberships[0].user)
    response = client.get(f"/t/WORDS-1/audit?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_page_number_out_of_range_shows_the_nearest_page(client, auth, log_team):
    auth.login(log_team.memberships[0].user)
    for page in ("99999999999999999999999999", "-5", "x"):
        assert client.get(f"/t/WORDS-1/audit?page={page}").status_code == 200


def test_empty_values_make_no_noise(app, log_team):
    services.record(
        "membership.changed",
        team=log_team,
        object_type="memberships",
        object_id=log_team.first.id,
        old={"role": "member", "note": ""},
        new={"role": "leader", "note": None},
        actor=None,
    )
    db.session.commit()
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.operation == "membership.changed")
    ).one()
    (shown,) = reading.present_whole([entry])
    assert shown.changes == [reading.Change("Role", "member", "leader")]


def test_the_verification_is_recorded_the_same_from_the_page_and_the_cli(
    client, auth, runner, log_team
):
    auth.login(log_team.memberships[0].user)
    client.post("/t/WORDS-1/audit/verify")
    runner.invoke(args=["audit", "verify", "--team", "WORDS-1"])
    page_entry, cli_entry = db.session.scalars(
        db.select(AuditEntry)
        .where(AuditEntry.operation == "audit.verified")
        .order_by(AuditEntry.id)
    ).all()
    assert page_entry.new_values == cli_entry.new_values == {"chains": 1, "broken": []}
    assert page_entry.user_id is not None
    assert cli_entry.user_id is None


def test_the_platform_log_reads_as_words_and_filters(client, auth, make_user, log_team):
    admin = make_user(is_platform_admin=True)
    auth.login(admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Signed in" in page
    assert "auth.login" not in "".join(_rows(page))
    assert "Team space created" in page
    only = "".join(_rows(client.get("/admin/audit?operation=auth.login").get_data(as_text=True)))
    assert "Team space created" not in only
    assert "Signed in" in only
    response = client.get("/admin/audit?from=2026-02-30")
    assert response.status_code == 400
    assert "write the date as YYYY-MM-DD" in response.get_data(as_text=True)
    for person in ("%C2%B2", "%E2%91%A0", "9" * 5000):  # ², ①, beyond int()'s limit
        response = client.get(f"/admin/audit?person={person}")
        assert response.status_code == 400
        assert "Choose a person from the list." in response.get_data(as_text=True)
    verified = client.post("/admin/audit/verify", follow_redirects=True).get_data(as_text=True)
    assert "audit chains are intact" in verified


def test_digests_in_values_are_shortened_and_whole_on_demand(client, auth, log_team):
    digest = "ab" * 32
    services.record(
        "evidence.verified",
        team=log_team,
        object_type="teams",
        object_id=log_team.id,
        new={"sha256": digest},
        actor=None,
    )
    db.session.commit()
    auth.login(log_team.memberships[0].user)
    page = client.get("/t/WORDS-1/audit").get_data(as_text=True)
    assert f'title="{digest}">{digest[:12]}…</span>' in page
    assert f">{digest}<" not in re.sub(r"<details.*?</details>", "", page, flags=re.S)


def test_the_filter_menus_offer_what_the_chain_holds_and_nothing_else(
    log_team, make_team, make_membership
):
    """The menus come from a loose index scan of the chain, not a scan of every entry."""
    other = make_team(code="WORDS-2")
    stranger = make_membership(other, "member", "DE")
    chain = f"team:{log_team.id}"
    entries = list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.chain == chain)))
    known = reading.choices(chain)

    expected_people = {entry.user_id for entry in entries if entry.user_id is not None}
    assert {user_id for user_id, _name in known.people} == expected_people
    assert stranger.user_id not in expected_people  # the other team's chain stays out
    assert [name for _id, name in known.people] == sorted(name for _id, name in known.people)
    assert {op for op, _label in known.operations} == {entry.operation for entry in entries}
    assert {kind for kind, _label in known.object_types} == {
        entry.object_type for entry in entries if entry.object_type is not None
    }
    assert reading.choices("team:999999") == reading.Choices([], [], [])
