"""Family files: which victims, which family-member accounts, which advocates.

An advocate sees a family's incidents only through an assignment, and a family
member's reports go to their one family file, so these changes decide who reads
what. Giving an advocate a family file takes two people: an administrator proposes,
and another administrator or an advocate already assigned to the family confirms.
Each change is recorded in the audit log (ids and counts only).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.audit import AuditAction, Outcome, record_event
from portal.models import Assignment, Family, FamilyMembership, Role, User, Victim, db, utcnow
from portal.models.families import AssignmentProposal
from portal.policy import Permission, can
from portal.services.errors import PermissionDenied, ValidationFailed


def family_code(family_id: int) -> str:
    """FAM-001, FAM-002, … (at least three digits)."""
    return f"FAM-{family_id:03d}"


def create_family(actor: User) -> Family:
    """A new, empty family file whose code comes from its id."""
    _require_manager(actor)
    # The code needs the id, which exists only after the INSERT: hold a unique placeholder.
    family = Family(code=f"new-{secrets.token_hex(8)}")
    db.session.add(family)
    db.session.flush()
    family.code = family_code(family.id)
    db.session.flush()
    record_event(AuditAction.FAMILY_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id)
    return family


def set_family_victims(actor: User, family: Family, victim_ids: Iterable[int]) -> None:
    """Make `victim_ids` the family's victims (one or more, all in the register).

    Raises ValidationFailed (field "victim_ids") for an empty choice or an
    unknown id; PermissionDenied for a non-admin.
    """
    _require_manager(actor, family)
    wanted = set(victim_ids)
    if not wanted:
        raise ValidationFailed(_l("Choose at least one victim."), "victim_ids")
    victims = list(db.session.scalars(select(Victim).where(Victim.id.in_(wanted))))
    if len(victims) != len(wanted):
        raise ValidationFailed(_l("A chosen victim is not in the register any more."),
                               "victim_ids")
    before = {v.id for v in family.victims}
    if before == wanted:
        return
    family.victims = sorted(victims, key=lambda v: v.id)
    db.session.flush()
    record_event(AuditAction.FAMILY_VICTIMS_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id,
                 details={"count": len(wanted), "added": len(wanted - before),
                          "removed": len(before - wanted)})


def add_family_member(actor: User, family: Family, user: User) -> FamilyMembership:
    """Add an active family-member account to the family file.

    A person belongs to one family file only: their reports go to it, and the
    advocates of that family read them. Raises ValidationFailed (field "user_id").
    """
    _require_manager(actor, family)
    if user.role is not Role.FAMILY_MEMBER or not user.is_active:
        raise ValidationFailed(_l("Choose an active family member account."), "user_id")
    current = family_of(user)
    if current is not None:
        raise ValidationFailed(
            _l("This person already belongs to family file %(family)s. A person can "
               "belong to one family file only.", family=current.code), "user_id")
    membership = FamilyMembership(family=family, user=user)
    db.session.add(membership)
    db.session.flush()
    record_event(AuditAction.FAMILY_MEMBER_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id, details={"user_id": user.id})
    return membership


def propose_assignment(actor: User, family: Family,
                       advocate: User) -> AssignmentProposal | None:
    """Propose that an active advocate review the family's incidents. The proposal
    grants nothing until a second person confirms it (`confirm_assignment`).

    Proposing an advocate already assigned or already proposed changes nothing (None,
    or the waiting proposal). Raises ValidationFailed (field "advocate_id") for anyone
    but an active advocate; PermissionDenied for a non-admin.
    """
    _require_manager(actor, family)
    if advocate.role is not Role.ADVOCATE or not advocate.is_active:
        raise ValidationFailed(_l("Choose an active advocate."), "advocate_id")
    if _assignment(family, advocate) is not None:
        return None
    waiting = next((p for p in family.proposals if p.advocate_id == advocate.id), None)
    if waiting is not None:
        return waiting
    proposal = AssignmentProposal(family=family, advocate=advocate, proposed_by=actor)
    db.session.add(proposal)
    db.session.flush()
    record_event(AuditAction.ADVOCATE_PROPOSED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id,
                 details={"advocate_id": advocate.id})
    return proposal


def confirm_assignment(actor: User, proposal: AssignmentProposal) -> Assignment:
    """The second person confirms: from now on the advocate reads the family's reports.

    Raises PermissionDenied unless `actor` may confirm it (an administrator or an
    advocate assigned to the family, and neither the proposer, nor the advocate, nor
    whoever invited the advocate's account); ValidationFailed (field "proposal_id")
    when the account is no longer an active advocate.
    """
    if not can(actor, Permission.ASSIGNMENT_CONFIRM, proposal):
        raise PermissionDenied(_l("You cannot decide on this proposal."))
    advocate, family = proposal.advocate, proposal.family
    if advocate.role is not Role.ADVOCATE or not advocate.is_active:
        raise ValidationFailed(_l("This account is no longer an active advocate. Decline "
                                  "the proposal."), "proposal_id")
    assignment = Assignment(family=family, advocate=advocate,
                            assigned_by_id=proposal.proposed_by_id, confirmed_by_id=actor.id,
                            confirmed_at=utcnow())
    db.session.add(assignment)
    _drop_proposal(proposal)
    db.session.flush()
    record_event(AuditAction.ADVOCATE_ASSIGNED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id,
                 details={"advocate_id": advocate.id, "proposed_by": proposal.proposed_by_id})
    return assignment


def decline_assignment(actor: User, proposal: AssignmentProposal) -> None:
    """Decline (or, for its proposer, withdraw) a proposal: nobody gains access.

    Raises PermissionDenied unless `actor` is an administrator or an advocate
    assigned to the family.
    """
    if not can(actor, Permission.ASSIGNMENT_DECLINE, proposal):
        raise PermissionDenied(_l("You cannot decide on this proposal."))
    family_id, advocate_id = proposal.family_id, proposal.advocate_id
    _drop_proposal(proposal)
    db.session.flush()
    record_event(AuditAction.ADVOCATE_DECLINED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family_id,
                 details={"advocate_id": advocate_id, "proposed_by": proposal.proposed_by_id})


def unassign_advocate(actor: User, family: Family, advocate: User) -> None:
    """End the advocate's access to the family's incidents (nothing if not assigned)."""
    _require_manager(actor, family)
    assignment = _assignment(family, advocate)
    if assignment is None:
        return
    family.assignments.remove(assignment)
    db.session.delete(assignment)
    db.session.flush()
    record_event(AuditAction.ADVOCATE_UNASSIGNED, Outcome.SUCCESS, actor=actor,
                 target_type="family", target_id=family.id,
                 details={"advocate_id": advocate.id})


def families_overview() -> list[Family]:
    """Every family file with its victims, members and advocates, loaded for one page."""
    query = (select(Family).order_by(Family.id).options(
        selectinload(Family.victims),
        selectinload(Family.memberships).selectinload(FamilyMembership.user),
        selectinload(Family.assignments).selectinload(Assignment.advocate),
        selectinload(Family.proposals).selectinload(AssignmentProposal.advocate)))
    return list(db.session.scalars(query))


def family_of(user: User) -> Family | None:
    return db.session.scalar(select(Family).join(FamilyMembership)
                             .where(FamilyMembership.user_id == user.id))


def members_without_family() -> list[User]:
    """Active family-member accounts not yet in a family file (those that can be added)."""
    members = select(FamilyMembership.user_id)
    return list(db.session.scalars(
        select(User).where(User.role == Role.FAMILY_MEMBER, User.is_active.is_(True),
                           User.id.not_in(members)).order_by(User.display_name, User.id)))


def active_advocates() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == Role.ADVOCATE, User.is_active.is_(True))
        .order_by(User.display_name, User.id)))


def _assignment(family: Family, advocate: User) -> Assignment | None:
    return next((a for a in family.assignments if a.advocate_id == advocate.id), None)


def _drop_proposal(proposal: AssignmentProposal) -> None:
    proposal.family.proposals.remove(proposal)
    db.session.delete(proposal)


def _require_manager(actor: User, family: Family | None = None) -> None:
    if not can(actor, Permission.REGISTER_MANAGE, family):
        raise PermissionDenied(_l("Only administrators can change family files."))
