"""Chat messages are found by the text they carry now: edits replace it, retractions remove it."""


def test_a_message_links_to_its_place_in_the_channel(app, case, chat, index, search_as):
    message = chat.post(case.de_member, "Meet at the Zeebrugge terminal")
    index()
    _status, body = search_as(case.nl_member.user, "zeebrugge", team=case.team.code)
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["kind"] == "message"
    assert hit["party"] == "DE"
    channel = chat.channel(case.team)
    assert hit["url"] == f"/t/{case.team.code}/chat?channel={channel.id}#message-{message.id}"


def test_an_edited_message_is_found_by_its_new_text_only(app, case, chat, index, search_as):
    message = chat.post(case.de_member, "The courier arrives in Rotterdam")
    index()
    chat.edit(case.de_member, message, "The courier arrives in Hamburg")
    index()
    code = case.team.code
    assert search_as(case.nl_member.user, "hamburg", team=code)[1]["total"] == 1
    assert search_as(case.nl_member.user, "rotterdam", team=code)[1]["total"] == 0


def test_a_retracted_message_is_not_found_at_all(app, case, chat, index, search_as):
    message = chat.post(case.de_member, "Wrong plate number KX-771-LB")
    kept = chat.post(case.de_member, "Plate numbers follow tomorrow")
    index()
    chat.retract(case.de_member, message)
    index()
    _status, body = search_as(case.nl_member.user, "plate", team=case.team.code)
    assert body["total"] == 1
    assert body["facets"]["kind"] == {"message": 1}
    assert kept.body in body["hits"][0]["fragment_html"].replace("<mark>", "").replace(
        "</mark>", ""
    )


def test_a_message_s_snippet_is_its_text_without_markdown_and_escaped(
    app, case, chat, index, search_as
):
    chat.post(case.de_member, "Seen **#HR-0001** at the `Waalhaven` dock <b>tonight</b>")
    index()
    _status, body = search_as(case.nl_member.user, "waalhaven", team=case.team.code)
    fragment = body["hits"][0]["fragment_html"]
    assert "**" not in fragment
    assert "`" not in fragment
    assert "#HR-0001" in fragment
    assert "<mark>Waalhaven</mark>" in fragment
    assert "tonight" in fragment
    assert "<b>" not in fragment  # typed tags are shown escaped (Whoosh) or dropped (PostgreSQL)
