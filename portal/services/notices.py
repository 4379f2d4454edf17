"""Content-free notices by e-mail (decision 0018).

A family member may ask to be told by e-mail when an advocate writes to them or a
report of theirs changes status; an advocate, when a report of a family assigned to
them is submitted. The mail says only that there is something new: no content, no
names, no report numbers, no link, and a neutral subject (a seized phone's mail app
shows subjects). Anyone who reads the mailbox still learns that its owner uses the
portal; the account page says so before anyone opts in.

The address is sealed like other personal text and opened only by the job that sends
(`portal/jobs/notice_jobs.py`): never shown back on a page, never in a job's payload,
the audit log or a log line. Notices are spaced: after one is queued for a person, no
other is queued for NOTICE_COALESCE_MINUTES (a conditional UPDATE, so two requests at
the same moment queue one). With no NOTICE_SMTP_HOST nothing is ever queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.localization import DEFAULT_LOCALE, SUPPORTED_LOCALES
from portal.models import Assignment, Incident, Role, User, db, utcnow
from portal.models.vocabulary import Verification
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.jobs import enqueue_job
from portal.services.sealing import open_text, seal_text

NOTICE_JOB = "notice.send"
NOTICE_ATTEMPTS = 5
MAX_ADDRESS_CHARS = 254  # RFC 5321's limit of a forward path, less its brackets
OFFERED_TO = frozenset({Role.FAMILY_MEMBER, Role.ADVOCATE})

# A deliberately narrow address: dot-atom local part of RFC 5322 (ASCII), and a domain
# of letters, digits and hyphens with a top-level name of letters (an internationalised
# domain is accepted in its Unicode form and checked as its IDNA form).
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_TOP_LABEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")


@dataclass(frozen=True)
class NoticeSettings:
    """What the account page shows: the choice, and whether an address is kept (never
    the address itself)."""

    opted_in: bool
    has_address: bool


def offers_notices(user: User) -> bool:
    """Only family members and advocates have something to be told about."""
    return user.role in OFFERED_TO


def notices_configured() -> bool:
    """Notices are off for everyone until the portal has an SMTP server."""
    return bool(current_app.config["NOTICE_SMTP_HOST"])


def settings_of(user: User) -> NoticeSettings:
    """The person's own choice. Raises PermissionDenied for a role that gets no notices."""
    _require_offered(user)
    return NoticeSettings(user.notices_opted_in, user.notice_email_sealed is not None)


def _require_offered(user: User) -> None:
    if not offers_notices(user):
        raise PermissionDenied(_l("E-mail notices are not offered to your role."))


def set_notices(kit: CryptoKit, actor: User, opted_in: bool, address: str) -> None:
    """Turn the person's own notices on (with a new address, or the one already kept)
    or off (the address is forgotten). Raises PermissionDenied for a role that gets no
    notices, ValidationFailed (field "email") for a missing or malformed address."""
    _require_offered(actor)
    address = address.strip()
    if opted_in and address:
        seal_text(kit, actor, "notice_email_sealed", checked_address(address))
    elif opted_in and actor.notice_email_sealed is None:
        raise ValidationFailed(_l("Enter the e-mail address the notices go to."),
                               field="email")
    elif not opted_in:
        actor.notice_email_sealed = None
    actor.notices_opted_in = opted_in
    record_event(AuditAction.NOTICE_SETTINGS_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="user", target_id=actor.id, details={"on": opted_in})


def checked_address(text: str) -> str:
    """`text` as a plain address (local@domain, the domain lower-cased), or
    ValidationFailed (field "email"). No display name, comment or quoted part: nothing
    that could carry a header or a second recipient."""
    problem = ValidationFailed(_l("Enter an e-mail address such as name@example.org."),
                               field="email")
    if len(text) > MAX_ADDRESS_CHARS or text.count("@") != 1:
        raise problem
    local, domain = text.split("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise problem from None
    labels = ascii_domain.split(".")
    if (len(local) > 64 or not _LOCAL.fullmatch(local) or len(labels) < 2
            or not all(_LABEL.fullmatch(label) for label in labels)
            or not _TOP_LABEL.fullmatch(labels[-1])):
        raise problem
    return f"{local}@{domain.lower()}"


# --- what queues a notice (one-line hooks in thread.py, incidents.py, review.py) --------


def message_posted(actor: User, incident: Incident) -> None:
    """Someone other than the reporter wrote in a report's thread: tell the reporter."""
    if actor.id != incident.reporter_id:
        queue_notice(incident.reporter)


def verification_changing(incident: Incident, new: Verification) -> None:
    """The status the family sees on a report is about to change: tell the reporter.
    Called before the change, so that saving the same status tells nobody."""
    if incident.verification is not new:
        queue_notice(incident.reporter)


def report_submitted(incident: Incident) -> None:
    """A report was submitted: tell the advocates assigned to its family."""
    advocates = db.session.scalars(select(User).join(
        Assignment, Assignment.advocate_id == User.id).where(
        Assignment.family_id == incident.family_id))
    for advocate in advocates:
        queue_notice(advocate)


def queue_notice(person: User) -> bool:
    """Queue a notice for `person` unless notices are off, they did not opt in, or one
    was queued for them less than NOTICE_COALESCE_MINUTES ago. True when queued.

    The payload is empty: the job finds the person by id and opens their address itself.
    """
    if not (notices_configured() and person.is_active and offers_notices(person)
            and person.notices_opted_in and person.notice_email_sealed is not None):
        return False
    now = utcnow()
    spacing = timedelta(minutes=int(current_app.config["NOTICE_COALESCE_MINUTES"]))
    claimed = cast(CursorResult[Any], db.session.execute(
        update(User).where(User.id == person.id, or_(User.notice_queued_at.is_(None),
                                                     User.notice_queued_at <= now - spacing))
        .values(notice_queued_at=now).execution_options(synchronize_session="fetch")))
    if claimed.rowcount != 1:
        return False  # one is on its way, or was sent a moment ago: it covers this too
    enqueue_job(NOTICE_JOB, subject_type="user", subject_id=person.id,
                max_attempts=NOTICE_ATTEMPTS)
    return True


# --- what the job sends ----------------------------------------------------------------


def notice_for(kit: CryptoKit, person: User, sender: str) -> EmailMessage | None:
    """The notice for `person` in their language, or None when they no longer want one.

    Only the notice job calls this: it is the one place the address is opened. The mail
    has no content, name, number or link, and the Message-ID names the sender's domain,
    not this server's host name.
    """
    if not (person.is_active and person.notices_opted_in and offers_notices(person)):
        return None
    address = open_text(kit, person, "notice_email_sealed")
    if not address:
        return None
    locale = person.locale if person.locale in SUPPORTED_LOCALES else DEFAULT_LOCALE
    with force_locale(locale):
        # Translators: the subject of the e-mail notice. Keep it neutral: a phone shows it.
        subject = gettext("A message")
        body = "\n\n".join([
            gettext("There is something new for you on the portal."),
            gettext("This e-mail never contains a link. Open the portal the way you "
                    "usually do."),
        ])
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = address
    mail["Subject"] = subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(body + "\n", charset="utf-8")
    return mail


def record_sent(person: User) -> None:
    """The audit event of a notice handed to the SMTP server: whom (by id), never where."""
    record_event(AuditAction.NOTICE_SENT, Outcome.SUCCESS, target_type="user",
                 target_id=person.id)
