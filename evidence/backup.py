"""What evidence adds to an instance backup: the heads of its custody chains."""

from sqlalchemy import select

from evidence.models import CustodyChainHead


def custody_heads(connection, **_kwargs) -> dict:
    """Return every custody chain's head as read through ``connection`` (a snapshot)."""
    rows = connection.execute(select(CustodyChainHead.__table__).order_by(CustodyChainHead.item_id))
    return {
        "custody": [
            {
                "chain": f"item-{row.item_id}",
                "seq": row.seq,
                "hash": row.hash,
                "key_id": row.key_id,
                "signature": row.signature,
            }
            for row in rows
        ]
    }
