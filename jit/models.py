"""Import every model so SQLAlchemy and Alembic know every table."""

from jit.accounts.models import LoginThrottle, RecoveryCode, User, UserSession
from jit.audit.models import AuditChainHead, AuditEntry
from jit.closeout.models import (
    CloseoutArchive,
    CustodyDeletionPermit,
    DeletionCertificate,
    TeamRetention,
)
from jit.directory.models import DirectoryEntry
from jit.submissions import SubmissionToken
from jit.teams.models import Membership, Party, Team

__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "CloseoutArchive",
    "CustodyDeletionPermit",
    "DeletionCertificate",
    "DirectoryEntry",
    "LoginThrottle",
    "Membership",
    "Party",
    "RecoveryCode",
    "SubmissionToken",
    "Team",
    "TeamRetention",
    "User",
    "UserSession",
]
