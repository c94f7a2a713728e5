"""The PostgreSQL writer sends a batch's documents together: one statement per language,
not one per document (an N+1 the chat's busy channels paid for in the writer's CPU)."""

import pytest
from sqlalchemy import event, select

from jit.extensions import db
from search.models import SearchDocument
from tests.conftest import _backends
from tests.search.conftest import message_document


@pytest.fixture(params=[name for name in _backends() if name == "postgresql"])
def db_backend(request) -> str:
    return request.param


ENGLISH = "The courier left the warehouse in Rotterdam with the container number {}"
GERMAN = "Der Kurier hat das Lager in Hamburg mit der Containernummer {} verlassen"


@pytest.fixture
def writes_to_documents(app):
    """The statements that write search_documents, as the driver is given them."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO SEARCH_DOCUMENTS"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def test_a_batch_of_messages_is_written_in_a_statement_per_language(
    case, chat, index, search_as, writes_to_documents
):
    for number in range(20):
        chat.post(case.nl_member, ENGLISH.format(number))
        chat.post(case.de_member, GERMAN.format(number))
    assert index() == 40
    assert len(writes_to_documents) == 2  # English and German; it was 40
    languages = db.session.scalars(select(SearchDocument.language).distinct())
    assert sorted(languages) == ["de", "en"]
    status, body = search_as(case.nl_member.user, "kind:message warehouse", team=case.team.code)
    assert (status, body["total"]) == (200, 20)
    status, body = search_as(case.nl_member.user, "kind:message verlassen", team=case.team.code)
    assert (status, body["total"]) == (200, 20)


def test_a_message_written_twice_keeps_its_last_text_only(case, chat, index, search_as):
    message = chat.post(case.nl_member, "Meeting point moved to the harbour gate")
    index()
    chat.edit(case.nl_member, message, "Meeting point moved to the railway yard")
    index()
    assert db.session.scalar(select(SearchDocument.body)) == (
        "Meeting point moved to the railway yard"
    )
    _, body = search_as(case.nl_member.user, "harbour", team=case.team.code)
    assert body["total"] == 0
    _, body = search_as(case.nl_member.user, "railway", team=case.team.code)
    assert body["total"] == 1


def test_a_document_given_twice_in_one_batch_is_written_once_with_its_last_text(app, case):
    """As Whoosh's update_document does; PostgreSQL refuses a row twice in one upsert."""
    from search.backends import get_backend

    def version(text):
        return message_document(7, text, case.team.id)

    get_backend(app).apply(case.team.id, [version("first text"), version("second text")], [])
    db.session.commit()
    assert db.session.scalars(select(SearchDocument.body)).all() == ["second text"]
