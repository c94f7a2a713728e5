"""Reading the audit log a page at a time, for the team and platform log pages."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from jit.audit.models import AuditEntry
from jit.extensions import db

PAGE_SIZE = 50


def entries_page(chain: str, page: int) -> tuple[list[AuditEntry], int]:
    """Return one page of a chain, newest first, and the number of pages."""
    total = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.chain == chain)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.chain == chain)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.seq.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return entries, pages
