"""Import every model so SQLAlchemy and Alembic know every table."""

from jit.accounts.models import LoginThrottle, RecoveryCode, User
from jit.audit.models import AuditChainHead, AuditEntry
from jit.directory.models import DirectoryEntry
from jit.teams.models import Membership, Party, Team

__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "DirectoryEntry",
    "LoginThrottle",
    "Membership",
    "Party",
    "RecoveryCode",
    "Team",
    "User",
]
