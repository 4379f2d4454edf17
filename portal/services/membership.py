"""Which family files a person belongs to or is assigned to."""

from __future__ import annotations

from sqlalchemy import select

from portal.models import Assignment, Family, FamilyMembership, User, db


def family_of_member(user: User) -> Family | None:
    """The family file of a family member (each belongs to one at most)."""
    return db.session.scalar(select(Family).join(FamilyMembership).where(
        FamilyMembership.user_id == user.id))


def assigned_families(advocate: User) -> list[Family]:
    return list(db.session.scalars(select(Family).join(Assignment).where(
        Assignment.advocate_id == advocate.id).order_by(Family.code)))

