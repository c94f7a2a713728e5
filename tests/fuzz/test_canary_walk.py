"""The record never shows a reader what they may not open: a walk for canary strings.

The demo is seeded, then one Croatian member records restricted content whose text is a
unique canary: a party-only evidence item (its title, description, file name, the file's
extracted text, a custody note, a firearm record's marks and serial number) with a copy
the whole team may open, a draft request of the party holding that item, and a chat
message (the chat is the team's: only outsiders may not read it). Each identity
then walks every GET page it can reach (as :func:`tests.fuzz.walker.crawl` does, two
pages per rule, the JSON twin of each page too), the case search for a word the canaries
are written with, and every download the pages link to: PDFs are read with pypdf, ZIPs
member by member, everything else as text, headers included. Whoever may not open a
canary's source must not meet it anywhere; they also fetch every URL where the owner met
one (and get 404 there, as a non-member does). The owner must meet every canary in its
own walk, so the check cannot pass on pages that never showed the content.

Cost, measured on 2026-12-06 (2 shared cores, another test run beside it): about 60
pages and 20 downloads per member, 9 identities; 46 s on SQLite, 61 s on PostgreSQL.
"""

import io
import os
import re
import secrets
import time
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from tests.fuzz import walker
from tests.fuzz.test_fuzz_routes import IDENTITIES, Session

TEAM = "IRON-MERIDIAN"
# A word written next to every canary, for the case search (searching for the canary
# itself would only find the query echoed back).
SEARCH_WORD = "zephyrquartz"
OWNER = "hr.member"
EMAILS = {
    OWNER: "hr.member@demo.example",
    "at.member": "at.member@demo.example",  # another party's member
    "at.leader": "at.leader@demo.example",  # a leader: sees every draft, not the item
    "coordinator": IDENTITIES["coordinator"],  # Eurojust: not the item's party
    "europol": "europol@demo.example",  # a participant of another party
    "judge": "judge@demo.example",  # a reviewer with nothing of these shared
    "non-member": IDENTITIES["other coordinator"],  # coordinator of the other team
    "admin": IDENTITIES["admin"],  # the platform's administrator, in no team
    "anonymous": None,
}
ITEM_BLIND = {"at.member", "at.leader", "coordinator", "europol", "judge", "non-member"}
ITEM_BLIND |= {"admin", "anonymous"}
# Leaders see every draft of their team (to consent to their items going out).
BUNDLE_BLIND = ITEM_BLIND - {"at.leader"}
# The chat is the whole team's: only who is not a member of it (a reviewer has no chat).
CHAT_BLIND = {"judge", "non-member", "admin", "anonymous"}
# Pages a signed-in member's walk must at least reach (the owner's is the largest).
MEMBER_PAGES = 25


def _canary(kind: str) -> str:
    return f"canary{kind}{secrets.token_hex(6)}"


CANARIES = {
    kind: _canary(kind)
    for kind in ("title", "description", "filename", "filetext", "custody", "firearm")
}
# A serial number is read as written in capitals (and normalised so).
CANARIES["serial"] = f"ZQ{secrets.token_hex(5).upper()}"
CANARIES |= {kind: _canary(kind) for kind in ("bundle", "chat")}
ITEM_CANARIES = ("title", "description", "filename", "filetext", "custody", "firearm", "serial")
BLIND = {
    **dict.fromkeys(ITEM_CANARIES, ITEM_BLIND),
    "bundle": BUNDLE_BLIND,
    "chat": CHAT_BLIND,
}


@dataclass
class Seeded:
    exhibit: str
    copy_exhibit: str  # a copy of the canary item the whole team may open
    bundle_number: int
    message_id: int

    def is_canary_url(self, url: str) -> bool:
        """Whether ``url`` is one of the canaries' own pages (walked past the per-rule cap)."""
        path = url.split("?")[0] + "/"
        exhibits = (f"/{self.exhibit}/", f"/{self.exhibit}.", f"/{self.copy_exhibit}/")
        return any(e in path for e in exhibits) or f"/requests/{self.bundle_number}/" in path


def _seed_canaries(app, make_item) -> Seeded:
    from evidence import extraction
    from evidence.bundles import forms as bundle_forms
    from evidence.bundles import services as bundles
    from evidence.bundles.demo import MLA_SERBIA
    from evidence.custody_events import EventInput, record_event
    from evidence.firearms import services as firearms
    from jit.accounts.services import find_user_by_email
    from jit.chat import services as chat
    from jit.chat.models import Channel
    from jit.clock import utcnow
    from jit.extensions import db
    from jit.teams.access import team_access_for
    from search import outbox

    owner = find_user_by_email(EMAILS[OWNER])
    access = team_access_for(owner, TEAM)
    text = f"{CANARIES['filetext']} {SEARCH_WORD} bank ledger of the courier.\n".encode()
    item = make_item(
        access.membership,
        title=f"{CANARIES['title']} {SEARCH_WORD} ledger",
        description=f"{CANARIES['description']} {SEARCH_WORD}: what the courier wrote down.",
        item_type="firearm",
        visibility="party",
        files=[(f"{CANARIES['filename']}.txt", text)],
    )
    copy = make_item(
        access.membership,
        title="Working copy of the courier's notes",
        description="For the whole team.",
        visibility="team",
        parent_exhibit=item.exhibit_number,
        derivation="copy",
        collected_at=datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
    )
    extraction.wait_idle(app)
    for stored in item.files:
        if stored.extraction_status == "pending":
            extraction.extract_file(stored.id)
    access = team_access_for(owner, TEAM)
    record_event(
        access,
        item,
        EventInput(
            event_type="checked_in",
            occurred_at=utcnow() - timedelta(minutes=5),
            time_zone="Europe/Zagreb",
            storage_location="PNUSKOK evidence room, locker 7",
            notes=f"{CANARIES['custody']} {SEARCH_WORD} seal intact.",
        ),
    )
    firearms.add_firearm(
        access,
        item,
        firearms.FirearmInput(
            manufacturer="Zastava",
            model="M70",
            firearm_type="pistol",
            calibre="7.62×25",
            country_of_manufacture="RS",
            other_marks=f"{CANARIES['firearm']} {SEARCH_WORD} engraved on the grip",
            serials=[firearms.SerialInput("frame", CANARIES["serial"])],
        ),
    )
    db.session.commit()

    bundle = bundles.create_bundle(access, "mla", "RS")
    values = bundle.values | MLA_SERBIA | {"reference": f"{CANARIES['bundle']} {SEARCH_WORD}"}
    bundles.save_values(access, bundle, bundle_forms.from_mapping(values), bundle.language)
    bundles.select_evidence(access, bundle, [item.id])
    db.session.commit()

    general = db.session.scalar(
        db.select(Channel).where(Channel.team_id == access.team.id, Channel.is_general)
    )
    message, _is_new = chat.post_message(
        access,
        general,
        client_id="canary-walk-1",
        draft=chat.check_draft(f"{CANARIES['chat']} {SEARCH_WORD}: the courier moves tonight."),
    )
    db.session.commit()
    outbox.drain(app)
    return Seeded(item.exhibit_number, copy.exhibit_number, bundle.number, message.id)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        parts = [page.extract_text() or "" for page in reader.pages]
        parts += [str(value) for value in (reader.metadata or {}).values()]
        for name, embedded in (reader.attachments or {}).items():
            parts.append(name)
            parts += [_readable(content) for content in embedded]
    except Exception as error:  # a PDF pypdf cannot read is still searched as bytes
        parts = [f"(unreadable PDF: {error})"]
    # A line break may fall inside a canary: compare without white space.
    return re.sub(r"\s+", "", "\n".join(parts))


def _readable(data: bytes) -> str:
    """Return everything a reader could read in a body: its text, a PDF's, a ZIP's members."""
    texts = [data.decode("utf-8", "replace"), data.decode("latin-1")]
    if data.startswith(b"%PDF"):
        texts.append(_pdf_text(data))
    elif data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    texts.append(member.filename)
                    texts.append(member.comment.decode("utf-8", "replace"))
                    texts.append(_readable(archive.read(member)))
        except zipfile.BadZipFile:
            pass
    return "\n".join(texts)


@dataclass
class Walked:
    pages: int = 0
    downloads: int = 0
    met: dict[str, list[str]] = field(default_factory=dict)  # canary kind → URLs
    where: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, URL) → context
    fetched: list[str] = field(default_factory=list)  # "status URL"


def _walk(fuzz_map, session, start, seeded: Seeded) -> Walked:
    """Fetch what ``session`` can reach from ``start``: pages, their JSON twins, downloads."""
    walked = Walked()
    queue, seen, fetched = deque(start), set(), Counter()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        found = fuzz_map.match(url)
        if found is None:
            continue
        rule = found[0].rule.rule
        if not seeded.is_canary_url(url):
            if fetched[rule] >= walker.PAGES_PER_RULE:
                continue
            fetched[rule] += 1
        session.ensure_signed_in()
        response = session.client.get(url)
        session.notice(response)
        data = response.get_data()
        walked.fetched.append(f"{response.status_code} {url}")
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        readable = headers + "\n" + _readable(data)
        for kind, canary in CANARIES.items():
            at = readable.find(canary)
            if at >= 0:
                walked.met.setdefault(kind, []).append(url)
                context = " ".join(readable[max(0, at - 150) : at + 100].split())
                walked.where[kind, url] = f"{response.status_code}: …{context}…"
        location = response.headers.get("Location")
        if location:
            queue.append(location)
        if response.mimetype != "text/html":
            walked.downloads += response.status_code == 200
            continue
        walked.pages += 1
        page = walker.parse_page(url, data.decode("utf-8", "replace"))
        links = [link.split("#")[0] for link in page.links]
        links += [f.action for f in page.forms if f.method == "GET" and "?" in f.action]
        path, _, query = url.partition("?")
        if not path.endswith((".json", "/")) and fuzz_map.match(path + ".json"):
            links.append(path + ".json" + (f"?{query}" if query else ""))
        # The canaries' own pages first: the cap on pages per rule must not skip them.
        queue.extendleft(reversed([link for link in links if seeded.is_canary_url(link)]))
        queue.extend(link for link in links if not seeded.is_canary_url(link))
    return walked


@pytest.mark.slow
def test_no_reader_meets_what_they_may_not_open(app, runner, make_item, exceptions):
    started = time.monotonic()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    seeded = _seed_canaries(app, make_item)
    fuzz_map = walker.Map(app)
    start = [
        "/",
        "/account",
        "/admin/",
        f"/t/{TEAM}/search?q={SEARCH_WORD}",
        f"/search?q={SEARCH_WORD}",
        f"/t/{TEAM}/evidence/",
        f"/t/{TEAM}/requests/",
        f"/t/{TEAM}/firearms/",
        f"/t/{TEAM}/chat",
        # The message's record: the coordinator's and the leaders' (not the owner's) view.
        f"/t/{TEAM}/chat/messages/{seeded.message_id}",
    ]
    sessions = {name: Session(app, email) for name, email in EMAILS.items()}
    walks = {OWNER: _walk(fuzz_map, sessions[OWNER], start, seeded)}
    owner = walks[OWNER]
    # Where the owner met a canary, everyone else knocks too.
    owners_urls = sorted({url for urls in owner.met.values() for url in urls})
    for name, session in sessions.items():
        if name != OWNER:
            walks[name] = _walk(fuzz_map, session, start + owners_urls, seeded)
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{n}: {w.pages} pages, {w.downloads} downloads" for n, w in walks.items())
    print(f"canary walk in {elapsed:.0f} s — {summary}")
    if os.environ.get("JIT_FUZZ_PROGRESS"):
        for kind, urls in sorted(owner.met.items()):
            print(f"  the owner met {kind} at {len(urls)} URLs: {urls}")
        for name, walked in walks.items():
            print(f"  {name}: {sorted(walked.fetched)}")

    assert not exceptions, exceptions
    missed = sorted(set(CANARIES) - set(owner.met))
    assert not missed, f"the owner's walk never met {missed}: the walk proves nothing of them"
    assert owner.downloads >= 3, summary
    for name, walked in walks.items():
        if name not in ("anonymous", "admin", "non-member", "judge"):
            assert walked.pages >= MEMBER_PAGES, summary
    # Who is not a member of the team meets 404 on every page of it, the canaries' too.
    for name in ("non-member", "admin"):
        shown = [f for f in walks[name].fetched if f" /t/{TEAM}/" in f and not f.startswith("404")]
        assert not shown, f"{name} was answered other than 404: {shown}"
    leaks = [
        f"{name} met the {kind} canary at {url} — {walked.where[kind, url]}"
        for name, walked in walks.items()
        for kind, urls in walked.met.items()
        if name in BLIND[kind]
        for url in urls
    ]
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks)
