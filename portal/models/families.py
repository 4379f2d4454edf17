"""The victims register, family files (the case files), their members, advocates and people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import Invitation, User
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
    proposals: Mapped[list[AssignmentProposal]] = relationship(
        back_populates="family", order_by="AssignmentProposal.proposed_at")
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
    """An advocate assigned to a family file: the only way an advocate sees its incidents.

    A row here grants access, so it is made only when a second person confirms a
    proposal (`AssignmentProposal`, which grants nothing). Keeping the two apart means
    no query of this table can ever count a grant nobody confirmed.
    """

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("family_id", "advocate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who proposed it
    # Who confirmed it: none for assignments made before confirmation was required.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    family: Mapped[Family] = relationship(back_populates="assignments")
    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])


class AssignmentProposal(Base):
    """An advocate proposed for a family file, waiting for a second person to confirm.

    It grants nothing. Confirming it turns it into an `Assignment`; declining it
    removes it. The audit log keeps both.
    """

    __tablename__ = "assignment_proposals"
    __table_args__ = (UniqueConstraint("family_id", "advocate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)

    family: Mapped[Family] = relationship(back_populates="proposals")
    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    # The invitation the advocate's account came from, if any: whoever sent it may be
    # the person behind the account, so they cannot be the second person.
    advocate_invitation: Mapped[Invitation | None] = relationship(
        primaryjoin="AssignmentProposal.advocate_id == foreign(Invitation.accepted_user_id)",
        viewonly=True, uselist=False)


class Person(Base):
    """A relative, witness or other target, known to others by a pseudonym code.

    Names, relationship note, contact details and address are sealed (encrypted, bound
    to this row).
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("family_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. FAM-017-P3
    relationship_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
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
