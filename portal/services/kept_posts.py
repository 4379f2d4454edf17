"""Forms that arrived after their session ended, kept sealed for their owner (decision 0020).

A person writing a long account can outlast the idle limit. The form they then send is
not thrown away: its fields are sealed (the row id, table and column are bound into the
associated data, like every sealed column, so key rotation reseals them too), bound to
the account whose session the browser's cookie still names, and given back once, on
the same page, after that account signs in again. Nothing is acted on: the person
checks the form and sends it themselves.

What these functions assume about security: the caller has checked the form's CSRF
token and removed passphrases, codes and tokens; the account comes from the session
row the cookie names, never from the form. A kept form is deleted when it is given
back, at sign-out, at quick exit, and unread at its expiry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from portal.crypto.kit import CryptoKit
from portal.crypto.tokens import token_digest
from portal.models import KeptPost, User, UserSession, db, utcnow
from portal.services.sealing import open_text, seal_text
from portal.services.sessions import SessionPolicy

# A form larger than this (sealed JSON of its text fields) is not kept: the forms kept
# hold a few pages of text at most, and the table must not become a store for anyone.
MAX_KEPT_CHARS = 400_000

Fields = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class KeptForm:
    """A kept form given back: its fields in the order sent, and why it was kept."""

    fields: list[tuple[str, str]]
    reason: str


def ended_session_owner(token: str, policy: SessionPolicy, lifetime: timedelta,
                        now: datetime | None = None) -> User | None:
    """The account of the session `token` names, if that session ended by running out
    of time (idle or absolute limit) less than `lifetime` ago after a full sign-in.

    A session ended on purpose (sign-out, "end all sessions", a role change) or never
    fully signed in (second factor pending) owns nothing: None.
    """
    now = now or utcnow()
    row = db.session.scalar(select(UserSession).where(
        UserSession.token_digest == token_digest(token)))
    if row is None or not row.second_factor_done or not row.user.is_active:
        return None
    ended = row.revoked_at or now
    ran_out = (ended - row.last_seen_at > policy.idle_limit(row.user)
               or ended - row.created_at > policy.absolute)
    if not ran_out or now - row.last_seen_at > lifetime:
        return None
    return row.user


def session_owner_id(token: str) -> int | None:
    """The account id of the session `token` names, whatever its state (quick exit)."""
    return db.session.scalar(select(UserSession.user_id).where(
        UserSession.token_digest == token_digest(token)))


def keep_form(kit: CryptoKit, owner: User, endpoint: str, path: str, fields: Fields,
              reason: str, lifetime: timedelta, now: datetime | None = None) -> KeptPost | None:
    """Seal `fields` for `owner`, to be given back on `path`; None when too large.

    An earlier kept form of the same account and page is replaced (the newest text is
    the one the person wants), and expired ones of anyone are purged on the way.
    """
    now = now or utcnow()
    payload = json.dumps([[name, value] for name, value in fields], ensure_ascii=False)
    if len(payload) > MAX_KEPT_CHARS:
        return None
    purge_expired(now)
    db.session.execute(delete(KeptPost).where(KeptPost.user_id == owner.id,
                                              KeptPost.path == path))
    kept = KeptPost(user_id=owner.id, endpoint=endpoint[:80], path=path[:500],
                    reason=reason, created_at=now, expires_at=now + lifetime)
    db.session.add(kept)
    db.session.flush()
    seal_text(kit, kept, "form_sealed", payload)
    db.session.flush()
    return kept


def waiting_path(owner: User, kept_id: int, now: datetime | None = None) -> str | None:
    """The page where `owner`'s kept form `kept_id` waits, if it is theirs and alive."""
    kept = db.session.get(KeptPost, kept_id)
    if kept is None or kept.user_id != owner.id or kept.expires_at <= (now or utcnow()):
        return None
    return kept.path


def owner_of_kept(kept_id: int, now: datetime | None = None) -> User | None:
    """The account kept form `kept_id` belongs to, while it is alive: a browser whose
    form was kept once keeps later forms for the same account, its cookie no longer
    naming the ended session."""
    kept = db.session.get(KeptPost, kept_id)
    if kept is None or kept.expires_at <= (now or utcnow()):
        return None
    owner = db.session.get(User, kept.user_id)
    return owner if owner is not None and owner.is_active else None


def take_kept_form(kit: CryptoKit, owner: User, kept_id: int, path: str,
                   now: datetime | None = None) -> KeptForm | None:
    """Give back (and delete) kept form `kept_id` if it is `owner`'s, for `path`, and
    not expired. Another account's form is left alone and never opened; an expired one
    is deleted unread. Raises DecryptionError when the blob was tampered with."""
    now = now or utcnow()
    kept = db.session.get(KeptPost, kept_id)
    if kept is None or kept.user_id != owner.id:
        return None
    if kept.expires_at <= now:
        db.session.delete(kept)
        return None
    if kept.path != path:
        return None
    fields = [(str(name), str(value)) for name, value in
              json.loads(open_text(kit, kept, "form_sealed") or "[]")]
    reason = kept.reason
    db.session.delete(kept)
    db.session.flush()
    return KeptForm(fields=fields, reason=reason)


def drop_kept_posts(*, user_ids: Sequence[int] = (), kept_ids: Sequence[int] = ()) -> int:
    """Delete, unread, every kept form of these accounts and these ids (sign-out, quick
    exit). Returns how many went."""
    if not user_ids and not kept_ids:
        return 0
    result = db.session.execute(delete(KeptPost).where(or_(
        KeptPost.user_id.in_(list(user_ids)), KeptPost.id.in_(list(kept_ids)))))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(now: datetime | None = None) -> int:
    """Delete, unread, every kept form past its expiry. Returns how many went."""
    result = db.session.execute(delete(KeptPost).where(KeptPost.expires_at <= (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)
