"""The head of a signed hash chain: locked by writers, advanced, signed, checked.

The audit log and the chain of custody keep one head row per chain (its last number
and hash, and the instance's Ed25519 signature over them). Both take it here, so the
locking and the signed bytes are written once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from jit import signing
from jit.canonical import GENESIS_HASH
from jit.extensions import db


@dataclass(frozen=True)
class SignedHeads:
    """The head rows of one kind of chain.

    ``model`` has ``seq``, ``hash``, ``signed_at``, ``key_id`` and ``signature``;
    ``key`` names its primary-key column; ``names`` turns a key value into what the
    signature says the chain is (``{"log": "audit", "chain": "team:3"}``).
    """

    model: type
    key: str
    names: Callable[[object], dict]

    def lock(self, key_value):
        """Take the chain's head for this transaction, so no other writer can fork it.

        A no-op UPDATE comes first: on PostgreSQL it locks the row like SELECT … FOR
        UPDATE; on SQLite (whose driver runs plain SELECTs outside any transaction) it
        opens the write transaction, so the head read next is the latest committed one.
        A chain without a head gets a new one, added to the session once signed.
        """
        column = getattr(self.model, self.key)
        db.session.execute(
            update(self.model)
            .where(column == key_value)
            .values(seq=self.model.seq)
            .execution_options(synchronize_session=False)
        )
        head = db.session.execute(
            select(self.model).where(column == key_value).execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if head is None:
            head = self.model(**{self.key: key_value}, seq=0, hash=GENESIS_HASH)
        return head

    def advance(self, head, seq: int, entry_hash: str, signed_at) -> None:
        """Move the head to the entry ``seq`` with ``entry_hash`` and sign it."""
        head.seq, head.hash = seq, entry_hash
        self.sign(head, signed_at)
        db.session.add(head)

    def sign(self, head, signed_at) -> None:
        """Sign the head as it stands, at ``signed_at``."""
        key = signing.signing_key()
        head.signed_at, head.key_id = signed_at, key.key_id
        head.signature = key.sign(
            self.payload(getattr(head, self.key), head.seq, head.hash, key.key_id, signed_at)
        )

    def payload(self, key_value, seq: int, head_hash: str, key_id: str, signed_at) -> bytes:
        """Return the bytes signed for the head of the chain ``key_value``."""
        return signing.head_payload(self.names(key_value), seq, head_hash, key_id, signed_at)

    def check(self, head, key: signing.SigningKey | None = None) -> str | None:
        """Return why the head's signature does not hold (under ``key``), or None."""
        key = key or signing.signing_key()
        payload = self.payload(
            getattr(head, self.key), head.seq, head.hash, head.key_id, head.signed_at
        )
        return key.check(head.key_id, head.signature, payload)
