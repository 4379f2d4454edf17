"""Typed SQLAlchemy models. Importing this package registers every table."""

from portal.models.accounts import Invitation, RecoveryCode, Role, User, UserSession
from portal.models.audit import AuditChainHead, AuditEvent
from portal.models.base import Base, db, utcnow

__all__ = [
    "AuditChainHead", "AuditEvent", "Base", "Invitation", "RecoveryCode", "Role",
    "User", "UserSession", "db", "utcnow",
]
