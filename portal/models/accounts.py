"""Accounts: users, their server-side sessions, second-factor state and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, utcnow


class Role(StrEnum):
    FAMILY_MEMBER = "family_member"
    ADVOCATE = "advocate"
    LEGAL_REVIEWER = "legal_reviewer"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Staff accounts must use a second factor and get the shorter idle timeout."""
        return self is not Role.FAMILY_MEMBER


def role_enum() -> Enum:
    return Enum(Role, name="role", native_enum=False, length=20,
                values_callable=lambda roles: [r.value for r in roles])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: usernames are compared case-insensitively.
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(role_enum())
    passphrase_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    passphrase_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # TOTP secret, sealed by the envelope cipher (see portal/models/sealed.py).
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enrolled_at: Mapped[datetime | None]
    # Highest TOTP time step accepted so far: a code at or below it is a replay.
    totp_last_step: Mapped[int | None]
    # Staff only: how the confidential variant of a dossier they approve names them
    # (public variants name staff by role). Personal text, sealed like people's names.
    full_name_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    professional_capacity_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Content-free notices by e-mail (decision 0018): off until the person opts in. The
    # address is sealed and opened only by the job that sends; the time the last notice
    # was queued keeps the next one NOTICE_COALESCE_MINUTES away.
    notices_opted_in: Mapped[bool] = mapped_column(default=False)
    notice_email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    notice_queued_at: Mapped[datetime | None]

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(back_populates="user")

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enrolled_at is not None

    # Flask-Login's user protocol. The web layer validates the server-side session
    # before it hands a User to Flask-Login, so these stay trivial.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserSession(Base):
    """A login. The cookie carries a random token; only its SHA-256 digest is stored.

    No IP address or precise user agent is kept: the list the user sees names a
    session by when it started and a coarse browser label.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the passphrase was last proven in this session (re-authentication).
    authenticated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # False between the passphrase and the second factor of a two-step login.
    second_factor_done: Mapped[bool] = mapped_column(default=False)
    client_label: Mapped[str] = mapped_column(String(60), default="")
    revoked_at: Mapped[datetime | None]
    # The person's private key while this session lives, encrypted under a key derived
    # from the cookie token (only its digest is above): useless without the browser's
    # cookie, and emptied when the session ends (decision 0027).
    person_key_held: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship(back_populates="sessions")


class PersonKey(Base):
    """A person's key pair (decision 0027): the public half in clear, the private half
    only under a key derived from their passphrase (Argon2id with its own salt and the
    cost it was made with). Not a `*_sealed` column: the master key has no part in it."""

    __tablename__ = "person_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    public_keyset: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_time_cost: Mapped[int]
    kdf_memory_kib: Mapped[int]
    kdf_parallelism: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the private half was last wrapped (creation or passphrase change).
    wrapped_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class Invitation(Base):
    """A single-use invitation; the link's token is stored only as its digest."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(role_enum())
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str | None] = mapped_column(String(8))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    # For family members: the family file the new account joins on acceptance.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"))

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
