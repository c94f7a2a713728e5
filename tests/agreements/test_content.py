"""The agreement's content: checks on bad input, the canonical hash, the article text, the diff."""

import copy

import pytest

from agreements import content as agreement_content
from agreements import content_text
from agreements.content import ContentError, PartyInfo, content_hash, normalise

PARTIES = [
    PartyInfo("NL", "Netherlands", "Openbaar Ministerie", True),
    PartyInfo("DE", "Germany", "Staatsanwaltschaft Köln", True),
    PartyInfo("EUROJUST", "Eurojust", "Eurojust", False),
]


def raw(**overrides) -> dict:
    base = {
        "schema": "jit-agreement/1",
        "reference": "JIT TEST",
        "title": "Agreement",
        "legal_basis": ["UNTOC_ART19"],
        "parties": [
            {"party": "NL", "role": "party", "authority": "Openbaar Ministerie"},
            {"party": "DE", "role": "party", "authority": "Staatsanwaltschaft Köln"},
            {"party": "EUROJUST", "role": "participant", "authority": "Eurojust"},
        ],
        "purpose": {"text": "Firearms.", "offences": "", "proceedings": ""},
        "period": {
            "entry_into_force": "date",
            "starts_on": "2026-07-01",
            "expires_on": "2027-06-30",
        },
        "operating_states": {"states": ["NL", "DE"]},
        "leaders": [
            {"party": "NL", "name": "Anna de Boer", "email": "anna@om.example", "function": "OvJ"},
            {"party": "DE", "name": "Jonas Weber", "email": "jonas@sta.example", "function": "StA"},
        ],
        "members": [],
        "participants": [],
        "languages": "English, German",
        "workspace": {"is_used": "y", "access_rules": "Members read the team's items."},
    }
    base.update(overrides)
    return base


def problems_of(data) -> list[str]:
    with pytest.raises(ContentError) as refused:
        normalise(data, PARTIES)
    return refused.value.problems


def test_a_complete_draft_normalises_to_clean_content():
    content = normalise(raw(), PARTIES)
    assert content["languages"] == ["English", "German"]
    assert content["workspace"]["is_used"] is True
    assert [p["party"] for p in content["parties"]] == ["NL", "DE", "EUROJUST"]
    assert agreement_content.signatory_keys(content) == ["NL", "DE"]
    assert agreement_content.incomplete(content) == []


def test_expiry_before_start_is_refused():
    data = raw(
        period={"entry_into_force": "date", "starts_on": "2026-07-01", "expires_on": "2026-06-30"}
    )
    [problem] = problems_of(data)
    assert "expiry date (2026-06-30) is before the start date (2026-07-01)" in problem


def test_a_leader_who_is_not_of_a_party_is_refused():
    leaders = raw()["leaders"] + [
        {"party": "EUROJUST", "name": "Eve Coordinator", "email": "eve@ej.example"}
    ]
    [problem] = problems_of(raw(leaders=leaders))
    assert "Leader 3 (Eve Coordinator) acts for Eurojust, which is not a party to" in problem


def test_a_leader_of_an_unknown_party_is_refused():
    leaders = raw()["leaders"] + [{"party": "FR", "name": "Paul", "email": "paul@fr.example"}]
    assert any("choose the party" in p for p in problems_of(raw(leaders=leaders)))


def test_a_party_without_a_leader_is_refused():
    [problem] = problems_of(raw(leaders=raw()["leaders"][:1]))
    assert "Germany is a party without a leader" in problem


def test_a_person_named_twice_is_refused():
    members = [{"party": "NL", "name": "Anna again", "email": "ANNA@om.example"}]
    [problem] = problems_of(raw(members=members))
    assert "anna@om.example is already named as Leader 1" in problem


def test_a_participant_must_act_for_a_participating_body():
    participants = [{"party": "NL", "name": "Nina", "email": "nina@om.example", "scope": "x"}]
    [problem] = problems_of(raw(participants=participants))
    assert "not a participant in the agreement" in problem


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "period",
            {"entry_into_force": "date", "starts_on": "1.7.2026", "expires_on": "2027-01-01"},
            "not a date",
        ),
        (
            "period",
            {"entry_into_force": "date", "starts_on": "", "expires_on": "2027-01-01"},
            "Give the start date",
        ),
        ("legal_basis", ["MADE_UP"], "Unknown legal basis MADE_UP"),
        ("operating_states", {"states": ["FR"]}, "only operate in a state that is party"),
        (
            "leaders",
            [
                {"party": "NL", "name": "A", "email": "not-an-address"},
                {"party": "DE", "name": "B", "email": "b@x.example"},
            ],
            "is not an e-mail address",
        ),
        ("parties", [{"party": "NL", "role": "party"}], "at least two parties"),
    ],
)
def test_other_bad_input_is_named(field, value, expected):
    assert any(expected in p for p in problems_of(raw(**{field: value})))


def test_every_problem_is_reported_at_once():
    data = raw(
        period={"entry_into_force": "date", "starts_on": "2026-07-01", "expires_on": "2026-01-01"},
        leaders=[],
    )
    assert len(problems_of(data)) == 3  # the dates, and one missing leader per party


def test_the_hash_is_of_the_canonical_form_and_changes_with_any_word():
    content = normalise(raw(), PARTIES)
    reordered = dict(reversed(list(copy.deepcopy(content).items())))
    assert content_hash(reordered) == content_hash(content)
    changed = copy.deepcopy(content)
    changed["purpose"]["text"] = "Firearms!"
    assert content_hash(changed) != content_hash(content)
    assert len(content_hash(content)) == 64


def test_incomplete_lists_what_signing_still_needs():
    content = normalise(
        raw(purpose={"text": ""}, period={"entry_into_force": "signature"}), PARTIES
    )
    missing = agreement_content.incomplete(content)
    assert "the purpose of the team (Article 2)" in missing
    assert "the expiry date (Article 3)" in missing


def test_the_diff_marks_changed_lines_article_by_article():
    old = normalise(raw(), PARTIES)
    new = copy.deepcopy(old)
    new["period"]["expires_on"] = "2028-06-30"
    new["members"] = [
        {
            "party": "DE",
            "name": "Lea",
            "email": "lea@bka.example",
            "function": "KHK",
            "is_seconded": True,
        }
    ]
    names = {p.key: p.name for p in PARTIES}
    articles = {a.article.key: a for a in content_text.diff(old, new, names)}
    assert [key for key, a in articles.items() if a.is_changed] == ["period", "members"]
    period_rows = [r for r in articles["period"].rows if r.change != "equal"]
    assert period_rows[0].left == "Expires on 2027-06-30"
    assert period_rows[0].right == "Expires on 2028-06-30"
    [added] = [r for r in articles["members"].rows if r.change != "equal"]
    assert added.change == "insert"
    assert added.left is None
    assert "Lea <lea@bka.example>" in added.right
