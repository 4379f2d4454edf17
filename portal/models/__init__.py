"""Typed SQLAlchemy models. Importing this package registers every table."""

from portal.models.accounts import Invitation, RecoveryCode, Role, User, UserSession
from portal.models.audit import AuditChainHead, AuditEvent
from portal.models.base import Base, db, utcnow
from portal.models.evidence import (
    CustodyEvent,
    EvidenceItem,
    EvidenceKind,
    EvidenceState,
    Rendition,
    evidence_incidents,
)
from portal.models.families import Assignment, Family, FamilyMembership, Person, Victim
from portal.models.incidents import (
    AuthorityReport,
    ConsentRecord,
    Incident,
    IncidentAgency,
    IncidentHarm,
    IncidentLink,
    IncidentMessage,
    IncidentRevision,
    IncidentTypeTerm,
    LegalTag,
    SearchToken,
)

__all__ = [
    "Assignment",
    "AuditChainHead",
    "AuditEvent",
    "AuthorityReport",
    "Base",
    "ConsentRecord",
    "CustodyEvent",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceState",
    "Family",
    "FamilyMembership",
    "Incident",
    "IncidentAgency",
    "IncidentHarm",
    "IncidentLink",
    "IncidentMessage",
    "IncidentRevision",
    "IncidentTypeTerm",
    "Invitation",
    "LegalTag",
    "Person",
    "RecoveryCode",
    "Rendition",
    "Role",
    "SearchToken",
    "User",
    "UserSession",
    "Victim",
    "db",
    "evidence_incidents",
    "utcnow",
]
