"""The notice job: one content-free e-mail to one person, through SMTP (decision 0018).

The job is the only place a recipient's address is opened (`services/notices.py`).
A failure (server down, refused, timed out) raises JobFailed with the error's class
name only, never its message: smtplib's messages quote the addresses the server
refused. The job machinery queues it again until its attempts are spent.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from portal.config import NOTICE_TLS_MODES
from portal.dependencies import crypto_kit
from portal.jobs.registry import JobFailed, JobKind, register
from portal.models import Job, User, db
from portal.services import notices


def register_kinds() -> None:
    register(JobKind(notices.NOTICE_JOB, _send_notice))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    username: str | None
    password: str | None
    timeout_seconds: int
    sender: str


def smtp_settings() -> SmtpSettings:
    """The SMTP settings, or a permanent JobFailed when they cannot work (a retry
    cannot mend the configuration; `flask jobs` shows the code)."""
    cfg = current_app.config
    host, sender, tls = cfg["NOTICE_SMTP_HOST"], cfg["NOTICE_SENDER"], cfg["NOTICE_SMTP_TLS"]
    if not host:
        raise JobFailed("notice:no_smtp_host", permanent=True)
    if not sender or tls not in NOTICE_TLS_MODES:
        raise JobFailed("notice:bad_settings", permanent=True)
    return SmtpSettings(host=str(host), port=int(cfg["NOTICE_SMTP_PORT"]), tls=str(tls),
                        username=cfg["NOTICE_SMTP_USERNAME"] or None,
                        password=cfg["NOTICE_SMTP_PASSWORD"] or None,
                        timeout_seconds=int(cfg["NOTICE_SMTP_TIMEOUT_SECONDS"]),
                        sender=str(sender))


def _send_notice(job: Job) -> None:
    person = db.session.get(User, job.subject_id) if job.subject_id else None
    if person is None:
        raise JobFailed("notice:missing_user", permanent=True)
    settings = smtp_settings()
    mail = notices.notice_for(crypto_kit(), person, settings.sender)
    if mail is None:
        return  # they turned notices off after it was queued: nothing to send
    try:
        deliver(mail, settings)
    except (smtplib.SMTPException, OSError) as error:
        raise JobFailed(f"notice:{type(error).__name__}") from None
    notices.record_sent(person)


def deliver(mail: EmailMessage, settings: SmtpSettings) -> None:
    """Hand `mail` to the SMTP server: implicit TLS, STARTTLS (refused when the server
    does not offer it) or, for a relay on the same machine, none. Certificates are
    checked against the system's authorities."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    with smtp:
        if settings.tls == "starttls":
            smtp.starttls(context=context)  # SMTPNotSupportedError when not offered
        if settings.username and settings.password:
            smtp.login(settings.username, settings.password)
        smtp.send_message(mail)
