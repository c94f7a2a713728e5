"""A person sending too fast sees why and when their message goes; nothing is dropped."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.jit.chat.test_browser import _open_chat

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
        path = screenshot(alice, "chat-rate-limited")
        shutil.copy(path, "/tmp/chat-rate-limited.png")
        # Not dropped: it goes by itself once the wait is over, and Bob gets it once.
        bob.locator(".chat-message", has_text="Third car").wait_for(timeout=20_000)
        waiting.locator(".chat-message__pending").wait_for(state="hidden", timeout=20_000)
        assert bob.locator(".chat-message", has_text="Third car").count() == 1
        assert bob.locator(".chat-message", has_text="Convoy at border").count() == 1
    finally:
        alice_context.close()
        bob_context.close()
