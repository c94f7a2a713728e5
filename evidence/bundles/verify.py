"""Checking a request's package offline: the bag, and every custody chain inside it.

:func:`verify_package` is what ``jit bundle verify`` and the server's verification page
run: :func:`jit.bags.verify`'s checks, then :func:`custody_checks` on each
``data/evidence/<exhibit>/custody.jsonl`` — every event's hash recomputed, each linked
to the one before, numbered without gaps, and the chain's signed head matching the
last event under the bag's own key. A line held back from its reader (a close-out
archive's chain, :func:`evidence.reports.custody_jsonl`) is linked by its recorded hash,
not re-hashed, and counted in the check's detail.
"""

import hashlib
import json
from pathlib import Path

from jit import bags, signing
from jit.canonical import GENESIS_HASH, canonical_json

CUSTODY_FILE = "custody.jsonl"
MAX_CUSTODY_BYTES = 64 * 1024 * 1024  # far beyond any real chain; a bound for hostile input
# Written beside the hashed fields of each event line, not part of its hash.
_NOT_HASHED = ("hash", "exhibit_number")
# All a line held back from its reader carries (evidence.reports.custody_jsonl).
HELD_BACK = {"item_id", "seq", "prev_hash", "hash", "exhibit_number", "is_held_back"}


def verify_package(path, expected_fingerprint: str | None = None) -> bags.Verification:
    """Check the package at ``path`` (ZIP or folder); each check has a name, ok and detail.

    Raises :class:`jit.bags.BagError` (with a message) for what is not a bag at all: a
    missing path, an unreadable ZIP, one with entries outside its folder. A damaged
    member (a changed byte in the ZIP) is a failed check naming it, never an exception.
    """
    result = bags.verify(Path(path), expected_fingerprint)
    _name, is_bag, _detail = result.checks[0]  # the BagIt declaration's check
    if not is_bag:
        return result
    with bags.open_bag(Path(path)) as bag:
        checks = custody_checks(bag, bag.open)
    for name, ok, detail in checks or [("custody chains", True, "the package holds none")]:
        result.add(name, ok, detail)
    return result


def custody_checks(bag, open_member) -> list[tuple[str, bool, str]]:
    """Check every ``custody.jsonl`` under ``data/evidence/`` of ``bag``."""
    chains = [
        name
        for name in bag.names()
        if name.startswith("data/evidence/") and name.endswith(f"/{CUSTODY_FILE}")
    ]
    if not chains:
        return []
    key, key_problem = _bag_key(open_member)
    return [
        (f"custody {name}", *_check_chain(name, open_member, key, key_problem)) for name in chains
    ]


def _bag_key(open_member) -> tuple[signing.VerifyingKey | None, str | None]:
    try:
        with open_member(bags.PUBLIC_KEY_FILE) as handle:
            return signing.verifying_key_from_pem(handle.read()), None
    except (KeyError, FileNotFoundError):
        return None, f"{bags.PUBLIC_KEY_FILE} is missing, so no chain head can be checked"
    except bags.UnreadableMember as damaged:
        return None, f"{damaged}, so no chain head can be checked"
    except ValueError:
        return None, f"{bags.PUBLIC_KEY_FILE} holds no Ed25519 public key"


def _read_lines(name: str, open_member) -> list[str]:
    with open_member(name) as handle:
        raw = handle.read(MAX_CUSTODY_BYTES + 1)
    if len(raw) > MAX_CUSTODY_BYTES:
        raise ValueError(f"larger than {MAX_CUSTODY_BYTES} bytes")
    return raw.decode("utf-8").splitlines()


def _check_chain(name, open_member, key, key_problem) -> tuple[bool, str]:
    try:
        lines = _read_lines(name, open_member)
    except bags.UnreadableMember as damaged:  # e.g. a deflated entry failing its CRC-32
        return False, str(damaged)
    except (UnicodeDecodeError, ValueError) as error:
        return False, f"{name}: cannot be read ({error})"
    previous, seq, item_id, head, held_back = GENESIS_HASH, 0, None, None, 0
    for number, line in enumerate(lines, start=1):
        where = f"{name} line {number}"
        try:
            entry = json.loads(line)
        except ValueError:
            return False, f"{where}: not a JSON line"
        if not isinstance(entry, dict):
            return False, f"{where}: not a JSON object"
        if entry.get("chain_head"):
            head = (number, entry)
            if number != len(lines):
                return False, f"{where}: the signed head is followed by more lines"
            break
        seq += 1
        if entry.get("seq") != seq:
            return False, f"{where}: event number expected {seq}, found {entry.get('seq')!r}"
        if item_id is not None and entry.get("item_id") != item_id:
            return False, f"{where}: belongs to another item's chain ({entry.get('item_id')!r})"
        item_id = entry.get("item_id")
        if entry.get("prev_hash") != previous:
            return False, (
                f"{where} (event #{seq}): prev_hash expected {previous}, "
                f"found {entry.get('prev_hash')}"
            )
        if entry.get("is_held_back") is True:
            carried = sorted(set(entry) - HELD_BACK)
            if carried:
                return False, f"{where} (event #{seq}): held back but carries {', '.join(carried)}"
            if not isinstance(entry.get("hash"), str) or len(entry["hash"]) != 64:
                return False, f"{where} (event #{seq}): held back without its hash"
            previous = entry["hash"]
            held_back += 1
            continue
        fields = {k: v for k, v in entry.items() if k not in _NOT_HASHED}
        found = hashlib.sha256(canonical_json(fields)).hexdigest()
        if found != entry.get("hash"):
            return False, (
                f"{where} (event #{seq}): hash expected {entry.get('hash')}, found {found}"
            )
        previous = entry["hash"]
    if head is None:
        return False, f"{name}: the chain has no signed head line"
    ok, detail = _check_head(name, head, seq, previous, item_id, key, key_problem)
    if ok and held_back:
        detail += (
            f"; {held_back} events are held back from this copy's reader: only their place "
            "in the chain is checked"
        )
    return ok, detail


def _check_head(name, head, seq, last_hash, item_id, key, key_problem) -> tuple[bool, str]:
    number, entry = head
    where = f"{name} line {number} (signed head)"
    payload = entry.get("signed_payload")
    if not isinstance(payload, dict):
        return False, f"{where}: no signed payload"
    if (payload.get("seq"), payload.get("hash")) != (seq, last_hash):
        return False, (
            f"{where}: the head is at event #{payload.get('seq')} {payload.get('hash')}, "
            f"expected #{seq} {last_hash} (events removed or the head altered)"
        )
    if payload.get("chain") != "custody" or (seq and payload.get("item_id") != item_id):
        return False, (
            f"{where}: signs another chain "
            f"({payload.get('chain')!r}, item {payload.get('item_id')!r})"
        )
    if key is None:
        return False, f"{where}: {key_problem}"
    problem = key.check(
        payload.get("key_id"), entry.get("signature_ed25519_base64"), canonical_json(payload)
    )
    if problem:
        return False, f"{where}: {problem} (the bag's key is {key.key_id})"
    return True, f"{seq} events linked and re-hashed; head #{seq} signed by key {key.key_id}"
