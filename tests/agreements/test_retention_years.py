"""Article 14.1 may say how many years the team's data is kept after the team closes."""

import copy

import pytest

from agreements import content_text
from agreements.content import content_hash, normalise, retention_text
from agreements.schema import parse_import
from jit.clock import frozen
from jit.extensions import db
from tests.agreements.conftest import TODAY
from tests.agreements.test_content import PARTIES, problems_of, raw
from tests.agreements.test_exports import pdf_text
from tests.agreements.test_versions import edit_form


@pytest.mark.parametrize(("given", "kept"), [("5", 5), (" 30 ", 30), (1, 1), ("01", 1)])
def test_a_stated_period_is_kept_as_whole_years(given, kept):
    assert normalise(raw(retention_years=given), PARTIES)["retention_years"] == kept


@pytest.mark.parametrize("given", [None, "", "  "])
def test_no_period_leaves_the_content_as_it_was_and_its_hash_with_it(given):
    content = normalise(raw(retention_years=given), PARTIES)
    assert "retention_years" not in content
    assert content_hash(content) == content_hash(normalise(raw(), PARTIES))


BAD = ["0", "31", "-1", "3.5", "three", "１", True, 0, 31, 3.0, "9" * 30]


@pytest.mark.parametrize("given", BAD)
def test_a_period_outside_1_to_30_whole_years_is_refused_with_its_article(given):
    problems = problems_of(raw(retention_years=given))
    assert any(p.startswith("Data kept after the team closes (Article 14.1)") for p in problems)


def test_the_article_text_says_it_and_the_diff_shows_it():
    old = normalise(raw(), PARTIES)
    new = copy.deepcopy(old) | {"retention_years": 3}
    names = {p.key: p.name for p in PARTIES}
    assert content_text.article_lines(new, names)["confidentiality"][-1] == retention_text(3)
    changed = [a.article.key for a in content_text.diff(old, new, names) if a.is_changed]
    assert changed == ["confidentiality"]
    assert retention_text(1).startswith("The team's data in the JIT Workspace is kept for 1 year ")


def test_an_import_may_state_it_and_a_wrong_type_is_named():
    assert parse_import(b'{"schema": "jit-agreement/2", "retention_years": 4}')
    with pytest.raises(ValueError, match="retention_years"):
        parse_import(b'{"schema": "jit-agreement/2", "retention_years": [4]}')


def test_the_editor_saves_it_and_the_page_and_pdf_say_it(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.coordinator.user)
    url = f"/t/{jit.team.code}/agreement/v1"
    assert 'name="retention_years"' in client.get(f"{url}/edit").get_data(as_text=True)
    response = client.post(f"{url}/edit", data=edit_form(version, retention_years="4"))
    assert response.status_code == 302
    db.session.expire_all()
    assert version.content["retention_years"] == 4
    assert "kept for 4 years after the team is closed" in client.get(url).get_data(as_text=True)
    assert "kept for 4 years after the team is closed" in pdf_text(client.get(f"{url}.pdf").data)


def test_the_editor_refuses_a_bad_period_and_keeps_what_was_typed(client, auth, jit):
    with frozen(TODAY):
        version = jit.draft()
    auth.login(jit.coordinator.user)
    url = f"/t/{jit.team.code}/agreement/v1/edit"
    response = client.post(url, data=edit_form(version, retention_years="45"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "from 1 to 30" in page
    assert 'value="45"' in page
    db.session.expire_all()
    assert "retention_years" not in version.content
