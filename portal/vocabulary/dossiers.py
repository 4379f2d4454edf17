"""Labels of dossiers: their kind, status, incident order, sections and redaction
reasons; the translations they carry; the advocacy events they are timed against;
the stages of an export; what the abbreviations a dossier prints stand for."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString
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
    SectionKey.ADMISSIBILITY: _l("Admissibility and interests of justice"),
    SectionKey.REQUESTS: _l("Requests"),
    SectionKey.EVIDENCE_HANDLING: _l("Evidence-handling statement"),
}

# What the abbreviations a dossier may print stand for, in the rendering's language: the
# PDF lists those its text uses (portal.pdf.html.ABBREVIATIONS finds them), after the
# contents. Keyed by the abbreviation as printed; the English and French ones of one
# body share a text ("ICC" in an English dossier, "CPI" in a French one).
ABBREVIATION_EXPANSIONS: Mapping[str, LazyString] = {
    "BdP": _l("Office of the Prosecutor of the International Criminal Court"),
    "CAHWCA": _l("Crimes Against Humanity and War Crimes Act (Canada, S.C. 2000, c. 24)"),
    "CGRI": _l("Islamic Revolutionary Guard Corps (Iran)"),
    "CIJ": _l("International Court of Justice"),
    "CPI": _l("International Criminal Court"),
    "EX-": _l("Exhibit number (EX-0001), as listed in Annex A"),
    "FAM-": _l("Code of a family file; a person of the file is known by a code such as "
               "FAM-001-P1"),
    "GRC": _l("Royal Canadian Mounted Police"),
    "ICAO": _l("International Civil Aviation Organization"),
    "ICC": _l("International Criminal Court"),
    "ICJ": _l("International Court of Justice"),
    "IRGC": _l("Islamic Revolutionary Guard Corps (Iran)"),
    "L.C.": _l("Statutes of Canada"),
    "LCHCG": _l("Crimes Against Humanity and War Crimes Act (Canada, S.C. 2000, c. 24)"),
    "MOIS": _l("Ministry of Intelligence of the Islamic Republic of Iran"),
    "OACI": _l("International Civil Aviation Organization"),
    "OTP": _l("Office of the Prosecutor of the International Criminal Court"),
    "PS752": _l("Ukraine International Airlines flight PS752, Tehran to Kyiv, shot down on "
                "8 January 2020; also the prefix of this dossier's references and Bates "
                "numbers"),
    "RCMP": _l("Royal Canadian Mounted Police"),
    "S.C.": _l("Statutes of Canada"),
    "SHA-256": _l("Secure Hash Algorithm (256 bits): the fingerprint of a file"),
    "UTC": _l("Coordinated Universal Time"),
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
