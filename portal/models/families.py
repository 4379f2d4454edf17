"""The victims register, family files (the case files), their members, advocates and people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, utcnow
from portal.models.vocabulary import Residence, enum_column

family_victims = Table(
    "family_victims", Base.metadata,
    Column("family_id", ForeignKey("families.id"), primary_key=True),
    Column("victim_id", ForeignKey("victims.id"), primary_key=True),
)


class Victim(Base):
    """A person killed on PS752. The register is public knowledge, so it is not sealed."""

    __tablename__ = "victims"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_latin: Mapped[str] = mapped_column(String(200))
    name_persian: Mapped[str] = mapped_column(String(200), default="")
    age: Mapped[int | None]
    # ISO 3166-1 alpha-2 codes, space-separated, of the countries the person was tied to.
    ties_countries: Mapped[str] = mapped_column(String(200), default="")
    ties_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def countries(self) -> list[str]:
        return self.ties_countries.split()


class Family(Base):
    """A family file: the case of one family, grouping its members and its victims."""

    __tablename__ = "families"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. FAM-017
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Next person number within the family, for codes like FAM-017-P3.
    next_person_number: Mapped[int] = mapped_column(default=1)

    victims: Mapped[list[Victim]] = relationship(secondary=family_victims, order_by=Victim.id)
    memberships: Mapped[list[FamilyMembership]] = relationship(back_populates="family")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="family")
    people: Mapped[list[Person]] = relationship(back_populates="family", order_by="Person.number")


class FamilyMembership(Base):
    """A family-member account belonging to a family file."""

    __tablename__ = "family_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    # Unique: a family-member account belongs to one family file at most.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    family: Mapped[Family] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Assignment(Base):
    """An advocate assigned to a family file: the only way an advocate sees its incidents."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("family_id", "advocate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    family: Mapped[Family] = relationship(back_populates="assignments")
    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])


class Person(Base):
    """A relative, witness or other target, known to others by a pseudonym code.

    Names, contact details and address are sealed (encrypted, bound to this row).
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("family_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. FAM-017-P3
    relationship_note: Mapped[str] = mapped_column(String(120), default="")
    residence: Mapped[Residence] = mapped_column(enum_column(Residence, "residence"))
    residence_country: Mapped[str] = mapped_column(String(2), default="")
    lives_in_iran: Mapped[bool] = mapped_column(default=False)
    travels_to_iran: Mapped[bool] = mapped_column(default=False)
    name_persian_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_latin_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    family: Mapped[Family] = relationship(back_populates="people")
