"""Headers and document properties are fields: "every mail from this address" is one query."""

import pytest

from jit.extensions import db
from search import query as q
from tests.evidence import samples


@pytest.fixture
def mails(app, case, make_item, index):
    from evidence import extraction

    items = [
        make_item(
            case.nl_member, title="Mail to the haulier", files=[("a.eml", samples.eml_bytes())]
        ),
        make_item(
            case.nl_member,
            title="Another mail",
            files=[("b.eml", samples.eml_bytes(subject="Rechnung März").replace(b"DK@", b"mk@"))],
        ),
        make_item(case.nl_member, title="Minutes", files=[("c.docx", samples.docx_bytes())]),
        make_item(
            case.nl_member,
            title="Archive",
            files=[
                ("e.zip", samples.zip_bytes({"x.docx": samples.docx_bytes(author="Ivo Horvat")}))
            ],
        ),
        make_item(
            case.de_member,
            title="German party only",
            visibility="party",
            files=[("d.eml", samples.eml_bytes(subject="Secret route"))],
        ),
    ]
    extraction.schedule([stored.id for item in items for stored in item.files])
    extraction.wait_idle(app)
    db.session.expire_all()
    index()
    return items


def _titles(search_as, user, code, text):
    status, body = search_as(user, text, team=code)
    assert status == 200, body
    return sorted(hit["title"].split(" ", 1)[1] for hit in body["hits"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from:dk@example.net", ["Mail to the haulier"]),
        ("from:DK@Example.NET", ["Mail to the haulier"]),
        ("from:mk@example.net", ["Another mail"]),
        ("to:ana@example.hr", ["Another mail", "Mail to the haulier"]),
        ("cc:boss@example.net -from:mk@example.net", ["Mail to the haulier"]),
        ("msgid:20260227.1842@mail.example.net", ["Another mail", "Mail to the haulier"]),
        ("subject:marz", ["Another mail"]),
        ('subject:"lieferung dienstag"', ["Mail to the haulier"]),
        ("sent:2026-02", ["Another mail", "Mail to the haulier"]),
        ("sent:2026-02-27", ["Another mail", "Mail to the haulier"]),
        ("sent:2025", []),
        ("author:babic", ["Minutes"]),
        ("author:horvat", ["Archive"]),  # the author of a document inside the ZIP
        ("created:2026-03-14", ["Archive", "Minutes"]),
    ],
)
def test_a_header_is_one_query(app, case, mails, search_as, text, expected):
    assert _titles(search_as, case.nl_member.user, case.team.code, text) == expected


def test_a_field_finds_only_what_the_reader_may_read(app, case, mails, search_as):
    code = case.team.code
    assert _titles(search_as, case.nl_member.user, code, "subject:secret") == []
    assert _titles(search_as, case.de_member.user, code, "subject:secret") == ["German party only"]


def test_a_malformed_header_query_is_answered_with_a_message(app, case, search_as):
    status, body = search_as(case.nl_member.user, "sent:last-week", team=case.team.code)
    assert status == 400
    assert "sent: takes a date" in body["error"]


def test_tokens_are_the_same_for_the_index_and_the_query():
    indexed = q.identifiers({"from": ["DK@example.net"], "sent": ["2026-02-27T17:42:00+00:00"]})
    assert indexed == ("from:dk@example.net", "sent:2026", "sent:2026-02", "sent:2026-02-27")
    assert q.identifier_tokens("sent", "2026-2-7", query=True) == ["sent:2026-02-07"]
    assert q.identifier_tokens("author", "Tomislav Babić") == ["author:tomislav", "author:babic"]
