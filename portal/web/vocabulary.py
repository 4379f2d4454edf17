"""Translated labels for the closed lists, countries from Babel, and time zones."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString, get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.models.dossiers import (
    AdvocacyEventKind,
    DossierKind,
    DossierStatus,
    IncidentOrder,
    RedactionReason,
    TranslationMethod,
)
from portal.models.vocabulary import (
    Agency,
    Authority,
    Destination,
    Disclosure,
    Harm,
    IncidentStatus,
    LinkKind,
    PlaceType,
    Residence,
    Testify,
    Trigger,
    Verification,
)
from portal.services.countries import country_names

LABELS: dict[str, LazyString] = {
    # Translators: a kind of place (someone's home), not the portal's home page.
    PlaceType.HOME: lazy_pgettext("place", "Home"),
    PlaceType.WORKPLACE: _l("Workplace"),
    PlaceType.GOVERNMENT_OFFICE: _l("Government office"),
    PlaceType.AIRPORT: _l("Airport"),
    PlaceType.CEMETERY_OR_MEMORIAL: _l("Cemetery or memorial"),
    PlaceType.ONLINE: _l("Online"),
    PlaceType.PHONE: _l("Phone"),
    PlaceType.OTHER: _l("Other"),
    Trigger.MEDIA_INTERVIEW: _l("A media interview"),
    Trigger.RALLY: _l("A rally or gathering"),
    Trigger.ANNIVERSARY: _l("An anniversary or memorial day"),
    Trigger.LEGAL_FILING: _l("A legal filing or complaint"),
    Trigger.NONE_KNOWN: _l("None that I know of"),
    Trigger.OTHER: _l("Something else"),
    Agency.IRGC_INTELLIGENCE: _l("IRGC Intelligence Organization"),
    Agency.MINISTRY_OF_INTELLIGENCE: _l("Ministry of Intelligence"),
    Agency.JUDICIARY: _l("Judiciary"),
    Agency.POLICE: _l("Police"),
    Agency.CYBER_POLICE: _l("Cyber police (FATA)"),
    Agency.CONSULATE_OR_EMBASSY: _l("Consulate or embassy"),
    Agency.STATE_MEDIA: _l("State media"),
    Agency.UNKNOWN: _l("Unknown"),
    Agency.OTHER: _l("Other"),
    Harm.FEAR_OR_DISTRESS: _l("Fear or distress"),
    Harm.PHYSICAL: _l("Physical harm"),
    Harm.LOSS_OF_LIBERTY: _l("Loss of liberty"),
    Harm.FINANCIAL: _l("Financial loss"),
    Harm.LOSS_OF_WORK_OR_STUDY: _l("Loss of work or studies"),
    Harm.FAMILY_SEPARATION: _l("Family separation"),
    Harm.SELF_CENSORSHIP: _l("Had to stop speaking out"),
    Harm.OTHER: _l("Other"),
    Authority.RCMP: _l("RCMP"),
    Authority.POLICE: _l("Police"),
    Authority.OTHER: _l("Other authority"),
    Destination.ICC_PROSECUTOR: _l("ICC Office of the Prosecutor"),
    Destination.ICC_REGISTRY: _l("ICC Registry (victims' participation)"),
    Destination.CANADIAN_POLICE: _l("RCMP or Canadian police"),
    Destination.OTHER_PROSECUTORS: _l("Prosecutors of other countries"),
    Destination.UN_MECHANISMS: _l("United Nations mechanisms"),
    Destination.MEDIA: _l("Journalists"),
    Destination.PUBLIC_REPORT: _l("A public report"),
    Disclosure.FULL_NAME: _l("With my full name"),
    Disclosure.PSEUDONYM: _l("With a pseudonym only"),
    Disclosure.ANONYMOUS: _l("Anonymously"),
    Testify.YES: _l("Yes"),
    Testify.NO: _l("No"),
    Testify.UNSURE: _l("Not sure yet"),
    Residence.IRAN: _l("Iran"),
    Residence.CANADA: _l("Canada"),
    Residence.ELSEWHERE: _l("Elsewhere"),
    IncidentStatus.DRAFT: _l("Draft"),
    IncidentStatus.SUBMITTED: _l("Submitted"),
    Verification.UNVERIFIED: _l("Not yet verified"),
    Verification.PARTIALLY_CORROBORATED: _l("Partly corroborated"),
    Verification.CORROBORATED: _l("Corroborated"),
    LinkKind.RELATED: _l("Related"),
    LinkKind.DUPLICATE: _l("Duplicate"),
    DossierKind.ARTICLE_15: _l("Article 15 communication"),
    DossierKind.SUPPLEMENTARY: _l("Supplementary information to an earlier communication"),
    DossierKind.VICTIMS_REPRESENTATION: _l("Victims' representation"),
    DossierKind.POLICE_REFERRAL: _l("Referral to Canadian police"),
    DossierStatus.IN_REVIEW: _l("In legal review"),
    DossierStatus.RETURNED: _l("Returned with comments"),
    DossierStatus.APPROVED: _l("Approved"),
    IncidentOrder.DATE: _l("By date"),
    IncidentOrder.TYPE: _l("By type"),
    IncidentOrder.MANUAL: _l("By hand"),
    RedactionReason.R1: _l("R1 – identity of a victim, witness or relative"),
    RedactionReason.R2: _l("R2 – location or contact"),
    RedactionReason.R3: _l("R3 – third party"),
    RedactionReason.R4: _l("R4 – source"),
    RedactionReason.R5: _l("R5 – security-sensitive"),
    TranslationMethod.HUMAN: _l("Human translation"),
    TranslationMethod.MACHINE_REVIEWED: _l("Machine translation reviewed by a person"),
    TranslationMethod.MACHINE: _l("Machine translation"),
    AdvocacyEventKind.ANNIVERSARY: _l("Anniversary"),
    AdvocacyEventKind.LEGAL_FILING: _l("Legal filing"),
    AdvocacyEventKind.INTERVIEW: _l("Interview"),
    AdvocacyEventKind.RALLY: _l("Rally"),
}

# Time zones offered for incidents: where the families and the perpetrators are.
TIMEZONES: tuple[str, ...] = (
    "Asia/Tehran", "America/Toronto", "America/Vancouver", "America/Edmonton",
    "America/Winnipeg", "America/Halifax", "Europe/London", "Europe/Berlin", "Europe/Paris",
    "Europe/Stockholm", "Asia/Dubai", "Europe/Istanbul", "Australia/Sydney", "UTC",
)


def label(value: object) -> str:
    """The translated label of a stored value; the value itself if unknown."""
    text = LABELS.get(str(value))
    return str(text) if text is not None else str(value)


def choices(enum: type[StrEnum]) -> list[SelectChoice]:
    return [SelectChoice(member.value, label(member.value)) for member in enum]


def blank(text: LazyString) -> SelectChoice:
    """The empty first option of a select ("Choose…", "Any")."""
    return SelectChoice("", text)


def country_choices() -> list[SelectChoice]:
    """Countries named in the current language, Iran and Canada first (most incidents)."""
    pairs = country_names(str(get_locale() or "en"))
    ordered = [p for p in pairs if p[0] in ("IR", "CA")] + [p for p in pairs
                                                           if p[0] not in ("IR", "CA")]
    return [SelectChoice(code, name) for code, name in ordered]


def country_name(code: str) -> str:
    if not code:
        return ""
    return dict(country_names(str(get_locale() or "en"))).get(code, code)
