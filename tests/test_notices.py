"""Content-free notices by e-mail (decision 0018), read from a real SMTP server.

An aiosmtpd server listens on loopback; the portal's settings point at it. People act
over HTTP as they would (opt in on the account page, ask a question, submit a report,
change a status), the jobs run (eagerly, when each request ends) and the test reads
what arrived: one mail per person per coalescing window, to the address they gave,
saying only that there is something new. Nothing arrives for someone who did not opt
in, nor when the portal has no SMTP server; the address is not stored in clear.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, Family, Incident, Job, JobState, Role, User, db
from tests.conftest import CAPTURED
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.test_encryption_at_rest import database_copy

NARRATIVE = "Two agents from the cyber police came to my workplace on a Tuesday."
QUESTION = "Which agency wrote the summons you mentioned?"
SENDER = "notices@portal.example.org"


@dataclass
class Mailbox:
    """What the SMTP server received: (recipients, whole message bytes) per mail."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Try again later"
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [parse(raw) for rcpts, raw in self.received if address in rcpts]


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server on loopback, and the portal's notice settings pointing at it."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    # aiosmtpd logs each connection with its peer address: not the portal's log.
    for name in ("mail.log", "mail.debug"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", True)
    controller.start()
    # "localhost", not an address literal: nothing the portal could log names an IP.
    for key, value in {"NOTICE_SMTP_HOST": "localhost", "NOTICE_SMTP_PORT": port,
                       "NOTICE_SMTP_TLS": "none", "NOTICE_SENDER": SENDER,
                       "NOTICE_COALESCE_MINUTES": 30}.items():
        monkeypatch.setitem(app.config, key, value)
    yield box
    controller.stop()


def notices_row(client: BrowserClient) -> str:
    """The state the account page shows on its "E-mail notices" row."""
    found = re.search(r"E-mail notices</dt>\s*<dd[^>]*>\s*<span[^>]*>(\w+)</span>",
                      client.text("/account"))
    assert found, "the account page has no e-mail notices row"
    return found.group(1)


def opt_in(client: BrowserClient, address: str) -> None:
    response = client.submit("/account/notices", {"notices": "yes", "email": address})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def family_with_report(app: Flask, client: BrowserClient, advocate_client: BrowserClient
                       ) -> tuple[Account, Account, int]:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    sign_in(advocate_client, advocate)
    return reporter, advocate, start_report(client)


def ask(advocate_client: BrowserClient, incident_id: int, body: str = QUESTION) -> None:
    response = advocate_client.submit(f"/reports/{incident_id}/thread",
                                      {"body": body, "as_question": "y"})
    assert response.status_code == 302


def what_must_not_appear(app: Flask, incident_id: int, *people: Account) -> list[str]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        family = db.session.get(Family, incident.family_id)
        assert family is not None
        users = [db.session.get(User, p.id) for p in people]
        victims = [v.name_latin for v in family.victims] + [v.name_persian for v in family.victims]
        names = [u.username for u in users if u] + [u.display_name for u in users if u]
    words = [w for w in re.findall(r"\w+", NARRATIVE + " " + QUESTION) if len(w) > 4]
    return [family.code, f"/reports/{incident_id}", f"Report {incident_id}",
            f"#{incident_id}", *victims, *names, *words, "http://", "https://"]


def assert_content_free(mail: EmailMessage, forbidden: list[str]) -> None:
    whole = mail.as_string()
    for text in forbidden:
        assert text.lower() not in whole.lower(), f"the notice carries {text!r}"
    body = mail.get_content()
    assert "There is something new for you on the portal." in body
    assert not re.search(r"\d", body), "a number in the notice's body"
    assert mail["Subject"] == "A message"
    assert mail["From"] == SENDER
    assert "localhost" not in mail["Message-ID"]  # the sender's domain, not the host name


def test_a_question_sends_one_content_free_notice_to_the_member_who_opted_in(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox):
    reporter, advocate, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18", narrative=NARRATIVE)
    opt_in(client, "sahar.example@mail.example.org")

    ask(another_client, incident_id)

    mails = mailbox.to("sahar.example@mail.example.org")
    assert len(mails) == 1
    assert len(mailbox.received) == 1  # the advocate did not opt in: nothing for them
    assert_content_free(mails[0], what_must_not_appear(app, incident_id, reporter, advocate))
    with app.app_context():
        sent = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "notice.sent")).all()
        assert [(e.target_type, e.target_id) for e in sent] == [("user", str(reporter.id))]
        assert "sahar.example" not in str(sent[0].details)
        job = db.session.scalars(select(Job).where(Job.kind == "notice.send")).one()
        assert job.payload == {}  # the address travels in no job, no Redis message


def test_a_member_who_did_not_opt_in_gets_nothing(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox):
    _, _, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    assert notices_row(client) == "Off"  # the default
    page = client.text("/account/notices")
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', page)

    ask(another_client, incident_id)
    another_client.submit(f"/reports/{incident_id}", {"verification": "corroborated",
                                                      "notes": ""},
                          action=f"/reports/{incident_id}/review")
    assert mailbox.received == []
    with app.app_context():
        assert db.session.scalars(select(Job).where(Job.kind == "notice.send")).all() == []


def test_an_advocate_who_opted_in_is_told_when_a_report_of_their_family_is_submitted(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox):
    reporter, advocate, incident_id = family_with_report(app, client, another_client)
    opt_in(another_client, "advocate.example@association.example.org")
    unassigned = make_account(app, Role.ADVOCATE, locale="en")
    third = another_client.application.test_client()
    sign_in(third, unassigned)
    opt_in(third, "elsewhere@association.example.org")  # assigned to no family

    send_report(client, incident_id, "save", narrative=NARRATIVE)
    assert mailbox.received == []  # a draft is the family's own
    send_report(client, incident_id, "submit", start_text="1398/10/18", narrative=NARRATIVE)

    assert [rcpts for rcpts, _ in mailbox.received] == [
        ["advocate.example@association.example.org"]]
    mail = mailbox.to("advocate.example@association.example.org")[0]
    assert_content_free(mail, what_must_not_appear(app, incident_id, reporter, advocate))


def test_a_status_change_the_family_sees_sends_a_notice_and_saving_it_again_does_not(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox,
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "NOTICE_COALESCE_MINUTES", 0)  # every event counts here
    _, _, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    opt_in(client, "member@mail.example.org")

    def verify(status: str) -> None:
        another_client.submit(f"/reports/{incident_id}", {"verification": status,
                                                          "notes": "Seen the summons."},
                              action=f"/reports/{incident_id}/review")

    verify("corroborated")
    assert len(mailbox.to("member@mail.example.org")) == 1
    verify("corroborated")  # the same status again: nothing the family sees changed
    assert len(mailbox.to("member@mail.example.org")) == 1


def test_a_burst_of_questions_within_the_window_gives_one_mail(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox):
    _, _, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    opt_in(client, "member@mail.example.org")

    for n in range(3):
        ask(another_client, incident_id, f"{QUESTION} ({n})")

    assert len(mailbox.to("member@mail.example.org")) == 1
    assert len(client.text(f"/reports/{incident_id}/thread").split(QUESTION)) == 4  # all there


def test_no_smtp_server_means_no_notice_is_queued(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox,
        monkeypatch: pytest.MonkeyPatch):
    _, _, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    opt_in(client, "member@mail.example.org")
    monkeypatch.setitem(app.config, "NOTICE_SMTP_HOST", None)

    ask(another_client, incident_id)

    assert mailbox.received == []
    with app.app_context():
        assert db.session.scalars(select(Job).where(Job.kind == "notice.send")).all() == []


def test_a_refused_mail_is_retried_and_never_logs_the_address(
        app: Flask, client: BrowserClient, another_client: BrowserClient, mailbox: Mailbox):
    address = "retry.canary@mail.example.org"
    _, _, incident_id = family_with_report(app, client, another_client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    opt_in(client, address)
    mailbox.refuse = True

    ask(another_client, incident_id)

    assert mailbox.received == []
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "notice.send")).one()
        assert job.state is JobState.FAILED
        assert job.attempts == job.max_attempts > 1
        assert job.error_code == "notice:SMTPDataError"
        sent = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "notice.sent")).all()
        assert sent == []
    assert not any("retry.canary" in line for line in CAPTURED.lines)


def test_the_address_is_sealed_at_rest_and_never_shown_back(
        app: Flask, client: BrowserClient, mailbox: Mailbox):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member])
    sign_in(client, member)
    address = "sealed.canary.7c1e@mail.example.org"
    opt_in(client, address)

    assert notices_row(client) == "On"
    page = client.text("/account/notices")
    assert "sealed.canary" not in page
    assert "You gave an address already" in page
    # Opting in again with the box left empty keeps the address it has.
    opt_in(client, "")
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user is not None
        assert user.notices_opted_in
        assert user.notice_email_sealed is not None
    dump = database_copy(app)
    assert b"sealed.canary" not in dump
    assert b"mail.example.org" not in dump


def test_opting_out_forgets_the_address(app: Flask, client: BrowserClient):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member])
    sign_in(client, member)
    opt_in(client, "member@mail.example.org")
    response = client.submit("/account/notices", {"notices": "no", "email": None})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user is not None
        assert (user.notices_opted_in, user.notice_email_sealed) == (False, None)


@pytest.mark.parametrize("address", [
    "", "no-at-sign.example.org", "two@@example.org", "a@b", "a@example.c0m",
    "Name <a@example.org>", "a@example.org, b@example.org", "a b@example.org",
    "a@-example.org", "." + "a" * 70 + "@example.org",
])
def test_opting_in_needs_a_plain_address_shown_beside_the_field(
        app: Flask, client: BrowserClient, address: str):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member])
    sign_in(client, member)
    response = client.submit("/account/notices", {"notices": "yes", "email": address})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert ("Enter an e-mail address such as name@example.org." in page
            or "Enter the e-mail address the notices go to." in page)
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user is not None
        assert not user.notices_opted_in


def test_roles_without_notices_do_not_get_the_page(app: Flask, client: BrowserClient):
    reviewer = make_account(app, Role.LEGAL_REVIEWER)
    sign_in(client, reviewer)
    assert client.get("/account/notices").status_code == 404
    assert "/account/notices" not in client.text("/account")
