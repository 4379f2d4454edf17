"""Typed SQLAlchemy models. Importing this package registers every table."""

from portal.models.accounts import Invitation, RecoveryCode, Role, User, UserSession
from portal.models.audit import AuditChainHead, AuditEvent
from portal.models.base import Base, db, utcnow
from portal.models.dossiers import (
    AdvocacyEvent,
    Dossier,
    DossierContributor,
    DossierExhibit,
    DossierIncident,
    DossierRedaction,
    DossierReview,
    DossierSection,
    DossierTermReview,
    PendingTranslation,
    SectionTemplate,
    SectionTranslation,
    Translation,
)
from portal.models.evidence import (
    CustodyEvent,
    CustodyPurpose,
    EvidenceItem,
    EvidenceKind,
    EvidenceState,
    Rendition,
    evidence_incidents,
)
from portal.models.exports import DossierExport, ExportStage
from portal.models.families import (
    Assignment,
    AssignmentProposal,
    Family,
    FamilyMembership,
    Person,
    Victim,
)
from portal.models.identifiers import Identifier, IdentifierKind, Platform
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
from portal.models.jobs import Job, JobState
from portal.models.kept_posts import KeptPost
from portal.models.pagination import FixedPagination
from portal.models.resumable_uploads import ResumableUpload, ResumableUploadPart
from portal.models.submissions import FormSubmission

__all__ = [
    "AdvocacyEvent",
    "Assignment",
    "AssignmentProposal",
    "AuditChainHead",
    "AuditEvent",
    "AuthorityReport",
    "Base",
    "ConsentRecord",
    "CustodyEvent",
    "CustodyPurpose",
    "Dossier",
    "DossierContributor",
    "DossierExhibit",
    "DossierExport",
    "DossierIncident",
    "DossierRedaction",
    "DossierReview",
    "DossierSection",
    "DossierTermReview",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceState",
    "ExportStage",
    "Family",
    "FamilyMembership",
    "FixedPagination",
    "FormSubmission",
    "Identifier",
    "IdentifierKind",
    "Incident",
    "IncidentAgency",
    "IncidentHarm",
    "IncidentLink",
    "IncidentMessage",
    "IncidentRevision",
    "IncidentTypeTerm",
    "Invitation",
    "Job",
    "JobState",
    "KeptPost",
    "LegalTag",
    "PendingTranslation",
    "Person",
    "Platform",
    "RecoveryCode",
    "Rendition",
    "ResumableUpload",
    "ResumableUploadPart",
    "Role",
    "SearchToken",
    "SectionTemplate",
    "SectionTranslation",
    "Translation",
    "User",
    "UserSession",
    "Victim",
    "db",
    "evidence_incidents",
    "utcnow",
]
