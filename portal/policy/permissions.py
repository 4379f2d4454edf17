"""Permissions as `resource:action` names, the roles that hold them, and object rules.

`can(user, permission)` answers whether a role may use a kind of action at all;
`can(user, permission, obj)` also checks that the object is within the user's
scope. Views load the object, call `can`, and answer 404 when it says no, so that
objects outside a user's scope look exactly like objects that do not exist.
"""

from __future__ import annotations

from enum import StrEnum

from portal.models import (
    AdvocacyEvent,
    Dossier,
    EvidenceItem,
    Family,
    Incident,
    IncidentTypeTerm,
    Invitation,
    Person,
    Role,
    SectionTemplate,
    User,
    UserSession,
    Victim,
)
from portal.models.dossiers import DossierStatus
from portal.models.evidence import EvidenceState
from portal.models.families import AssignmentProposal
from portal.models.vocabulary import IncidentStatus


class Permission(StrEnum):
    ACCOUNT_USE = "account:use"
    INVITATION_CREATE = "invitation:create"
    INVITATION_REVOKE = "invitation:revoke"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    REGISTER_MANAGE = "register:manage"  # victims register, family files, assignments, taxonomy
    # Granting an advocate a family file takes a second person: confirm or decline it.
    ASSIGNMENT_CONFIRM = "assignment:confirm"
    ASSIGNMENT_DECLINE = "assignment:decline"
    FAMILY_READ = "family:read"
    PERSON_MANAGE = "person:manage"
    INCIDENT_CREATE = "incident:create"
    INCIDENT_READ = "incident:read"
    INCIDENT_AMEND = "incident:amend"
    INCIDENT_DISCUSS = "incident:discuss"
    INCIDENT_REVIEW = "incident:review"
    LEGAL_TAG_CONFIRM = "legal_tag:confirm"
    WORKSPACE_USE = "workspace:use"
    EVIDENCE_ADD = "evidence:add"
    EVIDENCE_READ = "evidence:read"
    EVIDENCE_DESCRIBE = "evidence:describe"
    EVIDENCE_WITHDRAW_REQUEST = "evidence:withdraw_request"
    EVIDENCE_WITHDRAW_APPROVE = "evidence:withdraw_approve"
    DOSSIER_CREATE = "dossier:create"
    DOSSIER_READ = "dossier:read"
    DOSSIER_EDIT = "dossier:edit"
    DOSSIER_REVIEW = "dossier:review"
    DOSSIER_NEW_VERSION = "dossier:new_version"
    DOSSIER_EXPORT = "dossier:export"
    DOSSIER_VERIFY = "dossier:verify"  # check an exported dossier (uploaded files)
    TRANSLATION_MANAGE = "translation:manage"


_EVERYONE = frozenset({Permission.ACCOUNT_USE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FAMILY_MEMBER: _EVERYONE | {
        Permission.FAMILY_READ, Permission.PERSON_MANAGE, Permission.INCIDENT_CREATE,
        Permission.INCIDENT_READ, Permission.INCIDENT_AMEND, Permission.INCIDENT_DISCUSS,
        Permission.EVIDENCE_ADD, Permission.EVIDENCE_READ, Permission.EVIDENCE_WITHDRAW_REQUEST,
        Permission.EVIDENCE_DESCRIBE,
    },
    Role.ADVOCATE: _EVERYONE | {
        Permission.INVITATION_CREATE, Permission.INVITATION_REVOKE, Permission.FAMILY_READ,
        Permission.PERSON_MANAGE, Permission.INCIDENT_READ, Permission.INCIDENT_DISCUSS,
        Permission.INCIDENT_REVIEW, Permission.WORKSPACE_USE, Permission.EVIDENCE_ADD,
        Permission.EVIDENCE_READ, Permission.EVIDENCE_DESCRIBE, Permission.DOSSIER_CREATE,
        Permission.DOSSIER_READ, Permission.DOSSIER_EDIT, Permission.DOSSIER_NEW_VERSION,
        Permission.TRANSLATION_MANAGE, Permission.ASSIGNMENT_CONFIRM,
        Permission.ASSIGNMENT_DECLINE,
    },
    # Legal reviewers read incidents through the dossiers sent to them.
    Role.LEGAL_REVIEWER: _EVERYONE | {Permission.LEGAL_TAG_CONFIRM,
                                      Permission.EVIDENCE_WITHDRAW_APPROVE,
                                      Permission.DOSSIER_READ, Permission.DOSSIER_REVIEW,
                                      Permission.DOSSIER_EXPORT, Permission.DOSSIER_VERIFY,
                                      Permission.EVIDENCE_READ},
    # Admins run the portal; they do not read narratives or evidence by default.
    Role.ADMIN: _EVERYONE | {
        Permission.INVITATION_CREATE,
        Permission.INVITATION_REVOKE,
        Permission.USER_MANAGE,
        Permission.AUDIT_READ,
        Permission.REGISTER_MANAGE,
        Permission.ASSIGNMENT_CONFIRM,
        Permission.ASSIGNMENT_DECLINE,
    },
}

# Admins invite staff; advocates invite the family members they will work with.
INVITABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.ADMIN: (Role.ADVOCATE, Role.LEGAL_REVIEWER, Role.ADMIN),
    Role.ADVOCATE: (Role.FAMILY_MEMBER,),
}


def permissions_of(user: User) -> frozenset[Permission]:
    """Every permission the user's role holds; none for a deactivated account."""
    if not user.is_active:
        return frozenset()
    return ROLE_PERMISSIONS[user.role]


def invitable_roles(user: User) -> tuple[Role, ...]:
    """The roles this user may invite, in a stable order."""
    if Permission.INVITATION_CREATE not in permissions_of(user):
        return ()
    return INVITABLE_ROLES.get(user.role, ())


def can(user: User, permission: Permission, obj: object | None = None) -> bool:
    """True when `user` may use `permission`, on `obj` if one is given.

    Unknown object types are refused: a new kind of object must get its rule here
    before any view can act on it.
    """
    if permission not in permissions_of(user):
        return False
    if obj is None:
        return True
    if isinstance(obj, UserSession):
        return obj.user_id == user.id
    if isinstance(obj, Invitation):
        return _may_touch_invitation(user, permission, obj)
    if isinstance(obj, User):
        # An admin cannot demote or deactivate themselves: the portal must keep an admin.
        return permission is Permission.USER_MANAGE and obj.id != user.id
    if isinstance(obj, Victim | IncidentTypeTerm | AdvocacyEvent | SectionTemplate):
        return permission is Permission.REGISTER_MANAGE
    if isinstance(obj, Family):
        return _may_touch_family(user, permission, obj)
    if isinstance(obj, Person):
        return _may_touch_family(user, permission, obj.family)
    if isinstance(obj, AssignmentProposal):
        return _may_decide_proposal(user, permission, obj)
    if isinstance(obj, Incident):
        return _may_touch_incident(user, permission, obj)
    if isinstance(obj, EvidenceItem):
        return _may_touch_evidence(user, permission, obj)
    if isinstance(obj, Dossier):
        return _may_touch_dossier(user, permission, obj)
    return False


def is_member(user: User, family: Family) -> bool:
    return any(m.user_id == user.id for m in family.memberships)


def is_assigned(user: User, family: Family) -> bool:
    """Whether `user` holds a confirmed assignment to `family` (a proposal is not one)."""
    return any(a.advocate_id == user.id for a in family.assignments)


def _may_decide_proposal(user: User, permission: Permission,
                         proposal: AssignmentProposal) -> bool:
    """Administrators and the advocates already assigned to the family decide on a
    proposal. Confirming needs a second person: not who proposed it, not the advocate
    proposed, and not who invited that advocate's account (who may be the same person
    behind it). Declining reduces no one's access, so the proposer may withdraw."""
    decider = user.role is Role.ADMIN or (
        user.role is Role.ADVOCATE and is_assigned(user, proposal.family))
    if permission is Permission.ASSIGNMENT_DECLINE:
        return decider
    if permission is not Permission.ASSIGNMENT_CONFIRM:
        return False
    invitation = proposal.advocate_invitation
    one_person = {proposal.proposed_by_id, proposal.advocate_id,
                  invitation.invited_by_id if invitation is not None else None}
    return decider and user.id not in one_person


def _may_touch_family(user: User, permission: Permission, family: Family) -> bool:
    if permission is Permission.REGISTER_MANAGE:
        return True
    if permission in (Permission.FAMILY_READ, Permission.PERSON_MANAGE,
                      Permission.INCIDENT_CREATE):
        return is_member(user, family) or (
            permission is not Permission.INCIDENT_CREATE and is_assigned(user, family))
    return False


def _may_touch_incident(user: User, permission: Permission, incident: Incident) -> bool:
    """Family members see and amend their own reports; assigned advocates review them."""
    own = incident.reporter_id == user.id and is_member(user, incident.family)
    # Drafts are the reporter's unfinished work: advocates see what was submitted.
    assigned = (user.role is Role.ADVOCATE and incident.status is not IncidentStatus.DRAFT
                and is_assigned(user, incident.family))
    rules = {
        Permission.INCIDENT_READ: own or assigned,
        Permission.INCIDENT_AMEND: own,
        Permission.INCIDENT_DISCUSS: own or assigned,
        Permission.INCIDENT_REVIEW: assigned,
        Permission.TRANSLATION_MANAGE: assigned,
        # Reporters add evidence to their reports; advocates to the reports they review.
        Permission.EVIDENCE_ADD: own or assigned,
    }
    return rules.get(permission, False)


def _may_touch_evidence(user: User, permission: Permission, item: EvidenceItem) -> bool:
    """The uploader, the reporters of its incidents, and the family's advocates (else 404).

    Withdrawal takes two people: a family member of the item asks, and a legal
    reviewer who is not that person approves a pending request.
    """
    if permission is Permission.EVIDENCE_WITHDRAW_APPROVE:
        return (item.state is EvidenceState.WITHDRAWAL_REQUESTED
                and item.withdrawal_requested_by_id != user.id)
    if permission is Permission.EVIDENCE_DESCRIBE:
        return item.state is EvidenceState.ACTIVE and _may_touch_evidence(
            user, Permission.EVIDENCE_READ, item)
    if permission is Permission.EVIDENCE_WITHDRAW_REQUEST:
        return user.role is Role.FAMILY_MEMBER and _may_touch_evidence(
            user, Permission.EVIDENCE_READ, item)
    if permission is Permission.TRANSLATION_MANAGE:
        return user.role is Role.ADVOCATE and _through_a_report(user, item)
    if permission is not Permission.EVIDENCE_READ:
        return False
    if user.role is Role.ADVOCATE:
        return _through_a_report(user, item)
    if user.role is Role.LEGAL_REVIEWER:
        # Only as an exhibit (not withheld) of a dossier sent to them for review.
        return any(not exhibit.withheld and _may_touch_dossier(
            user, Permission.DOSSIER_READ, exhibit.dossier) for exhibit in item.exhibits)
    return user.role is Role.FAMILY_MEMBER and (
        item.uploaded_by_id == user.id
        or any(incident.reporter_id == user.id for incident in item.incidents))


def _through_a_report(user: User, item: EvidenceItem) -> bool:
    """Staff see evidence only through a report they may read: never through a draft
    (an unsubmitted report is the family's own), nor the family file alone."""
    return any(_may_touch_incident(user, Permission.INCIDENT_READ, incident)
               for incident in item.incidents)


def is_contributor(user: User, dossier: Dossier) -> bool:
    return any(c.advocate_id == user.id for c in dossier.contributors)


def assigned_to_every_family(user: User, dossier: Dossier) -> bool:
    """Whether `user` is assigned to the family of every report the dossier cites: what
    a contributor needs, since the dossier shows those reports' narratives."""
    families = {entry.incident.family for entry in dossier.incidents}
    return all(is_assigned(user, family) for family in families)


def _may_touch_dossier(user: User, permission: Permission, dossier: Dossier) -> bool:
    """Contributors (advocates) build it, while they are assigned to every family whose
    reports it cites; the legal reviewer it was sent to reads and decides. Nobody
    reviews a dossier they contributed to."""
    contributor = (user.role is Role.ADVOCATE and is_contributor(user, dossier)
                   and assigned_to_every_family(user, dossier))
    editable = dossier.status in (DossierStatus.DRAFT, DossierStatus.RETURNED)
    reviewer = (user.role is Role.LEGAL_REVIEWER and dossier.reviewer_id == user.id
                and dossier.status is not DossierStatus.DRAFT)
    rules = {
        Permission.DOSSIER_READ: contributor or reviewer,
        Permission.DOSSIER_EDIT: contributor and editable,
        Permission.DOSSIER_NEW_VERSION: contributor and dossier.status is DossierStatus.APPROVED,
        Permission.DOSSIER_REVIEW: (reviewer and dossier.status is DossierStatus.IN_REVIEW
                                    and dossier.created_by_id != user.id
                                    and not is_contributor(user, dossier)),
        # The legal reviewer who approved it exports it; advocates never export alone.
        Permission.DOSSIER_EXPORT: (reviewer and dossier.status is DossierStatus.APPROVED
                                    and not is_contributor(user, dossier)),
    }
    return rules.get(permission, False)


def _may_touch_invitation(user: User, permission: Permission, invitation: Invitation) -> bool:
    if permission is not Permission.INVITATION_REVOKE:
        return False
    return user.role is Role.ADMIN or invitation.invited_by_id == user.id
