"""One-time submission tokens: a creating form sent twice creates one record."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from jit import clock
from jit.extensions import db
from jit.submissions import SubmissionToken, new_token
from jit.teams.models import Membership
from tests.conftest import Auth


def _members(team) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.team_id == team.id)
    )


def _add_form(team, email, token, party="NL") -> dict:
    party_id = next(p.id for p in team.parties if p.country_code == party)
    return {"email": email, "party_id": party_id, "role": "member", "submission_token": token}


def test_the_form_carries_a_fresh_token_each_time(client, auth, make_team):
    team = make_team()
    auth.login(team.memberships[0].user)
    pages = [client.get(f"/t/{team.code}/members").get_data(as_text=True) for _ in range(2)]
    tokens = [page.split('name="submission_token" type="hidden" value="')[1][:32] for page in pages]
    assert tokens[0] != tokens[1]


def test_a_membership_form_sent_twice_adds_one_member(client, auth, make_team, make_user):
    team = make_team()
    newcomer = make_user()
    auth.login(team.memberships[0].user)
    before = _members(team)
    form = _add_form(team, newcomer.email, new_token())
    first = client.post(f"/t/{team.code}/members", data=form)
    assert first.status_code == 302
    again = client.post(f"/t/{team.code}/members", data=form)
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/t/{team.code}/members")
    assert _members(team) == before + 1
    page = client.get(f"/t/{team.code}/members").get_data(as_text=True)
    assert "already sent and saved once" in page


def test_a_refused_form_keeps_its_token_for_the_corrected_one(client, auth, make_team, make_user):
    team = make_team()
    newcomer = make_user()
    auth.login(team.memberships[0].user)
    token, before = new_token(), _members(team)
    wrong = client.post(f"/t/{team.code}/members", data=_add_form(team, "nobody@x.example", token))
    assert wrong.status_code == 400
    assert db.session.get(SubmissionToken, token) is None
    fixed = client.post(f"/t/{team.code}/members", data=_add_form(team, newcomer.email, token))
    assert fixed.status_code == 302
    assert _members(team) == before + 1


def test_without_a_token_nothing_is_deduplicated(client, auth, make_team, make_user):
    team = make_team()
    auth.login(team.memberships[0].user)
    before = _members(team)
    for person in (make_user(), make_user()):
        form = _add_form(team, person.email, "")
        assert client.post(f"/t/{team.code}/members", data=form).status_code == 302
    assert _members(team) == before + 2


def test_a_damaged_token_is_refused_with_a_message(client, auth, make_team, make_user):
    team = make_team()
    auth.login(team.memberships[0].user)
    before = _members(team)
    for damaged in ("short", "x" * 65, "has spaces in it, sixteen+", "\x00" * 20):
        form = _add_form(team, make_user().email, damaged)
        refused = client.post(f"/t/{team.code}/members", data=form)
        assert refused.status_code == 409
        assert "token is damaged" in refused.get_data(as_text=True)
    assert _members(team) == before


def test_another_persons_token_reveals_nothing(app, client, auth, make_team, make_user):
    team = make_team()
    leader = team.memberships[0].user
    other = make_user()
    token = new_token()
    auth.login(leader)
    client.post(f"/t/{team.code}/members", data=_add_form(team, make_user().email, token))
    auth.logout()
    second = make_team(coordinator=other)
    auth.login(other)
    repeat = client.post(f"/t/{second.code}/members", data=_add_form(second, "x@y.example", token))
    assert repeat.status_code == 409
    body = repeat.get_data(as_text=True)
    assert "already sent" in body
    assert team.code not in body


def test_claimed_tokens_are_forgotten_after_a_week(client, auth, make_team, make_user):
    team = make_team()
    auth.login(team.memberships[0].user)
    old = new_token()
    client.post(f"/t/{team.code}/members", data=_add_form(team, make_user().email, old))
    with clock.shifted(timedelta(days=8)):
        auth.login(team.memberships[0].user)  # the first session expired meanwhile
        fresh = new_token()
        client.post(f"/t/{team.code}/members", data=_add_form(team, make_user().email, fresh))
    assert db.session.get(SubmissionToken, old) is None
    assert db.session.get(SubmissionToken, fresh) is not None


def test_two_racing_posts_of_one_form_add_one_member(app, make_team, make_user):
    team = make_team()
    coordinator, newcomers = team.memberships[0].user, [make_user(), make_user()]
    signed_in = app.test_client()
    Auth(signed_in).login(coordinator)
    csrf = signed_in.csrf_token()
    cookie = signed_in.get_cookie("jit_session").value
    token, before = new_token(), _members(team)
    start, statuses, errors = threading.Barrier(2), [], []

    def post(index):
        try:
            with app.app_context():
                client = app.test_client()
                client.set_cookie("jit_session", cookie)
                form = _add_form(team, newcomers[index].email, token) | {"csrf_token": csrf}
                start.wait(timeout=10)
                statuses.append(client.post(f"/t/{team.code}/members", data=form).status_code)
                db.session.remove()
        except Exception as failure:  # reported by the test
            errors.append(failure)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(statuses) == [302, 303]
    assert _members(team) == before + 1
