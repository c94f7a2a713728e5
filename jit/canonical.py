"""Canonical serialisation and hashing shared by every hash chain (audit, custody)."""

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    raise TypeError(f"cannot serialise {type(value).__name__} canonically")


def canonical_json(payload: dict) -> bytes:
    """Return ``payload`` as UTF-8 JSON with sorted keys and no insignificant whitespace."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
