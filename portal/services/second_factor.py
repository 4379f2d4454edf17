"""TOTP second factor with replay protection, and single-use recovery codes.

A code is used once even when it is sent in several requests at the same moment: it is
accepted only by a conditional UPDATE that a single transaction can win (the account's
last used time step, a recovery code's `used_at`), never by reading and then writing.
"""

from __future__ import annotations

import time

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.crypto.tokens import (
    new_recovery_codes,
    normalize_recovery_code,
    recovery_code_digest,
)
from portal.localization import normalize_digits
from portal.models import RecoveryCode, User, db, utcnow
from portal.models.sealed import sealed_context
from portal.services.errors import ValidationFailed
from portal.services.sessions import revoke_all_sessions

ISSUER = "PS752 Portal"
# One 30-second step either way absorbs phone clocks that drift a little.
ALLOWED_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10


def _context(user: User) -> str:
    return sealed_context("users", user.id, "totp_secret_sealed")


def pending_secret(kit: CryptoKit, user: User) -> str:
    """The secret being enrolled, created (and sealed in the database) on first call.

    The secret is kept server-side, sealed, rather than in the cookie: Flask's
    cookie is signed, not encrypted.
    """
    if user.has_second_factor:
        raise ValidationFailed(_l("A second factor is already set up."))
    if user.totp_secret_sealed is None:
        user.totp_secret_sealed = kit.cipher.seal(pyotp.random_base32().encode(), _context(user))
        db.session.flush()
    return kit.cipher.open(user.totp_secret_sealed, _context(user)).decode()


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def confirm_enrolment(kit: CryptoKit, user: User, code: str) -> list[str]:
    """Finish enrolment with a first valid code; return the new recovery codes.

    Raises ValidationFailed (field "code") when the code does not match.
    """
    secret = pending_secret(kit, user)
    step = _matching_step(secret, code, user.totp_last_step)
    if step is None or not _claim_step(user, step):
        raise ValidationFailed(_l("That code did not work. Check the time on your phone and "
                                  "type the newest code."), field="code")
    user.totp_enrolled_at = utcnow()
    record_event(AuditAction.SECOND_FACTOR_ENROLLED, Outcome.SUCCESS, actor=user,
                 target_type="user", target_id=user.id)
    return _replace_recovery_codes(kit, user)


def verify_code(kit: CryptoKit, user: User, code: str) -> bool:
    """Check a TOTP code or, failing that, an unused recovery code (each works once,
    however many requests carry it at the same moment)."""
    if user.totp_secret_sealed is None or not user.has_second_factor:
        return False
    secret = kit.cipher.open(user.totp_secret_sealed, _context(user)).decode()
    step = _matching_step(secret, code, user.totp_last_step)
    if step is not None:
        return _claim_step(user, step)
    return _use_recovery_code(kit, user, code)


def regenerate_recovery_codes(kit: CryptoKit, user: User) -> list[str]:
    codes = _replace_recovery_codes(kit, user)
    record_event(AuditAction.RECOVERY_CODES_REGENERATED, Outcome.SUCCESS, actor=user,
                 target_type="user", target_id=user.id)
    return codes


def unused_recovery_code_count(user: User) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def reset_second_factor(actor: User, target: User) -> None:
    """Remove a user's second factor (lost phone and codes); they enrol again at login.

    Their sessions end too: whoever holds the old phone must not stay signed in.
    """
    revoke_all_sessions(target)
    target.totp_secret_sealed = None
    target.totp_enrolled_at = None
    target.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    record_event(AuditAction.SECOND_FACTOR_RESET, Outcome.SUCCESS, actor=actor,
                 target_type="user", target_id=target.id)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step whose code matches, if it is newer than the last one used."""
    code = normalize_digits(code).replace(" ", "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(time.time())
    for step in range(now_step - ALLOWED_DRIFT_STEPS, now_step + ALLOWED_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            # A code at or before the last accepted step is a replay.
            return step if last_step is None or step > last_step else None
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as the account's last used time step, unless it or a later one was
    used already, even by a transaction still running: the UPDATE waits for that one
    and then matches no row."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    if _rows(claimed) != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _replace_recovery_codes(kit: CryptoKit, user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes(RECOVERY_CODE_COUNT)
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id,
                                    code_digest=recovery_code_digest(code, kit.recovery_code_key)))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    return codes


def _use_recovery_code(kit: CryptoKit, user: User, typed: str) -> bool:
    if len(normalize_recovery_code(typed)) != 12:
        return False
    digest = recovery_code_digest(typed, kit.recovery_code_key)
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_digest == digest,
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    if _rows(used) != 1:
        return False
    db.session.expire(user, ["recovery_codes"])
    record_event(AuditAction.RECOVERY_CODE_USED, Outcome.SUCCESS, actor=user,
                 target_type="user", target_id=user.id,
                 details={"remaining": unused_recovery_code_count(user)})
    return True
