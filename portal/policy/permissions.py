"""Permissions as `resource:action` names, the roles that hold them, and object rules.

`can(user, permission)` answers whether a role may use a kind of action at all;
`can(user, permission, obj)` also checks that the object is within the user's
scope. Views load the object, call `can`, and answer 404 when it says no, so that
objects outside a user's scope look exactly like objects that do not exist.
"""

from __future__ import annotations

from enum import StrEnum

from portal.models import Invitation, Role, User, UserSession


class Permission(StrEnum):
    ACCOUNT_USE = "account:use"
    INVITATION_CREATE = "invitation:create"
    INVITATION_REVOKE = "invitation:revoke"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"


_EVERYONE = frozenset({Permission.ACCOUNT_USE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FAMILY_MEMBER: _EVERYONE,
    Role.ADVOCATE: _EVERYONE | {Permission.INVITATION_CREATE, Permission.INVITATION_REVOKE},
    Role.LEGAL_REVIEWER: _EVERYONE,
    # Admins run the portal; they do not read narratives or evidence by default.
    Role.ADMIN: _EVERYONE | {
        Permission.INVITATION_CREATE,
        Permission.INVITATION_REVOKE,
        Permission.USER_MANAGE,
        Permission.AUDIT_READ,
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
    return False


def _may_touch_invitation(user: User, permission: Permission, invitation: Invitation) -> bool:
    if permission is not Permission.INVITATION_REVOKE:
        return False
    return user.role is Role.ADMIN or invitation.invited_by_id == user.id
