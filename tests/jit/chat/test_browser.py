"""The chat in a real Chromium: people talking live, and hostile text staying text."""

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from jit.chat.models import Message
from jit.extensions import db
from tests.conftest import DEFAULT_PASSWORD, screenshot
from tests.jit.chat.conftest import NAMESPACE, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS_PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "[click me](javascript:window.__xss=3)",
    '<a href="javascript:window.__xss=4">link</a>',
    '"><svg onload="window.__xss=5">',
    "`<img src=x onerror=window.__xss=6>`",
    '<span class="exhibit-ref" data-exhibit="NL-0001" onclick="window.__xss=7">x</span>',
    '[x](https://example.org" onmouseover="window.__xss=8)',
]


def _open_chat(browser, server, app, user, code, frames=None):
    """Open the team's chat as ``user``; ``frames`` collects the WebSocket frames received."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "jit_session", "value": session_cookie(app, user), "url": server.url}]
    )
    page = context.new_page()
    if frames is not None:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: frames.append(frame)))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.url}/t/{code}/chat")
    page.wait_for_selector("#chat-status[data-state=online]")
    return context, page, dialogs


def _edit(page, old_text: str, new_text: str) -> None:
    """Edit one's own message the way a person does: hover, Edit, new text, Enter."""
    own = page.locator(".chat-message", has_text=old_text)
    own.hover()
    own.get_by_role("button", name="Edit").click()
    page.fill("#chat-body", new_text)
    page.keyboard.press("Enter")


def test_two_people_chat_live_without_reloading(app, browser, chat_team, chat_server, db_backend):
    server = chat_server()
    alice_context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    bob_context, bob, _ = _open_chat(browser, server, app, chat_team.de, chat_team.code)
    try:
        assert alice.locator("#chat-status").get_attribute("data-transport") == "websocket"
        # Each sees the other online.
        alice.wait_for_selector(f'#chat-people [data-person="{chat_team.de.id}"].is-online')
        # Bob's page has joined the channel: its live events reach him from now on. (A
        # typing signal sent before that is not sent again: on a loaded machine the
        # test waited 30 s for it, CI 2026-12-05.)
        bob.wait_for_selector(".chat-channel[aria-current=page][data-joined]")
        alice.fill("#chat-body", "Truck left Zagreb at **04:10**")
        bob.wait_for_selector("#chat-typing:has-text('is typing')")
        alice.keyboard.press("Enter")
        message = bob.locator(".chat-message", has_text="Truck left Zagreb")
        message.wait_for()
        expect(message.locator("strong")).to_have_text("04:10", use_inner_text=True)
        assert chat_team.nl.display_name in message.inner_text()
        bob.fill("#chat-body", "Spielfeld team in position")
        bob.select_option("#chat-handling", "H3")
        bob.fill("#chat-conditions", "AT customs officers only")
        bob.click("#chat-send")
        reply = alice.locator(".chat-message", has_text="Spielfeld team in position")
        reply.wait_for()
        expect(reply.locator(".chat-handling")).to_have_text("H3", use_inner_text=True)
        expect(reply).to_contain_text("AT customs officers only")
        screenshot(alice, f"chat-two-people-{db_backend}")
        # Bob edits his message; Alice sees the new text and the "edited" mark.
        _edit(bob, "Spielfeld team in position", "Spielfeld team in position since 09:00")
        alice.locator(".chat-message", has_text="since 09:00").wait_for()
        assert (
            alice.locator(".chat-message", has_text="since 09:00")
            .locator(".chat-message__edited")
            .inner_text()
            == "edited"
        )
    finally:
        alice_context.close()
        bob_context.close()


def test_a_page_that_was_offline_gets_the_edits_made_meanwhile(
    app, browser, chat_team, chat_server, db_backend
):
    """Bob's page is cut off while Alice corrects her message; on reconnecting it shows the
    corrected text without a reload (the catch-up replays edits, not only new messages)."""
    server = chat_server()
    alice_context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    bob_context, bob, _ = _open_chat(browser, server, app, chat_team.de, chat_team.code)
    try:
        alice.fill("#chat-body", "Meeting point: Waalhaven gate 4")
        alice.keyboard.press("Enter")
        bob.locator(".chat-message", has_text="gate 4").wait_for()
        bob_context.set_offline(True)
        server.stop()
        bob.wait_for_selector("#chat-status:not([data-state=online])")
        server.start()
        alice.wait_for_selector("#chat-status[data-state=online]", timeout=30_000)
        _edit(alice, "gate 4", "Meeting point: Waalhaven gate 7")
        alice.locator(".chat-message", has_text="gate 7").wait_for()
        assert bob.locator("#chat-status").get_attribute("data-state") != "online"
        bob_context.set_offline(False)
        bob.wait_for_selector("#chat-status[data-state=online]", timeout=30_000)
        corrected = bob.locator(".chat-message", has_text="gate 7")
        corrected.wait_for()
        expect(corrected.locator(".chat-message__edited")).to_have_text(
            "edited", use_inner_text=True
        )
        assert bob.locator(".chat-message", has_text="gate 4").count() == 0
        screenshot(bob, f"chat-edit-after-reconnect-{db_backend}")
    finally:
        alice_context.close()
        bob_context.close()


def test_an_xss_payload_is_inert_in_the_page(
    app, browser, chat_team, chat_server, live_client, make_user, make_membership
):
    hostile = make_membership(
        chat_team.team,
        "member",
        "NL",
        user=make_user(name='<img src=x onerror="window.__xss = 99">'),
    ).user
    server = chat_server()
    sender = live_client(server, hostile, chat_team.code)
    sender.wait_for("ready")
    for number, payload in enumerate(XSS_PAYLOADS):
        answer = sender.call(
            "send",
            {
                "channel": chat_team.general.id,
                "client_id": f"xss-payload-{number:04d}",
                "body": payload,
                "handling_code": "H3",
                "handling_conditions": '<script>window.__xss = "conditions"</script>',
            },
        )
        assert answer["ok"], answer
    context, page, dialogs = _open_chat(browser, server, app, chat_team.de, chat_team.code)
    try:
        page.locator(".chat-message").nth(len(XSS_PAYLOADS) - 1).wait_for()
        for link in page.locator(".chat-message__body a").all():
            link.click(modifiers=["Alt"], no_wait_after=True)
        page.locator(".chat-message__body").first.hover()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None
        assert dialogs == []
        bodies = page.locator(".chat-message__body")
        assert (
            page.locator(".chat-messages script, .chat-messages img, .chat-messages svg").count()
            == 0
        )
        assert page.locator(".chat-messages [onerror], .chat-messages [onclick]").count() == 0
        hrefs = [a.get_attribute("href") for a in page.locator(".chat-messages a").all()]
        assert all(href.startswith("https://") for href in hrefs), hrefs
        expect(bodies.nth(0)).to_contain_text(
            "<script>window.__xss = 1</script>", use_inner_text=True
        )
        expect(bodies.nth(1)).to_contain_text(
            '<img src=x onerror="window.__xss = 2">', use_inner_text=True
        )
        assert page.locator(".chat-message__author").first.inner_text() == (
            '<img src=x onerror="window.__xss = 99">'
        )
        screenshot(page, "chat-xss-inert")
    finally:
        context.close()


def test_signing_in_and_opening_the_chat_from_the_team_menu(browser, chat_team, chat_server):
    server = chat_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/login")
        page.get_by_label("E-mail address").fill(chat_team.nl.email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{server.url}/t/{chat_team.code}/")
        page.get_by_role("link", name="Chat").click()
        page.wait_for_selector("#chat-status[data-state=online]")
        expect(page.locator("#chat-title")).to_have_text("#general", use_inner_text=True)
    finally:
        context.close()


def test_the_page_catches_up_and_resends_after_the_server_restarts(
    app, browser, chat_team, chat_server, live_client
):
    from sqlalchemy import func, select

    from jit.chat.models import Message
    from jit.extensions import db

    server = chat_server()
    bob = live_client(server, chat_team.de, chat_team.code)
    bob.wait_for("ready")
    bob.call("join", {"channel": chat_team.general.id})
    bob.call(
        "send",
        {
            "channel": chat_team.general.id,
            "client_id": "restart-0001",
            "body": "before the restart",
        },
    )
    context, alice, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    try:
        alice.locator(".chat-message", has_text="before the restart").wait_for()
        bob.close()
        server.stop()
        alice.wait_for_selector("#chat-status[data-state=reconnecting]")
        alice.fill("#chat-body", "written while the server was away")
        alice.keyboard.press("Enter")
        alice.locator(".chat-message__pending:visible").wait_for()
        server.start()
        bob = live_client(server, chat_team.de, chat_team.code)
        bob.wait_for("ready")
        for number in (2, 3):
            bob.call(
                "send",
                {
                    "channel": chat_team.general.id,
                    "client_id": f"restart-000{number}",
                    "body": f"missed {number}",
                },
            )
        alice.wait_for_selector("#chat-status[data-state=online]", timeout=20000)
        alice.locator(".chat-message", has_text="missed 3").wait_for()
        alice.locator(".chat-message__pending:visible").wait_for(state="detached", timeout=10000)
        texts = alice.locator(".chat-message__body").all_inner_texts()
        assert texts.count("written while the server was away") == 1
        assert texts.index("before the restart") < texts.index("missed 2") < texts.index("missed 3")
        db.session.rollback()
        stored = db.session.scalar(
            select(func.count()).select_from(Message).where(Message.author_id == chat_team.nl.id)
        )
        assert stored == 1
        seqs = alice.eval_on_selector_all(
            ".chat-message[data-seq]", "items => items.map(item => Number(item.dataset.seq))"
        )
        assert seqs == sorted(seqs)
        assert len(seqs) == len(set(seqs)) == 4
    finally:
        context.close()


def test_signing_out_in_another_tab_ends_the_open_chat(app, browser, chat_team, chat_server):
    server = chat_server()
    context, chat, _ = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    try:
        other_tab = context.new_page()
        other_tab.goto(f"{server.url}/account")
        other_tab.get_by_role("button", name="Sign out").first.click()
        other_tab.wait_for_url("**/login")
        chat.wait_for_selector("#chat-status[data-state=revoked]")
        expect(chat.locator("#chat-status")).to_contain_text(
            "session has ended", use_inner_text=True
        )
        screenshot(chat, "chat-signed-out-elsewhere")
    finally:
        context.close()


def test_messages_committed_together_show_in_number_order(
    app, browser, chat_team, chat_server, live_client
):
    """A burst from three people is committed in batches, broadcast as ``messages``
    events; the page shows every message once, in the channel's number order."""
    server = chat_server()
    frames = []
    context, bob, _ = _open_chat(browser, server, app, chat_team.de, chat_team.code, frames)
    senders = [
        live_client(server, person, chat_team.code)
        for person in (chat_team.nl, chat_team.leader, chat_team.coordinator)
    ]
    for sender in senders:
        sender.wait_for("ready")
        assert sender.call("join", {"channel": chat_team.general.id})["ok"]
    per_sender = 15  # within each person's burst allowance (CHAT_RATE_BURST)
    start = threading.Barrier(len(senders))

    def burst(index, sender):
        start.wait(10)
        for number in range(per_sender):
            sender.sio.emit(
                "send",
                {
                    "channel": chat_team.general.id,
                    "client_id": f"burst-{index}-{number:04d}",
                    "body": f"burst {index}-{number:02d}",
                },
                namespace=NAMESPACE,
            )

    threads = [threading.Thread(target=burst, args=pair) for pair in enumerate(senders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        shown = bob.locator(".chat-message", has_text="burst ")
        expect(shown).to_have_count(len(senders) * per_sender, timeout=20_000)
        db.session.rollback()
        in_number_order = db.session.scalars(
            select(Message.body)
            .where(Message.channel_id == chat_team.general.id)
            .order_by(Message.seq)
        ).all()
        assert [
            text.strip() for text in shown.locator(".chat-message__body").all_inner_texts()
        ] == (in_number_order)
        # The burst did reach the page as batches, not only one message per event.
        assert any('"messages"' in frame for frame in frames if isinstance(frame, str))
        screenshot(bob, "chat-burst-in-order")
    finally:
        context.close()
