"""Closed lists used by family files and incidents. Their translated labels live in
`portal/vocabulary/`; the stored values never change."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_column(enum: type[StrEnum], name: str, length: int = 40) -> Enum:
    """Store the value (not the name) as a string, portable across SQLite and PostgreSQL."""
    return Enum(enum, name=name, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])


class Residence(StrEnum):
    IRAN = "iran"
    CANADA = "canada"
    ELSEWHERE = "elsewhere"


class IncidentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Verification(StrEnum):
    UNVERIFIED = "unverified"
    PARTIALLY_CORROBORATED = "partially_corroborated"
    CORROBORATED = "corroborated"


class PlaceType(StrEnum):
    HOME = "home"
    WORKPLACE = "workplace"
    GOVERNMENT_OFFICE = "government_office"
    AIRPORT = "airport"
    CEMETERY_OR_MEMORIAL = "cemetery_or_memorial"
    ONLINE = "online"
    PHONE = "phone"
    OTHER = "other"


class Trigger(StrEnum):
    MEDIA_INTERVIEW = "media_interview"
    RALLY = "rally"
    ANNIVERSARY = "anniversary"
    LEGAL_FILING = "legal_filing"
    NONE_KNOWN = "none_known"
    OTHER = "other"


class Agency(StrEnum):
    IRGC_INTELLIGENCE = "irgc_intelligence"
    MINISTRY_OF_INTELLIGENCE = "ministry_of_intelligence"
    JUDICIARY = "judiciary"
    POLICE = "police"
    CYBER_POLICE = "cyber_police"
    CONSULATE_OR_EMBASSY = "consulate_or_embassy"
    STATE_MEDIA = "state_media"
    UNKNOWN = "unknown"
    OTHER = "other"


class Harm(StrEnum):
    FEAR_OR_DISTRESS = "fear_or_distress"
    PHYSICAL = "physical"
    LOSS_OF_LIBERTY = "loss_of_liberty"
    FINANCIAL = "financial"
    LOSS_OF_WORK_OR_STUDY = "loss_of_work_or_study"
    FAMILY_SEPARATION = "family_separation"
    SELF_CENSORSHIP = "self_censorship"
    OTHER = "other"


class Authority(StrEnum):
    RCMP = "rcmp"
    POLICE = "police"
    OTHER = "other"


class Destination(StrEnum):
    """Who may receive an incident or a person's details (consent scope)."""

    ICC_PROSECUTOR = "icc_prosecutor"
    ICC_REGISTRY = "icc_registry"
    CANADIAN_POLICE = "canadian_police"
    OTHER_PROSECUTORS = "other_prosecutors"
    UN_MECHANISMS = "un_mechanisms"
    MEDIA = "media"
    PUBLIC_REPORT = "public_report"


class Disclosure(StrEnum):
    FULL_NAME = "full_name"
    PSEUDONYM = "pseudonym"
    ANONYMOUS = "anonymous"


class Testify(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class IncidentPrecision(StrEnum):
    """How exact a date is, as the reporter said it (mirrors portal.calendar.Precision)."""

    TIME = "time"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class LinkKind(StrEnum):
    RELATED = "related"
    DUPLICATE = "duplicate"


class IdentifierKind(StrEnum):
    PHONE = "phone"
    ACCOUNT = "account"
    EMAIL = "email"
    OFFICIAL = "official"
    PLACE = "place"
    VEHICLE_PLATE = "vehicle_plate"


class Platform(StrEnum):
    """Where an account lives (only for `IdentifierKind.ACCOUNT`)."""

    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    INSTAGRAM = "instagram"
    X = "x"
    FACEBOOK = "facebook"
    OTHER = "other"
