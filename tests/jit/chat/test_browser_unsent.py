"""A message the server refuses for good stays on the page, marked "Not sent", until the
person sends it again, edits or discards it; a slow server is shown as slow.

The refusal for good here is the agreement's: the team is closed after the page loaded
(the writer refuses at commit), and opened again before "Send again".
"""

import contextlib
import json
import re
import shutil
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from jit.chat import writer
from jit.chat.models import Message
from jit.clock import utcnow
from jit.extensions import db
from tests.conftest import screenshot
from tests.jit.chat.conftest import session_cookie
from tests.jit.chat.test_browser import _open_chat
from tests.jit.chat.test_group_commit_servers import DatabaseLock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = "/work/exp/s28"


def _keep_screenshot(page, name):
    path = screenshot(page, name)
    with_name = f"{SCREENSHOTS}/{name}.png"
    with contextlib.suppress(OSError):  # elsewhere than the workspace's machine
        shutil.copy(path, with_name)
    return path


def _until_the_server_answers(probe, chat_team, *, ok: bool, prefix: str):
    """Send probes as Bob until one is stored (``ok``) or refused: the server's writer
    keeps the agreement's answer for up to a second (jit/chat/gate_cache.py)."""
    deadline = time.monotonic() + 30
    number = 0
    while time.monotonic() < deadline:
        number += 1
        answer = probe.call(
            "send",
            {"channel": chat_team.general.id, "client_id": f"{prefix}-{number:05d}", "body": "."},
        )
        if answer["ok"] is ok:
            return answer
        time.sleep(0.05)  # the writer asks again once its kept answer is a second old
    raise AssertionError(f"the server never answered ok={ok}")


def _write(page, text):
    page.fill("#chat-body", text)
    page.keyboard.press("Enter")


def test_messages_refused_for_good_stay_marked_not_sent_and_go_when_sent_again(
    app, browser, chat_team, chat_server, live_client, monkeypatch
):
    from agreements.models import Agreement

    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")
    server = chat_server()
    probe = live_client(server, chat_team.de, chat_team.code)
    probe.wait_for("ready")
    assert probe.call("join", {"channel": chat_team.general.id})["ok"]
    context, alice, dialogs = _open_chat(browser, server, app, chat_team.nl, chat_team.code)
    try:
        agreement = Agreement(team_id=chat_team.team.id, closed_at=utcnow())
        db.session.add(agreement)
        db.session.commit()
        refusal = _until_the_server_answers(probe, chat_team, ok=False, prefix="closed")
        assert "The team was closed on" in refusal["error"]

        notes = ["Surveillance log 14:02 one", "Surveillance log 14:05 two", "Note three"]
        for text in notes:
            _write(alice, text)
        unsent = alice.locator(".chat-message--unsent")
        expect(unsent).to_have_count(3, timeout=20_000)
        for text, item in zip(notes, unsent.all(), strict=True):
            expect(item.locator(".chat-message__body")).to_have_text(text)
            expect(item.locator(".chat-message__pending")).to_have_text("Not sent")
            expect(item.locator(".chat-message__unsent-reason")).to_contain_text(
                "The team was closed on"
            )
            for action in ("Send again", "Edit", "Discard"):
                expect(item.get_by_role("button", name=action)).to_be_visible()
        expect(alice.locator("#chat-error")).to_contain_text(
            'Your message was not sent; it stays in the list, marked "Not sent"'
        )
        expect(alice.locator("#chat-body")).to_have_value("")  # nothing was put back there
        _keep_screenshot(alice, "chat-not-sent")

        # Leaving the page with messages not sent: the browser asks first.
        with alice.expect_event("dialog") as asked:
            alice.close(run_before_unload=True)
        assert asked.value.type == "beforeunload"
        assert not alice.is_closed()  # dismissed: the page stays, the messages with it
        expect(unsent).to_have_count(3)

        # Open again: "Send again" stores a message once, in place.
        agreement.closed_at = None
        db.session.commit()
        _until_the_server_answers(probe, chat_team, ok=True, prefix="open")
        unsent.nth(0).get_by_role("button", name="Send again").click()
        first = alice.locator(".chat-message[data-seq]", has_text=notes[0])
        expect(first).to_have_count(1, timeout=20_000)
        expect(first.locator(".chat-message__pending")).to_be_hidden()
        expect(first).not_to_have_class(re.compile("chat-message--unsent"))
        probe.wait_for("message", lambda m: m["text"] == notes[0])
        # "Edit" puts the text back in the box, the bubble goes; sent from there.
        expect(unsent).to_have_count(2)
        unsent.nth(0).get_by_role("button", name="Edit").click()
        expect(alice.locator("#chat-body")).to_have_value(notes[1])
        expect(unsent).to_have_count(1)
        alice.keyboard.press("Enter")
        expect(alice.locator(".chat-message[data-seq]", has_text=notes[1])).to_have_count(
            1, timeout=20_000
        )
        # "Discard" drops the last one, and nothing is left to warn about.
        unsent.nth(0).get_by_role("button", name="Discard").click()
        expect(unsent).to_have_count(0)
        expect(alice.locator(".chat-message", has_text=notes[2])).to_have_count(0)
        assert (
            alice.evaluate(
                "() => { const e = new Event('beforeunload', {cancelable: true});"
                " window.dispatchEvent(e); return e.defaultPrevented; }"
            )
            is False
        )
        db.session.rollback()
        stored = list(
            db.session.scalars(
                select(Message.body)
                .where(Message.author_id == chat_team.nl.id)
                .order_by(Message.seq)
            )
        )
        assert stored == notes[:2]  # each once, in the order sent
        assert dialogs == [""]  # only the warning on leaving
    finally:
        context.close()


def test_a_slow_server_is_shown_as_slow_and_the_page_waits_for_its_answer(
    app, browser, chat_team, chat_server, db_backend, monkeypatch
):
    """The server answers a send it could not store within JIT_CHAT_SEND_WAIT_SECONDS
    with "not confirmed yet" and a time; the page waits longer than that for the answer
    (it never sends the message again while the server may be storing it), shows the
    message as still sending, then counts down, then sends it again."""
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")
    monkeypatch.setenv("JIT_CHAT_SEND_WAIT_SECONDS", "4")
    server = chat_server()
    frames = []  # the page's WebSocket frames, out and in, in order
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "jit_session", "value": session_cookie(app, chat_team.nl), "url": server.url}]
    )
    alice = context.new_page()
    alice.on("websocket", lambda ws: ws.on("framesent", lambda f: frames.append(("out", f))))
    alice.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(("in", f))))
    alice.goto(f"{server.url}/t/{chat_team.code}/chat")
    alice.wait_for_selector("#chat-status[data-state=online]")
    channel_id = chat_team.general.id
    assert alice.locator("#chat").get_attribute("data-send-wait-seconds") == "4.0"
    lock = DatabaseLock(app, db_backend, channel_id)
    try:
        _write(alice, "Held back by the database")
        _write(alice, "Written after it")
        first = alice.locator(".chat-message", has_text="Held back by the database")
        second = alice.locator(".chat-message", has_text="Written after it")
        expect(first.locator(".chat-message__pending")).to_have_text(
            "still sending — the server is slow to answer", timeout=10_000
        )
        expect(second.locator(".chat-message__pending")).to_have_text("waiting to be sent")
        # The server's answer: not stored in time; both wait, counting down.
        error = alice.locator("#chat-error")
        expect(error).to_contain_text(
            re.compile(
                r"The server is slow to store messages right now; "
                r"your 2 messages wait here; sending resumes in \d s\."
            ),
            timeout=20_000,
        )
        expect(first.locator(".chat-message__pending")).to_have_text(
            re.compile(r"waiting — sent again in \d s")
        )
        expect(second.locator(".chat-message__pending")).to_have_text(
            re.compile(r"waiting — sent in \d s")
        )
        _keep_screenshot(alice, "chat-slow-server")
    finally:
        lock.release()
    for text in ("Held back by the database", "Written after it"):
        expect(alice.locator(".chat-message[data-seq]", has_text=text)).to_have_count(
            1, timeout=30_000
        )
    db.session.rollback()
    stored = list(db.session.scalars(select(Message.body).order_by(Message.seq)))
    assert stored == ["Held back by the database", "Written after it"]
    # The first message went once, and again (if its broadcast had not come meanwhile)
    # only after the server's answer to it; the second after that.
    order = []
    for direction, frame in frames:
        frame = str(frame)
        if direction == "out" and frame.startswith("42/chat,") and '["send",' in frame:
            ack = re.match(r"42/chat,(\d+)", frame).group(1)
            order.append(("sent", "held" if "Held back" in frame else "after", ack))
        elif direction == "in" and frame.startswith("43/chat,"):
            order.append(("answered", None, re.match(r"43/chat,(\d+)", frame).group(1)))
    sends = [o for o in order if o[0] == "sent"]
    assert sends[0][1] == "held", order
    answered_at = order.index(("answered", None, sends[0][2]))
    assert [o for o in order[:answered_at] if o[0] == "sent"] == [sends[0]], order
    context.close()


class SocketBetween:
    """Stands between the page and the server on the page's WebSocket: refuses the first
    send of one message as the server does when full, and holds its next send back
    until the test lets it through."""

    def __init__(self, page, body: str):
        self._body, self._page_side, self._server_side = body, None, None
        self.held: list[str] = []
        self.refused = False
        page.route_web_socket(re.compile(r".*/socket\.io/.*"), self._route)

    def _route(self, page_side):
        self._page_side = page_side
        self._server_side = page_side.connect_to_server()
        page_side.on_message(self._from_page)
        self._server_side.on_message(page_side.send)

    def _from_page(self, message):
        match = re.match(r'^42/chat,(\d+)\["send",(.*)\]$', str(message), re.DOTALL)
        if match and json.loads(match.group(2))["body"] == self._body:
            if not self.refused:
                self.refused = True
                answer = {"ok": False, "error": writer.SERVER_BUSY, "retry_after": 3}
                self._page_side.send(f"43/chat,{match.group(1)}[{json.dumps(answer)}]")
                return
            if not self.held:
                self.held.append(message)
                return
        self._server_side.send(message)

    def let_through(self):
        for message in self.held:
            self._server_side.send(message)


def test_a_full_server_is_said_in_one_sentence_and_waiting_labels_stay_true(
    app, browser, chat_team, chat_server, monkeypatch
):
    monkeypatch.setenv("JIT_CHAT_RATE_MESSAGES", "0")
    server = chat_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [{"name": "jit_session", "value": session_cookie(app, chat_team.nl), "url": server.url}]
    )
    alice = context.new_page()
    between = SocketBetween(alice, "Seen at the depot")
    alice.goto(f"{server.url}/t/{chat_team.code}/chat")
    alice.wait_for_selector("#chat-status[data-state=online]")
    try:
        _write(alice, "Seen at the depot")
        error = alice.locator("#chat-error")
        expect(error).to_have_text(
            re.compile(
                r"^The chat server is busy right now; your message waits here and is sent "
                r"again in [1-3] s\.$"
            )
        )
        _write(alice, "Second, written meanwhile")
        first = alice.locator(".chat-message", has_text="Seen at the depot")
        second = alice.locator(".chat-message", has_text="Second, written meanwhile")
        expect(first.locator(".chat-message__pending")).to_have_text(
            re.compile(r"^waiting — sent again in [1-3] s$")
        )
        expect(second.locator(".chat-message__pending")).to_have_text(
            re.compile(r"^waiting — sent in [1-3] s$")
        )
        # The wait over, the first is on its way (held here): the second's label says
        # it waits its turn, not a countdown frozen at its last second.
        expect(first.locator(".chat-message__pending")).to_have_text(
            "still sending — the server is slow to answer", timeout=15_000
        )
        expect(second.locator(".chat-message__pending")).to_have_text("waiting to be sent")
        assert between.held
        between.let_through()
        for text in ("Seen at the depot", "Second, written meanwhile"):
            stored = alice.locator(".chat-message[data-seq]", has_text=text)
            expect(stored).to_have_count(1, timeout=20_000)
            expect(stored.locator(".chat-message__pending")).to_be_hidden()
    finally:
        context.close()
