"""The item page's lineage: parents up to the root and the children, in one query."""

from sqlalchemy import event

from evidence import queries
from jit.extensions import db
from jit.teams.access import TeamAccess


def _family(nl_member, make_item):
    root = make_item(nl_member, title="Seized phone", visibility="party")
    image = make_item(
        nl_member, title="Forensic image", parent_exhibit=root.exhibit_number, derivation="copy"
    )
    chats = make_item(
        nl_member, title="Chat extract", parent_exhibit=image.exhibit_number, derivation="extract"
    )
    chart = make_item(
        nl_member, title="Link chart", parent_exhibit=chats.exhibit_number, derivation="analysis"
    )
    notes = make_item(
        nl_member,
        title="Analyst notes",
        parent_exhibit=chats.exhibit_number,
        derivation="analysis",
        visibility="party",
    )
    return root, image, chats, chart, notes


def _statements_during(call):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, seen


def test_the_own_party_sees_the_whole_family_in_one_query(app, nl_member, make_item):
    root, image, chats, chart, notes = _family(nl_member, make_item)
    access = TeamAccess(team=nl_member.team, membership=nl_member)
    _loaded_before_counting = (access.party.id, access.user.id, chats.parent_id)
    (ancestors, children), statements = _statements_during(lambda: queries.lineage(access, chats))
    assert ancestors == [root, image]
    assert children == [chart, notes]
    assert len(statements) == 1


def test_a_parent_the_reader_may_not_see_ends_the_walk(app, nl_member, make_item, make_membership):
    root, image, chats, chart, _notes = _family(nl_member, make_item)
    german = make_membership(nl_member.team, "member", "DE")
    access = TeamAccess(team=german.team, membership=german)
    ancestors, children = queries.lineage(access, chats)
    assert ancestors == [None, image]  # the root is the NL party's only
    assert children == [chart]  # the party-only notes are left out
    assert queries.lineage(access, root) == ([], [image])


def test_an_item_without_parents_or_children_has_no_lineage(app, nl_member, make_item):
    alone = make_item(nl_member, title="Receipt")
    access = TeamAccess(team=nl_member.team, membership=nl_member)
    assert queries.lineage(access, alone) == ([], [])
