"""Single-use invitation links: the only way into the portal besides create-admin."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.crypto.tokens import new_token, token_digest
from portal.models import Family, FamilyMembership, Invitation, Role, User, db, utcnow
from portal.policy import Permission, can
from portal.policy.permissions import invitable_roles, is_assigned
from portal.services.accounts import create_user
from portal.services.errors import NotFound, PermissionDenied, ValidationFailed


def create_invitation(
    actor: User, *, role: Role, display_name: str, locale: str | None, ttl: timedelta,
    family: Family | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and return it with the token for the link.

    A family member is invited into a family file the inviting advocate is assigned
    to; the new account joins it on acceptance. The token is shown once, to the
    inviter, and stored only as its digest. Raises PermissionDenied when the actor
    may not invite this role, ValidationFailed (field "family_id") for a wrong file.
    """
    if role not in invitable_roles(actor):
        raise PermissionDenied(_l("You cannot invite someone with this role."))
    if role is Role.FAMILY_MEMBER and (family is None or not is_assigned(actor, family)):
        raise ValidationFailed(_l("Choose one of the family files assigned to you."),
                               field="family_id")
    token = new_token()
    invitation = Invitation(
        token_digest=token_digest(token), role=role, display_name=display_name.strip(),
        locale=locale, invited_by_id=actor.id, expires_at=utcnow() + ttl,
        family_id=family.id if family is not None and role is Role.FAMILY_MEMBER else None,
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(AuditAction.INVITATION_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="invitation", target_id=invitation.id, details={"role": role.value})
    return invitation, token


def find_open_invitation(token: str) -> Invitation | None:
    """The invitation for this token if it is unused, unrevoked and unexpired."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_digest == token_digest(token))
    )
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    if invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(kit: CryptoKit, token: str, *, username: str, passphrase: str) -> User:
    """Create the invited account; the link cannot be used again.

    The link is claimed first, by a conditional UPDATE that one transaction alone can
    win, and the account is created in the same transaction: the same link sent several
    times at once makes one account. A refusal (a taken username) rolls the claim back
    with the rest, so the link still works.

    Raises NotFound for an unknown, used, revoked or expired link (they look
    alike), ValidationFailed for a taken username or weak passphrase.
    """
    invitation = find_open_invitation(token)
    if invitation is None or not _claim(invitation):
        raise NotFound(_l("This invitation link is not valid any more."))
    user = create_user(kit, username=username, display_name=invitation.display_name,
                       role=invitation.role, passphrase=passphrase, locale=invitation.locale)
    invitation.accepted_user_id = user.id
    if invitation.family_id is not None:
        db.session.add(FamilyMembership(family_id=invitation.family_id, user_id=user.id))
        db.session.flush()
    record_event(AuditAction.INVITATION_ACCEPTED, Outcome.SUCCESS, actor=user,
                 target_type="invitation", target_id=invitation.id)
    return user


def _claim(invitation: Invitation) -> bool:
    """Mark the invitation accepted if it still is open; False if another request (even
    one not yet committed: the UPDATE waits for it) got there first."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        .values(accepted_at=now)
        .execution_options(synchronize_session=False))
    if int(getattr(claimed, "rowcount", 0) or 0) != 1:
        return False
    set_committed_value(invitation, "accepted_at", now)
    return True


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if not can(actor, Permission.INVITATION_REVOKE, invitation):
        raise PermissionDenied(_l("You cannot withdraw this invitation."))
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = utcnow()
        record_event(AuditAction.INVITATION_REVOKED, Outcome.SUCCESS, actor=actor,
                     target_type="invitation", target_id=invitation.id)


def invitations_visible_to(actor: User) -> list[Invitation]:
    """Admins see every invitation; others see the ones they sent."""
    query = select(Invitation).order_by(Invitation.created_at.desc()).limit(200)
    if actor.role is not Role.ADMIN:
        query = query.where(Invitation.invited_by_id == actor.id)
    return list(db.session.scalars(query))
