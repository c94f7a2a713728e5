"""A person sending too fast sees why and when their message goes; nothing is dropped."""

import json
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.jit.chat.conftest import session_cookie
from tests.jit.chat.test_browser import _edit, _open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_page_shows_the_limit_and_sends_the_waiting_message_later(
    app, browser, chat_team, chat_server, monkeypatch
):
    # Two at once, then one every 8 s: the third message of a quick series must wait
    # (8 s, not less, so that a loaded machine typing slowly still outpaces the refill).
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "1")
    monkeypatch.setenv("JIT_CHAT_RATE_SECONDS", "8")
    monkeypatch.setenv("JIT_CHAT_RATE_BURST", "2")
    server = chat_server()
    alice_context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    bob_context, bob, _ = _open_chat(browser, server, app, chat_team.de, chat_team.code)
    try:
        for text in ("Convoy at border", "Second car seen", "Third car: ZG-1234"):
            alice.fill("#chat-body", text)
            alice.keyboard.press("Enter")
        error = alice.locator("#chat-error")
        error.wait_for(state="visible")
        expect(error).to_contain_text("faster than this workspace allows")
        expect(error).to_contain_text("sent again in")
        waiting = alice.locator(".chat-message", has_text="Third car")
        expect(waiting.locator(".chat-message__pending")).to_contain_text(
            "waiting — sent again in", use_inner_text=True
        )
        expect(waiting.locator(".chat-message__party")).to_be_hidden()  # "You", no empty badge
        path = screenshot(alice, "chat-rate-limited")
        shutil.copy(path, "/tmp/chat-rate-limited.png")
        # Not dropped: it goes by itself once the wait is over, and Bob gets it once.
        bob.locator(".chat-message", has_text="Third car").wait_for(timeout=20_000)
        waiting.locator(".chat-message__pending").wait_for(state="hidden", timeout=20_000)
        assert bob.locator(".chat-message", has_text="Third car").count() == 1
        assert bob.locator(".chat-message", has_text="Convoy at border").count() == 1
        # Stored in the order they were written (one send in flight at a time).
        texts = bob.locator(".chat-message").all_inner_texts()
        order = [
            next(i for i, text in enumerate(texts) if needle in text)
            for needle in ("Convoy at border", "Second car seen", "Third car")
        ]
        assert order == sorted(order)
    finally:
        alice_context.close()
        bob_context.close()


def test_the_page_sends_one_message_at_a_time_in_the_order_written(
    app, browser, chat_team, chat_server
):
    """The server answers one connection's events concurrently: a page with two sends in
    flight could see them stored, or refused by the rate limit, out of order."""
    server = chat_server()
    frames = []  # every WebSocket frame of the page, in order
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "jit_session", "value": session_cookie(app, chat_team.nl), "url": server.url}]
    )
    page = context.new_page()
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: frames.append(("out", f))))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(("in", f))))
    try:
        page.goto(f"{server.url}/t/{chat_team.code}/chat")
        page.wait_for_selector("#chat-status[data-state=online]")
        texts = [f"Observation {n} at the depot" for n in range(1, 6)]
        # All five written within one task of the page, before any answer can arrive.
        page.evaluate(
            """(texts) => {
                const form = document.querySelector("#chat-body").form;
                for (const text of texts) {
                    document.querySelector("#chat-body").value = text;
                    form.requestSubmit();
                }
            }""",
            texts,
        )
        for text in texts:  # each stored: numbered, no longer pending
            page.locator(".chat-message[data-seq]", has_text=text).wait_for(timeout=20_000)
        in_flight, most, sent_order = set(), 0, []
        for direction, frame in frames:
            match = re.match(r"^4([23])/chat,(\d+)(.*)$", frame if isinstance(frame, str) else "")
            if not match:
                continue
            kind, ack_id, rest = match.groups()
            if kind == "2" and rest.startswith('["send"') and direction == "out":
                in_flight.add(ack_id)
                most = max(most, len(in_flight))
                sent_order.append(json.loads(rest)[1]["body"])
            elif kind == "3" and direction == "in":
                in_flight.discard(ack_id)
        assert most == 1
        assert sent_order == texts
        shown = page.locator(".chat-message").all_inner_texts()
        places = [next(i for i, t in enumerate(shown) if text in t) for text in texts]
        assert places == sorted(places)
    finally:
        context.close()


def test_the_page_asks_again_for_channels_refused_for_now(
    app, browser, chat_team, chat_server, live_client, monkeypatch
):
    """A page joins every channel of the team when it connects. Past the person's
    allowance of other requests, the refused joins come back with a wait; the page asks
    again after it, so every channel still gets its live messages."""
    from jit.chat import services
    from jit.extensions import db
    from jit.teams.access import team_access_for

    leader = team_access_for(chat_team.leader, chat_team.code)
    extra = [services.create_channel(leader, name=name) for name in ("ops", "finance", "seizures")]
    db.session.commit()
    extra_ids = [channel.id for channel in extra]
    # Two at once, then one a second: the page's first joins (four channels, the history
    # of the open one, its read mark) cannot all be answered at once.
    monkeypatch.setenv("JIT_CHAT_EVENT_RATE", "1")
    monkeypatch.setenv("JIT_CHAT_EVENT_BURST", "2")
    server = chat_server()
    bob = live_client(server, chat_team.de, chat_team.code)  # ready before Alice's page
    frames = []
    context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code, frames)
    try:
        error = alice.locator("#chat-error")
        error.wait_for(state="visible")
        # Bob writes in the last channel at once, before the page asks to join it again
        # (a second after its refusal): the count the join answers with must show it.
        early = bob.call(
            "send", {"channel": extra_ids[-1], "client_id": "early-00001", "body": "x"}
        )
        assert early["ok"], early
        expect(error).to_contain_text("Too many chat requests at once")
        expect(error).to_contain_text("The page asks again in a moment.")
        expect(error).not_to_contain_text("sent again in")  # nothing of theirs waits
        shutil.copy(screenshot(alice, "chat-requests-refused"), "/tmp/chat-requests-refused.png")
        refused = [f for f in frames if isinstance(f, str) and "Too many chat requests" in f]
        assert refused, "no join was refused: the test proves nothing"
        # The page asks again after each wait until every channel is joined.
        joined = re.compile(r'^43/chat,\d+\[\{"ok":true,"channel":\{"id":(\d+),')
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            answered = {int(m.group(1)) for f in list(frames) if (m := joined.match(str(f)))}
            if answered >= set(extra_ids):
                break
            alice.wait_for_timeout(200)
        assert answered >= set(extra_ids), f"joined only {sorted(answered)}"
        late = alice.locator(f'.chat-channel[data-channel-id="{extra_ids[-1]}"] [data-unread]')
        expect(late).to_have_text("1")  # Bob's early message, counted by the join
        # Then Bob writes in each extra channel: the page gets each message live.
        for number, channel_id in enumerate(extra_ids):
            answer = bob.call(
                "send",
                {"channel": channel_id, "client_id": f"later-{number:05d}", "body": "Seen"},
            )
            assert answer["ok"], answer
        for channel_id, unread in zip(extra_ids, ("1", "1", "2"), strict=True):
            badge = alice.locator(f'.chat-channel[data-channel-id="{channel_id}"] [data-unread]')
            expect(badge).to_have_text(unread, timeout=20_000)
    finally:
        context.close()


def test_an_edit_or_retraction_refused_for_now_says_so_and_leaves_the_message_as_it_was(
    app, browser, chat_team, chat_server, monkeypatch
):
    """Edits and retractions share the sends' allowance, but the page never sends them
    again by itself: refused, the message keeps its text, the edit's text stays in the
    box, and the page says what was not done (not that anything waits)."""
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "1")
    monkeypatch.setenv("JIT_CHAT_RATE_SECONDS", "60")
    monkeypatch.setenv("JIT_CHAT_RATE_BURST", "2")
    server = chat_server()
    context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    try:
        alice.fill("#chat-body", "Convoy at border")
        alice.keyboard.press("Enter")
        own = alice.locator(".chat-message[data-seq]", has_text="Convoy at border")
        own.wait_for()
        _edit(alice, "Convoy at border", "Convoy at the border, 3 trucks")  # the second
        edited = alice.locator(".chat-message[data-seq]", has_text="Convoy at the border, 3")
        expect(edited.locator(".chat-message__edited")).to_be_visible()
        _edit(alice, "Convoy at the border, 3 trucks", "Convoy at the border, 4 trucks")
        error = alice.locator("#chat-error")
        expect(error).to_contain_text(
            re.compile(
                r"^You are writing faster than this workspace allows \(1 message in 60 s, or "
                r"2 at once, edits and retractions included\); the edit was not saved\. Your "
                r"text is still in the box: save it again in \d+ s\.$"
            )
        )
        expect(error).not_to_contain_text("sent again")
        expect(error).not_to_contain_text("Waiting messages")
        expect(alice.locator("#chat-body")).to_have_value("Convoy at the border, 4 trucks")
        expect(alice.locator("#chat-editing")).to_be_visible()  # still editing: save again
        expect(edited.locator(".chat-message__body")).to_have_text("Convoy at the border, 3 trucks")
        expect(edited.locator(".chat-message__pending")).to_be_hidden()
        shutil.copy(screenshot(alice, "chat-edit-refused"), "/tmp/chat-edit-refused.png")
        alice.locator("#chat-edit-cancel").click()
        alice.evaluate("window.confirm = () => true")  # "Retract this message?" Yes.
        edited.hover()
        edited.get_by_role("button", name="Retract").click()
        expect(error).to_contain_text(
            re.compile(
                r"edits and retractions included\); the message was not retracted\. "
                r"Try again in \d+ s\.$"
            )
        )
        expect(edited.locator(".chat-message__body")).to_have_text("Convoy at the border, 3 trucks")
        expect(edited).not_to_have_class(re.compile("chat-message--retracted"))
        expect(edited.locator(".chat-message__pending")).to_be_hidden()
    finally:
        context.close()
