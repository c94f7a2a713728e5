"""The audit log as a reader takes it away (a party's close-out archive), still verifiable.

Only who may export the audit log (the coordinator, DESIGN.md §3 and §5) takes it whole:
every entry's envelope, the content of those about objects they may open. Anyone else
takes what the record shows them in the workspace, the entries of the overview's
activity (:func:`jit.audit.visibility.may_read_without_log`), and of every other entry
only its place in the chain, so the file still verifies against the signed head
(:mod:`jit.audit.export_check`). Row by row:

- An entry they may read comes with its envelope and content, without the actor's
  e-mail address (not hashed into the entry: simply left out). If a client address was
  recorded, it is left out too, and so are the content digest and nonce: the entry's
  hash covers the address, and beside the rest of the envelope and the digest an
  address is found by trying them all (2^32 for IPv4, far fewer in practice). Such a
  row is marked ``is_address_withheld``; its content is checked by the archive's
  signature, and its place in the chain by its recorded hash. An entry of the older
  format (hashed whole, unsalted) with an address would give the address away from its
  content alone: it is held back.
- Any other entry is held back: its row says only where it stands in the chain
  (``chain``, ``seq``, ``prev_hash``, ``hash``) and is marked ``is_held_back``. Its hash
  covers a salted digest the row does not carry, so nothing of it can be guessed back.

The signed head's row ends the file as in every export.
"""

from collections.abc import Iterator

from jit.audit import exports, sealing, visibility
from jit.audit.models import AuditEntry
from jit.permissions import Permission

HELD_BACK = ("record", "chain", "seq", "prev_hash", "hash")
# Withheld beside a client address: with them, the address could be tried back.
WITH_THE_ADDRESS = ("ip_address", "content_nonce", "content_hash")


def reader_rows(team, access) -> Iterator[dict]:
    """Yield the team's chain as ``access`` may take it away, ending at the signed head."""
    if access.can(Permission.EXPORT_AUDIT):
        yield from exports.export_rows(team, access)
        return

    def rows(batch: list[AuditEntry]) -> Iterator[dict]:
        opened = visibility.openable(access, batch)
        for entry in batch:
            yield _row(entry, visibility.may_read_without_log(entry, opened))

    yield from exports.chain_rows(team, rows)


def reader_jsonl(team, access) -> Iterator[str]:
    return exports.as_jsonl(reader_rows(team, access))


def _row(entry: AuditEntry, is_readable: bool) -> dict:
    if not is_readable or (entry.ip_address is not None and entry.entry_format == sealing.WHOLE):
        return held_back_row(entry)
    row = exports.entry_row(entry, is_redacted=False)
    del row["user_email"]
    if entry.ip_address is not None:
        for name in WITH_THE_ADDRESS:
            del row[name]
        row["is_address_withheld"] = True
    return row


def held_back_row(entry: AuditEntry) -> dict:
    """Return an entry's place in the chain and nothing else of it."""
    row = {name: getattr(entry, name) for name in HELD_BACK if name != "record"}
    return {"record": "entry"} | row | {"is_held_back": True}
