"""Visibility × role, through every door: the list, the count, the page, downloads, reports."""

import pytest

from jit import signals


def _grant(team, user=None):
    return True  # the agreement lets participants read evidence


# Who sees an NL item of each visibility (recorded by another NL member).
EXPECTED = {
    # (role, party): (team, party, leaders)
    ("creator", "NL"): (True, True, True),
    ("leader", "NL"): (True, True, True),
    ("member", "NL"): (True, True, False),
    ("leader", "DE"): (True, False, True),
    ("member", "DE"): (True, False, False),
    ("coordinator", "EUROJUST"): (True, False, False),
    ("participant", "EUROJUST"): (False, False, False),
    ("reviewer", "NL"): (False, False, False),
    ("outsider", None): (False, False, False),
}
VISIBILITIES = ["team", "party", "leaders"]


@pytest.fixture
def setting(make_team, make_membership, make_user, make_item):
    team = make_team()
    creator = make_membership(team, "member", "NL")
    items = {
        visibility: make_item(
            creator,
            title=f"{visibility} item",
            visibility=visibility,
            files=[(f"{visibility}.txt", visibility.encode() * 10)],
        )
        for visibility in VISIBILITIES
    }
    return team, creator, items


def _reader(team, creator, role, party, make_membership, make_user):
    if role == "creator":
        return creator.user
    if role == "outsider":
        return make_user()
    if role == "coordinator":
        return next(m.user for m in team.memberships if m.role == "coordinator")
    return make_membership(team, role, party).user


@pytest.mark.parametrize(("role", "party"), list(EXPECTED))
def test_visibility_through_every_door(
    client, auth, setting, make_membership, make_user, role, party
):
    team, creator, items = setting
    reader = _reader(team, creator, role, party, make_membership, make_user)
    auth.login(reader)
    base = f"/t/{team.code}/evidence"
    listing = client.get(f"{base}/")
    expected_list_status = {"outsider": 404, "reviewer": 403}.get(role, 200)
    assert listing.status_code == expected_list_status
    page = listing.get_data(as_text=True)
    visible = dict(zip(VISIBILITIES, EXPECTED[(role, party)], strict=True))
    if expected_list_status == 200:
        count = sum(visible.values())
        assert f"{count} item{'' if count == 1 else 's'} you can see" in page
    for visibility, item in items.items():
        expected = 200 if visible[visibility] else 404
        exhibit = item.exhibit_number
        assert (f">{visibility} item<" in page) is visible[visibility], (visibility, role)
        assert client.get(f"{base}/{exhibit}").status_code == expected
        file_id = item.files[0].id
        download = client.get(f"{base}/{exhibit}/files/{file_id}")
        assert download.status_code == expected
        if visible[visibility]:
            assert download.data == visibility.encode() * 10
        assert client.get(f"{base}/{exhibit}/custody-report.pdf").status_code == expected
        assert client.get(f"{base}/{exhibit}/custody.jsonl").status_code == expected
        assert client.get(f"{base}/{exhibit}/custody").status_code in (
            (expected, 403) if visible[visibility] else (404,)
        )
        filtered = client.get(f"{base}/?tag=&item_type=document").get_data(as_text=True)
        assert (f">{visibility} item<" in filtered) is visible[visibility]


def test_the_agreement_can_let_participants_read(client, auth, app, setting, make_membership):
    team, _creator, items = setting
    analyst = make_membership(team, "participant", "EUROJUST").user
    with signals.participants_read_evidence.connected_to(_grant):
        auth.login(analyst)
        base = f"/t/{team.code}/evidence"
        assert client.get(f"{base}/{items['team'].exhibit_number}").status_code == 200
        assert client.get(f"{base}/{items['party'].exhibit_number}").status_code == 404
        assert client.get(f"{base}/{items['leaders'].exhibit_number}").status_code == 404


def test_a_participant_adds_analysis_products_only(client, auth, app, setting, make_membership):
    from tests.evidence.conftest import counts, item_fields, upload

    team, _creator, items = setting
    analyst = make_membership(team, "participant", "EUROJUST").user
    with signals.participants_read_evidence.connected_to(_grant):
        auth.login(analyst)
        url = f"/t/{team.code}/evidence/new"
        before = counts()
        refused = upload(client, url, item_fields(), [("files", "a.txt", b"x")])
        assert refused.status_code == 400
        assert "analysis products only" in refused.get_data(as_text=True)
        assert counts() == before
        parent = items["team"].exhibit_number
        accepted = upload(
            client,
            url,
            item_fields(
                parent_exhibit=parent,
                derivation="analysis",
                title="Link chart",
                collected_at="2026-03-20T09:30",  # made after its parent was collected
            ),
            [("files", "chart.txt", b"links")],
        )
        assert accepted.status_code == 303
        assert accepted.headers["Location"].endswith("/evidence/EUROJUST-0001")
