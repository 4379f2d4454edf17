"""Labels of what a report says: the place, the trigger, the agencies, the harms, the
authority it was reported to, and how far along and verified it is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.models.vocabulary import (
    Agency,
    Authority,
    Harm,
    IncidentStatus,
    LinkKind,
    PlaceType,
    Trigger,
    Verification,
)
from portal.vocabulary.table import Labels

PLACE_TYPE_LABELS: Labels = {
    # Translators: a kind of place (someone's home), not the portal's home page.
    PlaceType.HOME: lazy_pgettext("place", "Home"),
    PlaceType.WORKPLACE: _l("Workplace"),
    PlaceType.GOVERNMENT_OFFICE: _l("Government office"),
    PlaceType.AIRPORT: _l("Airport"),
    PlaceType.CEMETERY_OR_MEMORIAL: _l("Cemetery or memorial"),
    PlaceType.ONLINE: _l("Online"),
    PlaceType.PHONE: _l("Phone"),
    PlaceType.OTHER: _l("Other"),
}

TRIGGER_LABELS: Labels = {
    Trigger.MEDIA_INTERVIEW: _l("A media interview"),
    Trigger.RALLY: _l("A rally or gathering"),
    Trigger.ANNIVERSARY: _l("An anniversary or memorial day"),
    Trigger.LEGAL_FILING: _l("A legal filing or complaint"),
    Trigger.NONE_KNOWN: _l("None that I know of"),
    Trigger.OTHER: _l("Something else"),
}

AGENCY_LABELS: Labels = {
    Agency.IRGC_INTELLIGENCE: _l("IRGC Intelligence Organization"),
    Agency.MINISTRY_OF_INTELLIGENCE: _l("Ministry of Intelligence"),
    Agency.JUDICIARY: _l("Judiciary"),
    Agency.POLICE: _l("Police"),
    Agency.CYBER_POLICE: _l("Cyber police (FATA)"),
    Agency.CONSULATE_OR_EMBASSY: _l("Consulate or embassy"),
    Agency.STATE_MEDIA: _l("State media"),
    Agency.UNKNOWN: _l("Unknown"),
    Agency.OTHER: _l("Other"),
}

HARM_LABELS: Labels = {
    Harm.FEAR_OR_DISTRESS: _l("Fear or distress"),
    Harm.PHYSICAL: _l("Physical harm"),
    Harm.LOSS_OF_LIBERTY: _l("Loss of liberty"),
    Harm.FINANCIAL: _l("Financial loss"),
    Harm.LOSS_OF_WORK_OR_STUDY: _l("Loss of work or studies"),
    Harm.FAMILY_SEPARATION: _l("Family separation"),
    Harm.SELF_CENSORSHIP: _l("Had to stop speaking out"),
    Harm.OTHER: _l("Other"),
}

AUTHORITY_LABELS: Labels = {
    Authority.RCMP: _l("RCMP"),
    Authority.POLICE: _l("Police"),
    Authority.OTHER: _l("Other authority"),
}

INCIDENT_STATUS_LABELS: Labels = {
    IncidentStatus.DRAFT: _l("Draft"),
    IncidentStatus.SUBMITTED: _l("Submitted"),
}

VERIFICATION_LABELS: Labels = {
    Verification.UNVERIFIED: _l("Not yet verified"),
    Verification.PARTIALLY_CORROBORATED: _l("Partly corroborated"),
    Verification.CORROBORATED: _l("Corroborated"),
}

LINK_KIND_LABELS: Labels = {
    LinkKind.RELATED: _l("Related"),
    LinkKind.DUPLICATE: _l("Duplicate"),
}
