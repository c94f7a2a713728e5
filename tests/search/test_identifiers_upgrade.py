"""A Whoosh index made before identifiers were indexed gains the fields at its next write."""

from datetime import UTC, datetime

from whoosh import index

from search import query as q
from search.backends import Scope
from search.backends import whoosh as backend
from search.registry import Document


def test_an_older_index_gains_the_identifiers_field(tmp_path):
    older = backend.schema()
    older.remove("identifiers")
    older.remove("identifier_types")
    folder = tmp_path / backend.PER_TEAM.format(1)
    folder.mkdir()
    index.create_in(folder, older)
    whoosh = backend.WhooshBackend(tmp_path)
    scopes = [Scope(1, "OP-1", frozenset({"reader"}))]
    sought = q.Identifier("phone:+31612345678")
    assert whoosh.query(scopes, sought, sort="relevance", page=1, per_page=5).total == 0
    has_phone = q.IdentifierType("phone")
    assert whoosh.query(scopes, has_phone, sort="relevance", page=1, per_page=5).total == 0
    document = Document(
        kind="item",
        object_id=1,
        team_id=1,
        title="Burner phone",
        body="+31 6 1234 5678",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        readers=("reader",),
        identifiers=("phone:+31612345678",),
    )
    whoosh.apply(1, [document], [])
    assert whoosh.query(scopes, sought, sort="relevance", page=1, per_page=5).total == 1
    found = whoosh.query(
        scopes, has_phone, sort="relevance", page=1, per_page=5, identifier_types=("phone",)
    )
    assert found.total == 1
    assert found.facets["idtype"] == {"phone": 1}
