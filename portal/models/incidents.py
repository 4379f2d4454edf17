"""Incidents and everything attached to them: types, agencies, targets, consent,
revisions, the advocate thread, links, legal tags and the blind search index.

Free text that could identify or endanger someone is sealed (`*_sealed`, see
portal/models/sealed.py). Countries, dates and closed-list values stay clear so
that advocates can filter and count without decrypting.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, utcnow
from portal.models.families import Family, Person
from portal.models.vocabulary import (
    Agency,
    Authority,
    Disclosure,
    Harm,
    IncidentPrecision,
    IncidentStatus,
    LinkKind,
    PlaceType,
    Testify,
    Trigger,
    Verification,
    enum_column,
)

incident_types = Table(
    "incident_types", Base.metadata,
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
    Column("type_id", ForeignKey("incident_type_terms.id"), primary_key=True),
)

incident_targets = Table(
    "incident_targets", Base.metadata,
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
)


class IncidentTypeTerm(Base):
    """A kind of incident. Admins can add terms; built-in ones come with the portal."""

    __tablename__ = "incident_type_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    label_en: Mapped[str] = mapped_column(String(120))
    label_fa: Mapped[str] = mapped_column(String(120))
    label_fr: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def label(self, locale: str) -> str:
        return {"fa": self.label_fa, "fr": self.label_fr}.get(locale, self.label_en)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # An advocate's scope is (assigned families, submitted); the included columns let
        # PostgreSQL filter and count the workspace from the index alone (docs/benchmarks.md).
        Index("ix_incidents_scope", "family_id", "status", postgresql_include=[
            "id", "start_first_day", "start_last_day", "end_last_day", "country",
            "verification"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))  # see ix_incidents_scope
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[IncidentStatus] = mapped_column(
        enum_column(IncidentStatus, "incident_status"), default=IncidentStatus.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    # When: each end as typed (text and calendar) beside the Gregorian days it covers.
    start_first_day: Mapped[date | None] = mapped_column(Date, index=True)
    start_last_day: Mapped[date | None] = mapped_column(Date)
    start_precision: Mapped[IncidentPrecision | None] = mapped_column(
        enum_column(IncidentPrecision, "date_precision", 10))
    start_time: Mapped[time | None] = mapped_column(Time)
    start_text: Mapped[str] = mapped_column(String(80), default="")
    start_calendar: Mapped[str] = mapped_column(String(12), default="")
    end_first_day: Mapped[date | None] = mapped_column(Date)
    end_last_day: Mapped[date | None] = mapped_column(Date)
    end_precision: Mapped[IncidentPrecision | None] = mapped_column(
        enum_column(IncidentPrecision, "date_precision", 10))
    end_time: Mapped[time | None] = mapped_column(Time)
    end_text: Mapped[str] = mapped_column(String(80), default="")
    end_calendar: Mapped[str] = mapped_column(String(12), default="")
    approximate: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Tehran")

    # Where (ISO 3166-1 alpha-2 codes), and where each element happened (jurisdiction).
    # Province, city and platform are free text: sealed (searched through the blind index).
    country: Mapped[str] = mapped_column(String(2), default="", index=True)
    province_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    city_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    place_type: Mapped[PlaceType | None] = mapped_column(enum_column(PlaceType, "place_type"))
    online_platform_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    country_sent: Mapped[str] = mapped_column(String(2), default="")
    country_received: Mapped[str] = mapped_column(String(2), default="")
    country_carried_out: Mapped[str] = mapped_column(String(2), default="")

    # What.
    narrative_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    narrative_language: Mapped[str] = mapped_column(String(8), default="")
    demands_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    threat_wording_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    trigger: Mapped[Trigger | None] = mapped_column(enum_column(Trigger, "incident_trigger"))

    # Who and whom.
    perpetrators_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_is_target: Mapped[bool] = mapped_column(default=True)

    # Harm and witnesses.
    harm_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    witnesses_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    # Advocate review.
    verification: Mapped[Verification] = mapped_column(
        enum_column(Verification, "verification"), default=Verification.UNVERIFIED, index=True)
    verification_notes_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    types: Mapped[list[IncidentTypeTerm]] = relationship(
        secondary=incident_types, order_by=IncidentTypeTerm.position)
    targets: Mapped[list[Person]] = relationship(secondary=incident_targets,
                                                 order_by=Person.number)
    agencies: Mapped[list[IncidentAgency]] = relationship(cascade="all, delete-orphan")
    harms: Mapped[list[IncidentHarm]] = relationship(cascade="all, delete-orphan")
    authority_reports: Mapped[list[AuthorityReport]] = relationship(
        cascade="all, delete-orphan", order_by="AuthorityReport.id")


class IncidentAgency(Base):
    __tablename__ = "incident_agencies"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    agency: Mapped[Agency] = mapped_column(enum_column(Agency, "agency"), primary_key=True)


class IncidentHarm(Base):
    __tablename__ = "incident_harms"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    harm: Mapped[Harm] = mapped_column(enum_column(Harm, "harm"), primary_key=True)


class AuthorityReport(Base):
    """A report the family made to an authority about the incident."""

    __tablename__ = "authority_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    authority: Mapped[Authority] = mapped_column(enum_column(Authority, "authority"))
    reported_on: Mapped[date | None] = mapped_column(Date)
    reported_on_text: Mapped[str] = mapped_column(String(80), default="")
    reference_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class ConsentRecord(Base):
    """Consent for an incident or a person, append-only: the newest row is in force.

    A withdrawal is a new row with `withdrawn` set and no destinations, so the time
    and author of every change stay on record.
    """

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_subject", "incident_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    destinations: Mapped[list[str]] = mapped_column(JSON, default=list)
    disclosure: Mapped[Disclosure] = mapped_column(enum_column(Disclosure, "disclosure"))
    testify: Mapped[Testify] = mapped_column(enum_column(Testify, "testify"))
    withdrawn: Mapped[bool] = mapped_column(default=False)
    # A report's consent to be counted, as a number only, in the statistics of dossiers
    # that do not cite it (recurring identifiers, decision 0031). Asked plainly; no by
    # default, and for every record made before the question existed.
    aggregate_use: Mapped[bool] = mapped_column(default=False, server_default=false())
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentRevision(Base):
    """One version of a submitted incident: who, when, which fields changed, and the
    whole content as it then was (sealed), so nothing is ever overwritten."""

    __tablename__ = "incident_revisions"
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # When the reporter ticked "I declare that what I wrote is true to the best of my
    # knowledge" on submitting this version (None: no statement of truth for it).
    declared_true_at: Mapped[datetime | None]

    author: Mapped[User] = relationship()


class IncidentMessage(Base):
    """The thread between advocates and the reporter: comments, questions, answers."""

    __tablename__ = "incident_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    is_question: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime | None]
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class IncidentLink(Base):
    __tablename__ = "incident_links"
    __table_args__ = (UniqueConstraint("incident_id", "linked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    linked_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind, "link_kind"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LegalTag(Base):
    """A legal characterisation an advocate suggests and a legal reviewer confirms.

    The tag is free text, so it is sealed; `tag_digest` (a keyed hash of it under the
    search-index key, `search_index.legal_tag_digest`) lets the database refuse the
    same tag twice on one incident without holding it in clear.
    """

    __tablename__ = "legal_tags"
    __table_args__ = (UniqueConstraint("incident_id", "tag_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    tag_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    tag_digest: Mapped[str] = mapped_column(String(64))
    suggested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]


class SearchToken(Base):
    """Blind index: a keyed hash of each normalised word of an incident's sealed text.

    Lets the database find candidate incidents without holding plaintext. It reveals
    which incidents share a word (docs/security.md).
    """

    __tablename__ = "search_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), primary_key=True,
                                             index=True)
