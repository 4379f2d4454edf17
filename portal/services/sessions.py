"""Server-side sessions: opened at login, checked on every request, revocable at once.

The browser holds a random token; the database holds its SHA-256 digest. Ending a
session marks its row revoked, so a copied or replayed cookie stops working on the
very next request, and empties the private key the session held (decision 0027).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.tokens import new_token, token_digest
from portal.models import User, UserSession, db, utcnow


@dataclass(frozen=True)
class SessionPolicy:
    staff_idle: timedelta
    family_idle: timedelta
    absolute: timedelta
    reauth_window: timedelta

    def idle_limit(self, user: User) -> timedelta:
        return self.staff_idle if user.role.is_staff else self.family_idle


def open_session(user: User, client_label: str, second_factor_done: bool) -> str:
    """Create a session for `user` and return the token for the cookie."""
    token = new_token()
    now = utcnow()
    db.session.add(UserSession(
        user=user, token_digest=token_digest(token), created_at=now, last_seen_at=now,
        authenticated_at=now, second_factor_done=second_factor_done,
        client_label=client_label[:60],
    ))
    db.session.flush()
    return token


def find_live_session(
    token: str, policy: SessionPolicy, now: datetime | None = None
) -> UserSession | None:
    """The session for `token` if it is neither revoked, idle too long nor too old.

    Touches `last_seen_at` so that activity keeps a session alive, and revokes an
    expired session on the spot so that it cannot come back. Both writes are
    committed at once on their own connection, outside the request's unit of work
    (like the login throttle): otherwise the request would hold SQLite's write lock
    from its first line to its commit, and a slow upload would lock every other
    signed-in person out for its whole duration.
    """
    now = now or utcnow()
    session = db.session.scalar(
        select(UserSession).where(UserSession.token_digest == token_digest(token))
    )
    if session is None or session.revoked_at is not None:
        return None
    user = session.user
    expired = (
        now - session.last_seen_at > policy.idle_limit(user)
        or now - session.created_at > policy.absolute
        or not user.is_active
    )
    if expired:
        _record_on_the_side(session, revoked_at=now, person_key_held=None)
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        _record_on_the_side(session, last_seen_at=now)
    return session


# Idle limits are in minutes: touching a session more often than this buys nothing.
TOUCH_EVERY = timedelta(seconds=15)


def _record_on_the_side(session: UserSession, **values: datetime | None) -> None:
    """Write session bookkeeping in its own short transaction, and show it on the
    loaded object without making the request's session dirty."""
    with db.engine.begin() as connection:
        connection.execute(update(UserSession).where(UserSession.id == session.id)
                           .values(**values))
    for name, value in values.items():
        set_committed_value(session, name, value)


def is_recently_authenticated(session: UserSession, policy: SessionPolicy) -> bool:
    """True when the passphrase was proven within the re-authentication window."""
    return utcnow() - session.authenticated_at <= policy.reauth_window


def mark_reauthenticated(session: UserSession) -> None:
    session.authenticated_at = utcnow()
    record_event(AuditAction.REAUTHENTICATE, Outcome.SUCCESS, actor=session.user)


def revoke_session(session: UserSession) -> None:
    """End `session`; the private key it held is dropped with it (decision 0027)."""
    if session.revoked_at is None:
        session.revoked_at = utcnow()
    session.person_key_held = None


def revoke_all_sessions(user: User) -> int:
    """End every live session of `user` (logout everywhere, role change, deactivation)."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), person_key_held=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_other_sessions(user: User, keep: UserSession) -> None:
    """End every session of `user` but `keep` (after a passphrase change)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
               UserSession.id != keep.id)
        .values(revoked_at=utcnow(), person_key_held=None)
        .execution_options(synchronize_session="fetch")
    )


def drop_stale_held_keys(policy: SessionPolicy, now: datetime | None = None) -> int:
    """Empty the private key held by every session that has ended or outlived its
    limits, visited again or not (decision 0027): an abandoned session's row must not
    keep a key that a copy of the database and an old cookie could open together.

    Uses the longer of the two idle limits, so a session still alive is never touched.
    Returns how many rows were emptied.
    """
    now = now or utcnow()
    idle = max(policy.staff_idle, policy.family_idle)
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.person_key_held.is_not(None),
               UserSession.revoked_at.is_not(None)
               | (UserSession.last_seen_at < now - idle)
               | (UserSession.created_at < now - policy.absolute))
        .values(person_key_held=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_all_sessions(actor: User) -> int:
    """The user's own "end all sessions": revoke everything and record it."""
    count = revoke_all_sessions(actor)
    record_event(AuditAction.SESSIONS_ENDED, Outcome.SUCCESS, actor=actor,
                 target_type="user", target_id=actor.id, details={"count": count})
    return count


def live_sessions(user: User, policy: SessionPolicy) -> list[UserSession]:
    """The user's sessions that are still usable, newest first."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc())
    )
    return [
        s for s in rows
        if now - s.last_seen_at <= policy.idle_limit(user) and now - s.created_at <= policy.absolute
    ]
