// Team chat client: Socket.IO over WebSocket, loss-free across reconnects.
// Messages are numbered per channel without gaps (seq); the client tracks the highest
// number it holds with nothing missing below it and asks for what follows on reconnect.
"use strict";

(() => {
  const root = document.getElementById("chat");
  if (!root || typeof window.io !== "function") return;

  const $ = (id) => document.getElementById(id);
  const team = root.dataset.team;
  const myId = Number(root.dataset.userId);
  const timeZone = root.dataset.timeZone || "UTC";
  const recordUrl = root.dataset.recordUrl;
  const chatUrl = root.dataset.chatUrl;
  const readOnly = root.dataset.readOnly === "1"; // the team's agreement has ended
  // The server answers a send within JIT_CHAT_SEND_WAIT_SECONDS ("not confirmed yet" at
  // worst); the page waits longer than that for the answer, so it never sends a message
  // again while the server may still be storing it.
  const sendWaitSeconds = Number(root.dataset.sendWaitSeconds) || 20;
  const ANSWER_MARGIN_SECONDS = 10;
  const answerTimeout = (sendWaitSeconds + ANSWER_MARGIN_SECONDS) * 1000;
  // A send unanswered this long is shown as still sending, the server slow.
  const STILL_SENDING_AFTER = 2000;
  const log = $("chat-log");
  const list = $("chat-messages");
  const older = $("chat-older");
  const statusLine = $("chat-status");
  const errorLine = $("chat-error");
  const typingLine = $("chat-typing");
  const composer = $("chat-composer");
  const body = $("chat-body");
  const handling = $("chat-handling");
  const conditions = $("chat-conditions");
  const sendButton = $("chat-send");
  const count = $("chat-count");
  const template = $("chat-message-template");
  const reliability = $("chat-reliability");
  const accuracy = $("chat-accuracy");
  const reliabilityMeaning = JSON.parse(root.dataset.sourceReliability || "{}");
  const accuracyMeaning = JSON.parse(root.dataset.informationAccuracy || "{}");

  const channels = new Map(); // id -> {info, messages: Map(seq -> payload), contiguous, hasOlder}
  // Messages written here and not (yet) stored, oldest first: client_id -> the draft
  // (channel, body, handling code and conditions, grades) and its state: inFlight,
  // sentAt, tried (sent at least once), attempt (which answer counts), unsent (the
  // reason it was refused for good, until sent again, edited or discarded).
  const pending = new Map();
  const exhibitLinks = new Map(); // "NL-0007" -> url | null
  const typists = new Map(); // user id -> {name, channel, until}
  let active = Number(root.dataset.channel) || null;
  let maxLength = 4000;
  let mayReadHistory = false;
  let editing = null; // message id being edited
  let revoked = false;
  let readTimer = null;
  let lastTypingSent = 0;

  const timeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone, day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });

  const socket = window.io("/chat", {
    auth: { team },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    withCredentials: true,
  });

  // --- Status and errors -------------------------------------------------------------

  function setStatus(state, text) {
    statusLine.dataset.state = state;
    statusLine.textContent = text;
    const usable = state === "online" || state === "reconnecting";
    for (const control of [body, handling, conditions, reliability, accuracy, sendButton]) {
      control.disabled = !usable || revoked || readOnly;
    }
  }

  let errorTimer = null;
  function showError(text) {
    clearInterval(errorTimer);
    clearTimeout(errorTimer);
    errorLine.hidden = false;
    errorLine.textContent = text;
    errorTimer = setTimeout(() => { errorLine.hidden = true; }, 8000);
  }

  // A refusal for now: ``say(left)`` is the text with the whole seconds still to wait.
  function showCountdown(say, seconds) {
    clearInterval(errorTimer);
    clearTimeout(errorTimer);
    errorLine.hidden = false;
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) { clearInterval(errorTimer); errorLine.hidden = true; return; }
      errorLine.textContent = say(left);
    };
    tick();
    errorTimer = setInterval(tick, 500);
  }

  // Ask again after the wait a refusal for now names (the server's bound on requests).
  function later(answer, again) {
    if (answer && !answer.ok && answer.retry_after) {
      setTimeout(again, answer.retry_after * 1000);
      return true;
    }
    return false;
  }

  // --- Channel state -----------------------------------------------------------------

  function channelState(id) {
    let state = channels.get(id);
    if (!state) {
      state = { info: null, messages: new Map(), contiguous: null, hasOlder: true };
      channels.set(id, state);
    }
    return state;
  }

  function updateContiguous(state) {
    if (state.contiguous === null) return;
    while (state.messages.has(state.contiguous + 1)) state.contiguous += 1;
  }

  function newestSeq(state) {
    let newest = 0;
    for (const seq of state.messages.keys()) newest = Math.max(newest, seq);
    return newest;
  }

  function oldestSeq(state) {
    let oldest = Infinity;
    for (const seq of state.messages.keys()) oldest = Math.min(oldest, seq);
    return oldest === Infinity ? null : oldest;
  }

  function setUnread(id, value) {
    const state = channelState(id);
    if (!state.info) return;
    state.info.unread = Math.max(0, value);
    const badge = document.querySelector(`.chat-channel[data-channel-id="${id}"] [data-unread]`);
    if (badge) {
      badge.textContent = state.info.unread > 99 ? "99+" : String(state.info.unread);
      badge.hidden = state.info.unread === 0 || id === active;
      badge.setAttribute("aria-label", `${state.info.unread} unread`);
    }
  }

  function store(payload) {
    const state = channelState(payload.channel);
    const known = state.messages.has(payload.seq);
    state.messages.set(payload.seq, payload);
    updateContiguous(state);
    return !known;
  }

  // --- Rendering ---------------------------------------------------------------------

  function formatTime(iso) {
    return timeFormat.format(new Date(iso));
  }

  function fillMessage(item, message) {
    if (message.pending) {
      delete item.dataset.seq; // pending messages stay below every numbered one
      delete item.dataset.id;
      item.removeAttribute("id");
    } else {
      item.dataset.seq = message.seq;
      item.dataset.id = message.id;
      item.id = `message-${message.id}`; // what a search hit links to
    }
    item.dataset.clientId = message.client_id;
    item.classList.toggle("chat-message--mine", message.author.id === myId);
    item.classList.toggle("chat-message--retracted", message.retracted);
    item.querySelector(".chat-message__author").textContent = message.author.name;
    const party = item.querySelector(".chat-message__party");
    party.textContent = message.author.party;
    party.hidden = !message.author.party; // a message still being sent shows "You" alone
    const badge = item.querySelector(".chat-handling");
    badge.textContent = message.handling_code;
    badge.className = `chat-handling badge chat-handling--${message.handling_code.toLowerCase()}`;
    badge.title = message.handling_conditions
      ? `${message.handling_code}: ${message.handling_conditions}`
      : `Handling code ${message.handling_code}`;
    const evaluation = item.querySelector(".chat-evaluation");
    const graded = message.source_reliability || message.information_accuracy;
    evaluation.hidden = !graded;
    if (graded) {
      evaluation.textContent = `${message.source_reliability || "–"}${message.information_accuracy || "–"}`;
      evaluation.title = [
        reliabilityMeaning[message.source_reliability], accuracyMeaning[message.information_accuracy],
      ].filter(Boolean).join("; ");
    }
    const time = item.querySelector(".chat-message__time");
    time.dateTime = message.created_at;
    time.title = `${message.created_at} UTC`;
    time.textContent = formatTime(message.created_at);
    const edited = item.querySelector(".chat-message__edited");
    edited.replaceChildren();
    if (message.edited_at || message.retracted) {
      const label = message.retracted ? "retracted" : "edited";
      if (mayReadHistory && message.id) {
        const link = document.createElement("a");
        link.href = recordUrl.replace(/\/0$/, `/${message.id}`);
        link.textContent = label;
        link.title = "Earlier texts (coordinator's record)";
        edited.append(link);
      } else {
        edited.textContent = label;
      }
      edited.hidden = false;
    } else {
      edited.hidden = true;
    }
    const content = item.querySelector(".chat-message__body");
    if (message.retracted) {
      content.textContent = "This message was retracted by its author.";
    } else {
      // Rendered and sanitised on the server (Markdown subset, no raw HTML).
      content.innerHTML = message.html;
      if (message.handling_code === "H3" && message.handling_conditions) {
        const note = document.createElement("p");
        note.className = "chat-message__conditions";
        note.textContent = `H3 conditions: ${message.handling_conditions}`;
        content.append(note);
      }
      linkExhibits(content);
    }
    item.querySelector(".chat-message__pending").hidden = !message.pending;
    if (!message.pending) {
      item.classList.remove("chat-message--unsent");
      item.querySelector(".chat-message__unsent").hidden = true;
    }
    item.querySelector(".chat-message__actions").hidden =
      message.author.id !== myId || message.retracted || Boolean(message.pending);
  }

  function messageElement(message) {
    const item = template.content.firstElementChild.cloneNode(true);
    fillMessage(item, message);
    return item;
  }

  function atBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  }

  function renderActive() {
    const state = active ? channelState(active) : null;
    list.replaceChildren();
    if (!state) return;
    const seqs = [...state.messages.keys()].sort((a, b) => a - b);
    for (const seq of seqs) list.append(messageElement(state.messages.get(seq)));
    for (const [clientId, draft] of pending) {
      if (draft.channel === active) list.append(pendingElement(clientId, draft));
    }
    older.hidden = !state.hasOlder;
    log.scrollTop = log.scrollHeight;
    renderTyping();
  }

  function insertLive(message) {
    if (message.channel !== active) return;
    const stick = atBottom() || message.author.id === myId;
    let item = list.querySelector(`[data-client-id="${CSS.escape(message.client_id)}"]`)
      || list.querySelector(`[data-seq="${message.seq}"]`);
    if (item) fillMessage(item, message);
    else item = messageElement(message);
    // In number order, whatever order the events came in (a pending message that was
    // answered after a catch-up moves to its place).
    const next = [...list.querySelectorAll(".chat-message[data-seq]")].find(
      (other) => other !== item && Number(other.dataset.seq) > message.seq,
    );
    list.insertBefore(item, next || list.querySelector(".chat-message:not([data-seq])"));
    if (stick) log.scrollTop = log.scrollHeight;
  }

  function pendingPayload(clientId, draft) {
    return {
      id: null, seq: "", channel: draft.channel, client_id: clientId, pending: true,
      author: { id: myId, name: "You", party: "" },
      created_at: draft.writtenAt, edited_at: null, retracted: false,
      handling_code: draft.handling_code, handling_conditions: draft.handling_conditions,
      source_reliability: draft.source_reliability, information_accuracy: draft.information_accuracy,
      html: "", text: draft.body,
    };
  }

  function pendingElement(clientId, draft) {
    const item = messageElement(pendingPayload(clientId, draft));
    const content = item.querySelector(".chat-message__body");
    content.textContent = draft.body;
    if (draft.handling_code === "H3" && draft.handling_conditions) {
      const note = document.createElement("p");
      note.className = "chat-message__conditions";
      note.textContent = `H3 conditions: ${draft.handling_conditions}`;
      content.append(note);
    }
    showPendingState(item, draft);
    return item;
  }

  function showPending(clientId, draft) {
    if (draft.channel !== active) return;
    list.append(pendingElement(clientId, draft));
    log.scrollTop = log.scrollHeight;
  }

  // What a message not yet stored is doing, said truly at every moment.
  function pendingLabel(draft) {
    if (draft.unsent) return "Not sent";
    const now = Date.now();
    if (draft.inFlight) {
      return now - draft.sentAt > STILL_SENDING_AFTER ? "still sending — the server is slow to answer" : "sending…";
    }
    if (now < holdUntil) {
      const left = Math.ceil((holdUntil - now) / 1000);
      return draft.tried ? `waiting — sent again in ${left} s` : `waiting — sent in ${left} s`;
    }
    return socket.connected ? "waiting to be sent" : "waiting for the connection";
  }

  function showPendingState(item, draft) {
    const label = item.querySelector(".chat-message__pending");
    label.hidden = false;
    label.textContent = pendingLabel(draft);
    item.classList.toggle("chat-message--unsent", Boolean(draft.unsent));
    const unsent = item.querySelector(".chat-message__unsent");
    unsent.hidden = !draft.unsent;
    unsent.querySelector(".chat-message__unsent-reason").textContent = draft.unsent || "";
  }

  function pendingItem(clientId) {
    return list.querySelector(`.chat-message:not([data-seq])[data-client-id="${CSS.escape(clientId)}"]`);
  }

  function showPendingStates() {
    for (const [clientId, draft] of pending) {
      const item = draft.channel === active ? pendingItem(clientId) : null;
      if (item) showPendingState(item, draft);
    }
  }

  // --- Exhibit references: links only for items this reader may open -----------------

  function linkExhibits(container) {
    const spans = [...container.querySelectorAll("span.exhibit-ref[data-exhibit]")];
    const unknown = [];
    for (const span of spans) {
      const ref = span.dataset.exhibit;
      if (exhibitLinks.has(ref)) applyExhibit(span, exhibitLinks.get(ref));
      else if (!unknown.includes(ref)) unknown.push(ref);
    }
    if (unknown.length && socket.connected) {
      socket.emit("exhibits", { refs: unknown.slice(0, 50) }, (answer) => {
        if (!answer || !answer.ok) return;
        for (const ref of unknown) exhibitLinks.set(ref, answer.links[ref] || null);
        for (const span of document.querySelectorAll("span.exhibit-ref[data-exhibit]")) {
          if (exhibitLinks.has(span.dataset.exhibit)) applyExhibit(span, exhibitLinks.get(span.dataset.exhibit));
        }
      });
    }
  }

  function applyExhibit(span, url) {
    if (!url || !url.startsWith("/") || url.startsWith("//")) return;
    const link = document.createElement("a");
    link.href = url;
    link.className = "exhibit-link";
    link.textContent = span.textContent;
    span.replaceWith(link);
  }

  // --- Typing and presence -----------------------------------------------------------

  function renderTyping() {
    const now = Date.now();
    const names = [];
    for (const [id, typist] of typists) {
      if (typist.until < now) typists.delete(id);
      else if (typist.channel === active) names.push(typist.name);
    }
    typingLine.textContent = names.length === 0 ? ""
      : names.length === 1 ? `${names[0]} is typing…`
        : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
  }
  setInterval(renderTyping, 1000);

  function setOnline(userId, online) {
    const person = document.querySelector(`#chat-people [data-person="${userId}"]`);
    if (!person) return;
    person.classList.toggle("is-online", online);
    person.querySelector("[data-presence-label]").textContent = online ? "online" : "offline";
  }

  // --- Reading ---------------------------------------------------------------------

  function markRead() {
    if (!active || document.hidden || !socket.connected) return;
    const state = channelState(active);
    const seq = state.contiguous ?? newestSeq(state);
    if (!state.info || seq <= (state.info.last_read_seq || 0)) { setUnread(active, 0); return; }
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      socket.emit("read", { channel: active, seq }, (answer) => {
        if (later(answer, markRead)) return;
        if (answer && answer.ok) {
          channelState(answer.channel).info.last_read_seq = answer.seq;
          setUnread(answer.channel, 0);
        }
      });
    }, 300);
  }
  document.addEventListener("visibilitychange", markRead);

  function loadOlder() {
    const state = channelState(active);
    if (!state.hasOlder || older.dataset.loading) return;
    older.dataset.loading = "1";
    const before = oldestSeq(state);
    const request = { channel: active, limit: 50 };
    if (before !== null) request.before_seq = before;
    socket.emit("history", request, (answer) => {
      delete older.dataset.loading;
      if (later(answer, loadOlder)) return;
      if (!answer || !answer.ok) return;
      const height = log.scrollHeight;
      for (const message of answer.messages) store(message);
      state.hasOlder = answer.has_more;
      if (state.contiguous === null) state.contiguous = newestSeq(state);
      const top = log.scrollTop;
      renderActive();
      log.scrollTop = before === null ? log.scrollHeight : log.scrollHeight - height + top;
      markRead();
      seek();
    });
  }

  // A search hit links to #message-<id>: load older pages until that message is on the
  // page (or the channel's beginning is reached), then scroll it into view and mark it.
  const MAX_SEEK_PAGES = 100;
  let sought = (/^#message-(\d+)$/.exec(window.location.hash) || [])[1] || null;
  let seekPages = 0;
  function seek() {
    if (!sought) return;
    const target = document.getElementById(`message-${sought}`);
    if (target) {
      sought = null;
      target.classList.add("chat-message--sought");
      target.scrollIntoView({ block: "center" });
      return;
    }
    if (channelState(active).hasOlder && seekPages < MAX_SEEK_PAGES) {
      seekPages += 1;
      setTimeout(loadOlder, 0);
    } else {
      sought = null; // retracted, or not in this channel: leave the newest in view
    }
  }
  older.addEventListener("click", loadOlder);
  log.addEventListener("scroll", () => { if (log.scrollTop < 40 && active) loadOlder(); });

  // --- Joining and catching up --------------------------------------------------------

  // Edits and retractions made while this page was away come back with the catch-up:
  // the server names the moment of each answer (synced_at) and is asked what changed since.
  function applyChanges(id, answer) {
    if (answer.updates_complete === false) { forget(id); return; }
    for (const message of answer.updated || []) applyUpdate(message);
  }

  // Too much changed to replay: drop what this page holds of the channel and load it anew.
  function forget(id) {
    const { info, syncedAt } = channelState(id);
    channels.delete(id);
    const state = channelState(id);
    Object.assign(state, { info, syncedAt });
    if (id === active) { renderActive(); loadOlder(); }
  }

  function join(id) {
    const state = channelState(id);
    const request = { channel: id };
    if (state.contiguous !== null) {
      request.after_seq = state.contiguous;
      if (state.syncedAt) request.changed_since = state.syncedAt;
    }
    socket.emit("join", request, (answer) => {
      if (later(answer, () => join(id))) return;
      if (!answer || !answer.ok) return;
      // The channel's live events (messages, typing) reach this page from here on.
      document.querySelector(`.chat-channel[data-channel-id="${id}"]`)?.setAttribute("data-joined", "");
      state.info = { ...state.info, ...answer.channel };
      state.syncedAt = answer.synced_at;
      // Counted when joined: a join asked again later (refused for now) must not keep the
      // count the page got at connect, before the messages written meanwhile.
      if (id !== active) setUnread(id, answer.channel.unread || 0);
      for (const message of answer.messages || []) {
        if (store(message)) insertLive(message);
      }
      applyChanges(id, answer);
      if (answer.has_more) catchUp(id);
      if (id === active && state.contiguous === null) loadOlder();
      if (id === active) markRead();
    });
  }

  function catchUp(id) {
    const state = channelState(id);
    if (state.contiguous === null) return;
    socket.emit("catch_up", { channel: id, after_seq: state.contiguous }, (answer) => {
      if (later(answer, () => catchUp(id))) return;
      if (!answer || !answer.ok) return;
      state.syncedAt = answer.synced_at;
      for (const message of answer.messages) if (store(message)) insertLive(message);
      if (answer.has_more) catchUp(id);
    });
  }

  function selectChannel(id, push) {
    if (!channels.has(id)) return;
    active = id;
    cancelEdit();
    for (const link of document.querySelectorAll(".chat-channel")) {
      if (Number(link.dataset.channelId) === id) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const info = channelState(id).info;
    $("chat-title").textContent = `#${info.name}`;
    $("chat-topic").textContent = info.topic || "";
    if (push) history.replaceState(null, "", `${chatUrl}?channel=${id}`);
    renderActive();
    if (channelState(id).contiguous === null) loadOlder();
    setUnread(id, 0);
    markRead();
    if (push) body.focus(); // a channel the person chose, not the first one on load
  }

  document.getElementById("chat-channels").addEventListener("click", (event) => {
    const link = event.target.closest(".chat-channel");
    if (!link || !channels.has(Number(link.dataset.channelId))) return;
    event.preventDefault();
    selectChannel(Number(link.dataset.channelId), true);
  });

  // --- Sending, editing, retracting -----------------------------------------------------

  function newClientId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A send refused "for now" (too fast, the server full or slow) says when it may go
  // again (retry_after, seconds). Until then nothing is sent; the waiting messages stay
  // in the list and go again under their own client ids, so none is stored twice or
  // dropped. A send refused for good stays in the list too, marked "Not sent", with the
  // reason, until the person sends it again, edits or discards it.
  let holdUntil = 0;
  let ticker = null;

  function holdSending(seconds) {
    holdUntil = Math.max(holdUntil, Date.now() + seconds * 1000);
    keepTicking();
  }

  // While messages wait, their labels count down (or say they are still sending), and
  // when a hold ends the next one goes.
  function keepTicking() {
    if (ticker) return;
    ticker = setInterval(() => {
      if (holdUntil && Date.now() >= holdUntil) {
        holdUntil = 0;
        sendNext();
      }
      showPendingStates();
      if (!waitingCount() && !holdUntil) { clearInterval(ticker); ticker = null; }
    }, 250);
  }

  function waitingCount() {
    let count = 0;
    for (const draft of pending.values()) if (!draft.unsent) count += 1;
    return count;
  }

  // "<reason>; your message waits here and is sent again in 3 s." One sentence: the
  // server's reason says why, the page what happens to the message.
  function sayWaiting(reason, left) {
    const count = waitingCount();
    const what = count > 1
      ? `your ${count} messages wait here; sending resumes in ${left} s.`
      : `your message waits here and is sent again in ${left} s.`;
    return `${reason.replace(/[.;]\s*$/, "")}; ${what}`;
  }

  // One send in flight at a time, oldest first. The server answers events of one
  // connection concurrently, so two sends in flight together could be stored (or one
  // refused by the rate limit) in another order than they were written.
  function sendNext() {
    if (!socket.connected || Date.now() < holdUntil) return;
    for (const draft of pending.values()) if (draft.inFlight) return;
    for (const [clientId, draft] of pending) {
      if (!draft.unsent) { transmit(clientId); return; }
    }
  }

  function transmit(clientId) {
    const draft = pending.get(clientId);
    if (!draft || !socket.connected || draft.inFlight || draft.unsent) return;
    if (Date.now() < holdUntil) return;
    draft.inFlight = true;
    draft.tried = true;
    draft.sentAt = Date.now();
    const attempt = (draft.attempt = (draft.attempt || 0) + 1);
    keepTicking();
    const fields = {
      channel: draft.channel, body: draft.body, handling_code: draft.handling_code,
      handling_conditions: draft.handling_conditions, source_reliability: draft.source_reliability,
      information_accuracy: draft.information_accuracy,
    };
    socket.timeout(answerTimeout).emit("send", { client_id: clientId, ...fields }, (err, answer) => {
      if (answer && answer.ok) {
        // Stored, whichever attempt this answers.
        if (pending.get(clientId) === draft) pending.delete(clientId);
        draft.inFlight = false;
        store(answer.message);
        insertLive(answer.message);
        markRead();
        sendNext();
        return;
      }
      // An answer to an earlier attempt (a connection since replaced) counts no more.
      if (pending.get(clientId) !== draft || draft.attempt !== attempt) return;
      draft.inFlight = false;
      if (err) {
        // No answer at all, longer than the server ever takes: the same client id goes
        // again, so it is never stored twice.
        holdSending(1);
        showCountdown((left) => sayWaiting("The server did not answer in time", left), 1);
      } else if (answer && answer.retry_after) {
        holdSending(answer.retry_after);
        showCountdown((left) => sayWaiting(answer.error, left), answer.retry_after);
      } else {
        draft.unsent = (answer && answer.error) || "The server refused this message.";
        showError(`${draft.unsent} Your message was not sent; it stays in the list, marked "Not sent", to send again, edit or discard.`);
      }
      showPendingStates();
      if (draft.unsent) pendingItem(clientId)?.scrollIntoView({ block: "nearest" });
      sendNext();
    });
    showPendingStates();
  }

  // "Send again", "Edit" and "Discard" on a message not sent.
  function unsentAction(action, clientId) {
    const draft = pending.get(clientId);
    if (!draft || !draft.unsent) return;
    const item = pendingItem(clientId);
    if (action === "resend") {
      draft.unsent = null;
      if (item) showPendingState(item, draft);
      sendNext();
    } else if (action === "edit") {
      if (editing || body.value.trim()) {
        showError("Send or clear what is in the box first; Edit then puts this message there.");
        return;
      }
      body.value = draft.body;
      handling.value = draft.handling_code;
      conditions.value = draft.handling_conditions || "";
      conditions.hidden = draft.handling_code !== "H3";
      reliability.value = draft.source_reliability || "";
      accuracy.value = draft.information_accuracy || "";
      pending.delete(clientId);
      item?.remove();
      composerHoldsUnsent = true;
      updateCount();
      body.focus();
    } else if (action === "discard") {
      pending.delete(clientId);
      item?.remove();
    }
  }

  // A text taken back into the box from a message not sent: the page warns before it
  // is left, as for the messages waiting or not sent.
  let composerHoldsUnsent = false;
  window.addEventListener("beforeunload", (event) => {
    if (!pending.size && !(composerHoldsUnsent && body.value.trim())) return;
    event.preventDefault();
    event.returnValue = ""; // the browser says it in its own words
  });

  function currentDraft() {
    return {
      body: body.value.trim(),
      handling_code: handling.value,
      handling_conditions: handling.value === "H3" ? conditions.value.trim() : "",
      source_reliability: reliability.value || null,
      information_accuracy: accuracy.value || null,
    };
  }

  function checkDraft(draft) {
    if (!draft.body) return "The message is empty.";
    if (draft.body.length > maxLength) return `The message is ${draft.body.length} characters long; the limit is ${maxLength}.`;
    if (draft.handling_code === "H3" && !draft.handling_conditions) return "State the conditions that H3 puts on this message.";
    return null;
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!active || revoked) return;
    const draft = currentDraft();
    const problem = checkDraft(draft);
    if (problem) { showError(problem); return; }
    if (editing) {
      saveEdit(editing, draft);
      return;
    }
    const clientId = newClientId();
    const entry = { channel: active, writtenAt: new Date().toISOString(), ...draft };
    pending.set(clientId, entry);
    showPending(clientId, entry);
    body.value = "";
    conditions.value = "";
    composerHoldsUnsent = false;
    updateCount();
    sendNext();
  });

  // An edit or a retraction is never sent again by the page: refused, the message keeps
  // its text (and an edit's new text stays in the box), and the person is told so.
  function saveEdit(id, draft) {
    const item = list.querySelector(`[data-id="${id}"]`);
    markChanging(item, "saving the edit…");
    sendButton.disabled = true;
    socket.timeout(answerTimeout).emit("edit", { message: id, ...draft }, (err, answer) => {
      sendButton.disabled = !socket.connected || revoked || readOnly;
      markChanging(item, null);
      if (!err && answer && answer.ok) {
        applyUpdate(answer.message);
        if (editing === id) cancelEdit();
        return;
      }
      if (err) {
        showError("The server did not answer; the edit may not have been saved. Your text is still in the box.");
      } else if (answer && answer.retry_after) {
        showCountdown((left) => `${answer.error} Your text is still in the box: save it again in ${left} s.`, answer.retry_after);
      } else {
        showError(`${(answer && answer.error) || "The edit was refused."} Your edit was not saved; your text is still in the box.`);
      }
    });
  }

  function retract(id) {
    const item = list.querySelector(`[data-id="${id}"]`);
    markChanging(item, "retracting…");
    socket.timeout(answerTimeout).emit("retract", { message: id }, (err, answer) => {
      markChanging(item, null);
      if (!err && answer && answer.ok) { applyUpdate(answer.message); return; }
      if (err) {
        showError("The server did not answer; the message may not have been retracted.");
      } else if (answer && answer.retry_after) {
        showCountdown((left) => `${answer.error} Try again in ${left} s.`, answer.retry_after);
      } else {
        showError(`${(answer && answer.error) || "The retraction was refused."} The message was not retracted.`);
      }
    });
  }

  // While an edit or retraction is on its way, the message says so; after, as it was.
  function markChanging(item, text) {
    const label = item?.querySelector(".chat-message__pending");
    if (!label) return;
    label.hidden = !text;
    label.textContent = text || "sending…";
  }

  body.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    } else if (event.key === "Escape" && editing) {
      cancelEdit();
    }
  });

  function updateCount() {
    const length = body.value.trim().length;
    count.textContent = length > maxLength * 0.8 ? `${length} / ${maxLength}` : "";
    count.classList.toggle("chat-count--over", length > maxLength);
  }

  body.addEventListener("input", () => {
    updateCount();
    const now = Date.now();
    if (active && socket.connected && now - lastTypingSent > 3000 && body.value.trim()) {
      lastTypingSent = now;
      socket.emit("typing", { channel: active });
    }
  });

  handling.addEventListener("change", () => {
    conditions.hidden = handling.value !== "H3";
    if (!conditions.hidden) conditions.focus();
  });

  $("chat-edit-cancel").addEventListener("click", () => { cancelEdit(); body.focus(); });

  function cancelEdit() {
    if (!editing) return;
    editing = null;
    $("chat-editing").hidden = true;
    composer.classList.remove("chat-composer--editing");
    sendButton.textContent = "Send";
    body.value = "";
    handling.value = "H0";
    reliability.value = "";
    accuracy.value = "";
    conditions.hidden = true;
  }

  list.addEventListener("click", (event) => {
    const unsent = event.target.closest("button[data-unsent]");
    if (unsent) {
      unsentAction(unsent.dataset.unsent, unsent.closest(".chat-message").dataset.clientId);
      return;
    }
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const item = button.closest(".chat-message");
    const id = Number(item.dataset.id);
    const message = channelState(active).messages.get(Number(item.dataset.seq));
    if (!message) return;
    if (button.dataset.action === "edit") {
      editing = id;
      body.value = message.text;
      handling.value = message.handling_code;
      conditions.value = message.handling_conditions || "";
      reliability.value = message.source_reliability || "";
      accuracy.value = message.information_accuracy || "";
      conditions.hidden = message.handling_code !== "H3";
      composer.classList.add("chat-composer--editing");
      $("chat-editing").hidden = false;
      sendButton.textContent = "Save edit";
      body.focus();
    } else if (button.dataset.action === "retract") {
      if (!window.confirm("Retract this message? Its text is hidden from the channel; the team's audit record keeps it.")) return;
      retract(id);
    }
  });

  function applyUpdate(message) {
    const state = channelState(message.channel);
    if (!state.messages.has(message.seq)) return;
    state.messages.set(message.seq, message);
    const item = list.querySelector(`[data-seq="${message.seq}"]`);
    if (item && message.channel === active) fillMessage(item, message);
  }

  // --- Server events ---------------------------------------------------------------------

  socket.on("connect", () => {
    // Shown for support and checked by the browser tests: "websocket" unless blocked.
    statusLine.dataset.transport = socket.io.engine.transport.name;
    socket.io.engine.on("upgrade", (transport) => { statusLine.dataset.transport = transport.name; });
  });

  socket.on("ready", (hello) => {
    revoked = false;
    maxLength = hello.max_length;
    mayReadHistory = hello.may_read_history;
    for (const info of hello.channels) {
      const state = channelState(info.id);
      state.info = info;
      setUnread(info.id, info.unread);
    }
    if (!active || !channels.has(active)) active = hello.channels[0]?.id ?? null;
    for (const link of document.querySelectorAll("#chat-people [data-person]")) setOnline(link.dataset.person, false);
    for (const userId of hello.online) setOnline(userId, true);
    setOnline(myId, true);
    setStatus("online", "Connected");
    if (!list.children.length) selectChannel(active, false);
    for (const info of hello.channels) join(info.id);
    // A new connection: answers to sends over the old one will never come (an answer
    // that still does counts only if it says stored).
    for (const draft of pending.values()) {
      draft.inFlight = false;
      draft.attempt = (draft.attempt || 0) + 1;
    }
    showPendingStates();
    sendNext();
  });

  const receive = (message) => {
    const state = channelState(message.channel);
    const gap = state.contiguous !== null && message.seq > state.contiguous + 1;
    const isNew = store(message);
    for (const [clientId] of pending) {
      if (clientId === message.client_id) pending.delete(clientId);
    }
    if (isNew || message.author.id === myId) insertLive(message);
    if (gap) catchUp(message.channel);
    typists.delete(message.author.id);
    renderTyping();
    if (!isNew || message.author.id === myId) return;
    if (message.channel === active && !document.hidden) markRead();
    else setUnread(message.channel, (state.info?.unread || 0) + 1);
  };
  socket.on("message", receive);
  // Messages committed together arrive as one event, in number order.
  socket.on("messages", (messages) => messages.forEach(receive));

  socket.on("message_updated", applyUpdate);

  socket.on("read", ({ channel, seq }) => {
    const state = channelState(channel);
    if (state.info) state.info.last_read_seq = seq;
    setUnread(channel, 0);
  });

  socket.on("typing", ({ channel, user }) => {
    typists.set(user.id, { name: user.name, channel, until: Date.now() + 5000 });
    renderTyping();
  });

  socket.on("presence", ({ user, online }) => setOnline(user.id, online));

  // A send, an edit or a retraction is answered where it was made (its refusal says
  // what became of it); other requests refused for now (too many at once) are asked
  // again by their callers (later), so only the reason is shown.
  const ANSWERED_WHERE_MADE = new Set(["send", "edit", "retract"]);
  const ASKED_AGAIN = new Set(["join", "catch_up", "history", "read"]);
  socket.on("chat_error", ({ event, reason, retry_after: retryAfter }) => {
    if (ANSWERED_WHERE_MADE.has(event)) return;
    if (retryAfter && ASKED_AGAIN.has(event)) showError(`${reason} The page asks again in a moment.`);
    else showError(reason);
  });

  socket.on("access_revoked", ({ reason } = {}) => {
    revoked = true;
    setStatus("revoked", reason === "signed-out"
      ? "This browser's session has ended. Sign in again to use the chat."
      : "Your access to this team's chat has ended.");
  });

  socket.on("connect_error", (error) => {
    if (socket.active) setStatus("reconnecting", "Reconnecting…");
    else setStatus("offline", `Cannot connect: ${error.message}`);
  });

  socket.on("disconnect", (reason) => {
    for (const link of document.querySelectorAll(".chat-channel[data-joined]")) link.removeAttribute("data-joined");
    showPendingStates();
    if (revoked) return;
    if (socket.active) setStatus("reconnecting", "Connection lost — reconnecting; messages you send wait until then.");
    else setStatus("offline", "Disconnected. Reload the page to reconnect.");
  });
})();
