"""Accounts: creating users, checking passphrases, and what admins change about users."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Role, User, db, utcnow
from portal.policy import Permission, can
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.passphrases import require_acceptable_passphrase
from portal.services.person_keys import create_person_key, rewrap_for_new_passphrase
from portal.services.sessions import revoke_all_sessions


def normalize_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalize_username(username)))


def create_user(
    kit: CryptoKit, *, username: str, display_name: str, role: Role, passphrase: str,
    locale: str | None = None,
) -> User:
    """Create an account after checking the username is free and the passphrase strong.

    Raises ValidationFailed (field "username" or "passphrase").
    """
    username = normalize_username(username)
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise ValidationFailed(_l("This username is taken. Choose another."), field="username")
    require_acceptable_passphrase(passphrase, role, [username, display_name])
    user = User(username=username, display_name=display_name.strip(), role=role,
                passphrase_hash=kit.hasher.hash(passphrase), locale=locale)
    db.session.add(user)
    db.session.flush()
    create_person_key(kit, user, passphrase)  # decision 0027: sealable to from the start
    record_event(AuditAction.USER_CREATED, Outcome.SUCCESS, actor=user,
                 target_type="user", target_id=user.id, details={"role": role.value})
    return user


def authenticate(kit: CryptoKit, username: str, passphrase: str) -> User | None:
    """The active user whose passphrase this is, or None.

    Spends the same time whether or not the account exists, and records the
    attempt without saying which part was wrong.
    """
    user = find_user(username)
    if user is None:
        kit.hasher.dummy_verify(passphrase)
        record_event(AuditAction.LOGIN, Outcome.FAILURE, details={"reason": "unknown_account"})
        return None
    matched, new_hash = kit.hasher.verify_and_update(user.passphrase_hash, passphrase)
    if not matched or not user.is_active:
        reason = "inactive" if user.is_active is False else "wrong_passphrase"
        record_event(AuditAction.LOGIN, Outcome.FAILURE, actor=user, details={"reason": reason})
        return None
    if new_hash is not None:  # older parameters, or made before the passphrase form
        user.passphrase_hash = new_hash
    return user


def passphrase_matches(kit: CryptoKit, user: User, typed: str) -> bool:
    """Whether `typed` is the passphrase of `user` (asked again inside a session).

    The caller counts the guess first (portal/web/auth/attempts.py): this checks, and
    replaces a hash made before the passphrase form (crypto/passphrase_form.py) as a
    sign-in does.
    """
    matched, new_hash = kit.hasher.verify_and_update(user.passphrase_hash, typed)
    if matched and new_hash is not None:
        user.passphrase_hash = new_hash
    return matched


def change_passphrase(kit: CryptoKit, user: User, current: str, new: str) -> None:
    """Replace the passphrase after proving the current one, and wrap the person's
    private key under the new one.

    Raises ValidationFailed on a wrong current passphrase or a weak new one.
    """
    if not passphrase_matches(kit, user, current):
        raise ValidationFailed(_l("Your current passphrase is not right."), field="current")
    require_acceptable_passphrase(new, user.role, [user.username, user.display_name], "new")
    user.passphrase_hash = kit.hasher.hash(new)
    user.passphrase_changed_at = utcnow()
    # The same key pair, now under the new passphrase only (decision 0027).
    rewrap_for_new_passphrase(kit, user, current, new)
    record_event(AuditAction.PASSPHRASE_CHANGED, Outcome.SUCCESS, actor=user,
                 target_type="user", target_id=user.id)


def change_role(actor: User, target: User, role: Role) -> None:
    """Give `target` a new role; their sessions end so the change applies at once."""
    _require_manage(actor, target)
    if role is target.role:
        return
    previous = target.role
    target.role = role
    revoke_all_sessions(target)
    record_event(AuditAction.ROLE_CHANGED, Outcome.SUCCESS, actor=actor, target_type="user",
                 target_id=target.id, details={"from": previous.value, "to": role.value})


def set_active(actor: User, target: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account. Nothing is deleted."""
    _require_manage(actor, target)
    if target.is_active == active:
        return
    target.is_active = active
    if not active:
        revoke_all_sessions(target)
    action = AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED
    record_event(action, Outcome.SUCCESS, actor=actor, target_type="user", target_id=target.id)


def _require_manage(actor: User, target: User) -> None:
    if not can(actor, Permission.USER_MANAGE, target):
        raise PermissionDenied(_l("You cannot change this account."))


def list_users(role: Role | None = None) -> list[User]:
    query = select(User).order_by(User.role, User.username)
    if role is not None:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))
