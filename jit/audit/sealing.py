"""How an audit entry is hashed, in a form that verifies with its content left out.

Format 2 (entries written since the record learnt to redact): the entry's hash covers
its *envelope* (chain, number, time, actor, operation, object, client address, previous
hash) and a *content digest*: SHA-256 over the old and new values with a random
per-entry nonce. A reader who may not see the content gets the envelope and the
digest; the hash still recomputes, and without the nonce a low-entropy value ("party")
cannot be guessed from its digest. A full copy carries the content and the nonce, and
the digest is recomputed too.

Format 1 (entries written before): one hash over every field, content included. Such
an entry verifies only where its content is present; redacted, its hash is taken as
recorded and the verifier says so.

Pure functions on plain dictionaries: the database model and the offline verifier of
exported files (jit/audit/exports.py) hash with the same code.
"""

import secrets

from jit.canonical import canonical_json, sha256_hex

WHOLE = 1
SEALED = 2
CURRENT_FORMAT = SEALED

ENVELOPE = (
    "chain",
    "seq",
    "team_id",
    "occurred_at",
    "actor_time_zone",
    "user_id",
    "operation",
    "object_type",
    "object_id",
    "ip_address",
    "prev_hash",
)
CONTENT = ("old_values", "new_values")


def new_nonce() -> str:
    """Return a fresh 128-bit nonce, hex-encoded."""
    return secrets.token_hex(16)


def content_digest(nonce: str, old_values, new_values) -> str:
    """Return the salted digest of an entry's content."""
    return sha256_hex(
        canonical_json({"nonce": nonce, "old_values": old_values, "new_values": new_values})
    )


def entry_hash(fields: dict) -> str:
    """Return the hash of an entry given as a dictionary, in its own format.

    Format 2 needs the envelope and ``content_hash``; format 1 needs the envelope and
    the content. ``occurred_at`` may be an aware datetime or its ISO text.
    """
    entry_format = fields.get("format") or WHOLE
    if entry_format == WHOLE:
        return sha256_hex(canonical_json({name: fields[name] for name in ENVELOPE + CONTENT}))
    if entry_format == SEALED:
        sealed = {name: fields[name] for name in ENVELOPE}
        sealed |= {"format": SEALED, "content_hash": fields["content_hash"]}
        return sha256_hex(canonical_json(sealed))
    raise ValueError(f"unknown audit entry format {entry_format!r}")
