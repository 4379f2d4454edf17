"""Labels of dossiers: their kind, status, incident order, sections and redaction
reasons; the translations they carry; the advocacy events they are timed against;
the stages of an export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import ExportStage
from portal.models.dossiers import (
    AdvocacyEventKind,
    DossierKind,
    DossierStatus,
    IncidentOrder,
    RedactionReason,
    SectionKey,
    TranslationMethod,
)
from portal.vocabulary.table import Labels

DOSSIER_KIND_LABELS: Labels = {
    DossierKind.ARTICLE_15: _l("Article 15 communication"),
    DossierKind.SUPPLEMENTARY: _l("Supplementary information to an earlier communication"),
    DossierKind.VICTIMS_REPRESENTATION: _l("Victims' representation"),
    DossierKind.POLICE_REFERRAL: _l("Referral to Canadian police"),
}

DOSSIER_STATUS_LABELS: Labels = {
    DossierStatus.DRAFT: _l("Draft"),
    DossierStatus.IN_REVIEW: _l("In legal review"),
    DossierStatus.RETURNED: _l("Returned with comments"),
    DossierStatus.APPROVED: _l("Approved"),
}

INCIDENT_ORDER_LABELS: Labels = {
    IncidentOrder.DATE: _l("By date"),
    IncidentOrder.TYPE: _l("By type"),
    IncidentOrder.MANUAL: _l("By hand"),
}

# In the order of the dossier: the section list on the dossier's page follows it.
SECTION_TITLES: Labels = {
    SectionKey.EXECUTIVE_SUMMARY: _l("Executive summary"),
    SectionKey.METHODOLOGY: _l("Submitter and methodology"),
    SectionKey.BACKGROUND: _l("Background"),
    SectionKey.OTHER_PROCEEDINGS: _l("Other proceedings"),
    SectionKey.JURISDICTION: _l("Jurisdiction"),
    SectionKey.LEGAL_CHARACTERISATION: _l("Legal characterisation"),
    SectionKey.REQUESTS: _l("Requests"),
    SectionKey.EVIDENCE_HANDLING: _l("Evidence-handling statement"),
}

REDACTION_REASON_LABELS: Labels = {
    RedactionReason.R1: _l("R1 – identity of a victim, witness or relative"),
    RedactionReason.R2: _l("R2 – location or contact"),
    RedactionReason.R3: _l("R3 – third party"),
    RedactionReason.R4: _l("R4 – source"),
    RedactionReason.R5: _l("R5 – security-sensitive"),
}

TRANSLATION_METHOD_LABELS: Labels = {
    TranslationMethod.HUMAN: _l("Human translation"),
    TranslationMethod.MACHINE_REVIEWED: _l("Machine translation reviewed by a person"),
    TranslationMethod.MACHINE: _l("Machine translation"),
}

ADVOCACY_EVENT_KIND_LABELS: Labels = {
    AdvocacyEventKind.ANNIVERSARY: _l("Anniversary"),
    AdvocacyEventKind.LEGAL_FILING: _l("Legal filing"),
    AdvocacyEventKind.INTERVIEW: _l("Interview"),
    AdvocacyEventKind.RALLY: _l("Rally"),
    AdvocacyEventKind.OTHER: _l("Other"),
}

EXPORT_STAGE_LABELS: Labels = {
    ExportStage.QUEUED: _l("Queued"),
    ExportStage.RENDERING: _l("Rendering the PDF"),
    ExportStage.ATTACHING: _l("Attaching the manifests"),
    ExportStage.SIGNING: _l("Signing"),
    ExportStage.BUNDLING: _l("Bundling the evidence"),
    ExportStage.DONE: _l("Done"),
    ExportStage.FAILED: _l("Failed"),
}
