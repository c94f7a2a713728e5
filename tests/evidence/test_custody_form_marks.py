"""The custody form marks its required fields, and its rules are on the page, not folded."""

import re


def _labels(page: str) -> dict[str, str]:
    found = re.findall(r'<label for="([a-z_]+)">(.*?)</label>', page, re.S)
    return {name: re.sub(r"<[^>]+>", "", text).strip() for name, text in found}


def test_required_fields_are_marked_with_the_events_that_need_them(
    client, auth, nl_member, make_item
):
    make_item(nl_member, files=[("a.txt", b"content")])
    auth.login(nl_member.user)
    page = client.get(f"/t/{nl_member.team.code}/evidence/NL-0001/custody").get_data(as_text=True)
    labels = _labels(page)
    assert labels["event_type"] == "What happened *"
    assert labels["occurred_at"] == "When *"
    assert labels["released_by"] == "Released by * for transferred"
    assert labels["seal_number"] == "Seal or bag number * for sealed, unsealed, resealed"
    assert labels["location"] == "Where * for acquired, transferred, sealed, resealed"
    assert labels["notes"] == "Notes"  # never required: no mark
    assert "Fields marked * are required" in page
    assert '<h2 id="rules-title">What each event needs</h2>' in page
    assert "<details" not in page[page.index("rules-title") - 200 : page.index("rules-title")]
