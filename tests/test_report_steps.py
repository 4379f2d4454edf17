"""A draft report, one question per page (decision 0024): each step saves the draft,
Continue asks for what its step needs, "Change" returns to check-your-answers, and
sending lists what is missing with links to the steps that ask it."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import func, select

from portal.dependencies import crypto_kit
from portal.models import ConsentRecord, Incident, Role, db
from portal.services.incidents import load_content
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import start_report

NARRATIVE = "مأموری تلفن زد و گفت اگر به مراسم بروم برای خانواده‌ام دردسر می‌شود."


def step(incident_id: int, slug: str) -> str:
    return f"/reports/{incident_id}/steps/{slug}"


def saved(app: Flask, incident_id: int) -> tuple[str, dict[str, object]]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        return incident.status.value, load_content(crypto_kit(), incident).as_dict()


def answer_every_step(client: BrowserClient, incident_id: int) -> None:
    """Go through the steps as a person does, pressing Continue on each."""
    answers = {
        "when": {"calendar": "solar_hijri", "start_text": "۱۸ دی ۱۳۹۸"},
        "where": {"country": "IR", "city": "اصفهان"},
        "what": {"type_codes": ["summons"]},
        "who": {"agencies": ["ministry_of_intelligence"], "perpetrators": "دو مأمور"},
        "targets": {},
        "harm": {"harms": ["fear_or_distress"]},
        "account": {"narrative": NARRATIVE},
    }
    for slug, data in answers.items():
        response = client.submit(step(incident_id, slug), {**data, "action": "continue"})
        assert response.status_code == 302, (slug, response.get_data(as_text=True)[:2000])
    assert client.get(step(incident_id, "evidence")).status_code == 200
    response = client.submit(step(incident_id, "consent"), {
        "destinations": ["icc_prosecutor"], "disclosure": "pseudonym", "testify": "unsure",
        "action": "continue"})
    assert response.headers["Location"] == step(incident_id, "check")


def test_a_report_written_step_by_step_is_saved_at_each_step_and_sent_from_check_your_answers(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    first = client.text(step(incident_id, "when"))
    assert "Step 1 of 10" in first
    assert re.search(r'aria-current="step"[^>]*>When did it happen\?', first)

    answer_every_step(client, incident_id)
    status, content = saved(app, incident_id)
    assert status == "draft"
    assert content["narrative"] == NARRATIVE
    assert content["city"] == "اصفهان"
    assert content["type_codes"] == ["summons"]
    assert content["start_text"] == "۱۸ دی ۱۳۹۸"

    check = client.text(step(incident_id, "check"))
    assert NARRATIVE in check
    assert "اصفهان" in check
    assert "Summons" in check  # the label chosen, not the code
    assert f'href="{step(incident_id, "account")}?back=check"' in check
    assert "the advocates assigned to your family file" in check  # who will read it

    sent = client.submit(step(incident_id, "check"), {"action": "submit",
                                                       "declare_true": "y"})
    assert sent.headers["Location"] == f"/reports/{incident_id}/receipt"
    assert saved(app, incident_id)[0] == "submitted"
    receipt = client.text(f"/reports/{incident_id}/receipt")
    assert "the advocates assigned to your family file" in receipt
    assert "Outside the portal, only:" in receipt
    # A sent report is changed on one page, and its steps lead there.
    assert client.get(step(incident_id, "when")).headers["Location"] == \
        f"/reports/{incident_id}/edit"


def test_a_step_changes_only_its_own_answers_and_change_returns_to_check(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    answer_every_step(client, incident_id)
    changed = client.submit(f"{step(incident_id, 'where')}?back=check",
                            {"country": "CA", "city": "Toronto", "action": "continue"})
    assert changed.headers["Location"] == step(incident_id, "check")
    _status, content = saved(app, incident_id)
    assert (content["country"], content["city"]) == ("CA", "Toronto")
    assert content["narrative"] == NARRATIVE  # other steps untouched
    assert content["start_text"] == "۱۸ دی ۱۳۹۸"
    with app.app_context():  # passing the consent step again records nothing new
        before = db.session.scalar(select(func.count()).select_from(ConsentRecord))
    client.submit(step(incident_id, "consent"), {"action": "continue"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) == before


def test_continue_asks_for_what_the_step_needs_but_keeps_what_was_typed(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    refused = client.submit(step(incident_id, "account"), {
        "narrative": None, "demands": "سکوت", "action": "continue"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'href="#narrative"' in page
    assert saved(app, incident_id)[1]["demands"] == "سکوت"  # saved all the same

    later = client.submit(step(incident_id, "when"), {"start_text": None, "action": "save"})
    assert later.headers["Location"] == "/reports"  # "save and come back later" asks nothing
    assert f'/reports/{incident_id}/steps/check' in client.text("/reports")


def test_sending_lists_what_is_missing_with_links_to_its_steps(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    client.submit(step(incident_id, "account"), {"narrative": NARRATIVE, "action": "save"})
    refused = client.submit(step(incident_id, "check"), {"action": "submit"})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    for slug in ("when", "where", "what", "consent"):
        assert f'href="{step(incident_id, slug)}?back=check"' in page, slug
    assert f'href="{step(incident_id, "account")}?back=check"' not in page.split(
        "error-summary__list")[1].split("</ul>")[0]
    assert saved(app, incident_id)[0] == "draft"


def test_steps_of_another_persons_draft_and_unknown_steps_answer_404(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reporter: Account):
    incident_id = start_report(client)
    assert client.get(step(incident_id, "nonsense")).status_code == 404
    other = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[other])
    sign_in(another_client, other)
    assert another_client.get(step(incident_id, "when")).status_code == 404
    assert another_client.get(f"/reports/{incident_id}/delete").status_code == 404
