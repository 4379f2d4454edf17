"""A small fictional world and a walk through every main page of the portal, as a
family member and as an advocate, shared by the accessibility and screenshot tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask

from portal.dependencies import crypto_kit
from portal.models import Incident, Role, User, db
from portal.services.thread import post_message
from tests.browser.pages import LoginPage, PortalPage
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, pdf, upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

NARRATIVES = {
    "en": "Two men from the IRGC Intelligence Organization came to my door and told me "
          "to stop speaking to journalists about my brother.",
    "fa": "دو مرد از سازمان اطلاعات سپاه به خانه‌ام آمدند و گفتند دیگر درباره برادرم "
          "با خبرنگاران حرف نزنم.",
    "fr": "Deux hommes de l'Organisation du renseignement des Gardiens de la révolution "
          "sont venus chez moi et m'ont dit de ne plus parler aux journalistes.",
}
QUESTIONS = {"en": "Which office did they say they came from?",
             "fa": "گفتند از کدام اداره آمده‌اند؟",
             "fr": "De quel bureau ont-ils dit venir ?"}


@dataclass
class World:
    family: Account
    advocate: Account
    incident_id: int
    draft_id: int
    receipt_path: str
    item_id: int


def build_world(app: Flask, client: BrowserClient, locale: str) -> World:
    """A family file with one submitted report (photo and PDF attached), one draft,
    and an advocate's open question; made through the Flask client and the services."""
    family = make_account(app, Role.FAMILY_MEMBER, locale=locale)
    advocate = make_account(app, Role.ADVOCATE, locale=locale)
    make_family(app, members=[family], advocates=[advocate])
    sign_in(client, family)
    incident_id = start_report(client)
    sent = send_report(client, incident_id, "submit", start_text="۱۳۹۸/۱۰/۱۸",
                       narrative=NARRATIVES[locale], city="Tehran",
                       type_codes=["summons", "threat_against_relatives_in_iran"])
    assert sent.status_code == 302, sent.get_data(as_text=True)[:800]
    receipt_path, item_id, draft_id = evidence_draft_and_question(
        app, client, advocate, incident_id, QUESTIONS[locale], "summons.pdf")
    return World(family, advocate, incident_id, draft_id, receipt_path, item_id)


def evidence_draft_and_question(app: Flask, client: BrowserClient, advocate: Account,
                                incident_id: int, question: str,
                                pdf_name: str) -> tuple[str, int, int]:
    """The family member (signed in on `client`) attaches a photo and a PDF to the
    report and starts a draft; the advocate asks a question about the report. Returns
    the receipt's path, the first item's id and the draft's id."""
    uploaded = upload(client, incident_id, [(jpeg_with_gps(), "summons-photo.jpg"),
                                            (pdf(), pdf_name)], kind="photo")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:800]
    receipt_path = uploaded.headers["Location"]
    item_id = int(receipt_path.rsplit("=", 1)[1].split(",")[0])
    draft_id = start_report(client)
    with app.app_context():
        asker = db.session.get(User, advocate.id)
        incident = db.session.get(Incident, incident_id)
        assert asker is not None
        assert incident is not None
        post_message(crypto_kit(), asker, incident, question, as_question=True)
        db.session.commit()
    return receipt_path, item_id, draft_id


# (name of the screenshot, who sees it, path)
PageSpec = tuple[str, str, Callable[[World], str]]
MAIN_PAGES: list[PageSpec] = [
    ("login", "anonymous", lambda w: "/login"),
    ("home", "family", lambda w: "/"),
    ("my-reports", "family", lambda w: "/reports"),
    ("report-form", "family", lambda w: f"/reports/{w.draft_id}/edit"),
    ("report", "family", lambda w: f"/reports/{w.incident_id}"),
    ("upload", "family", lambda w: f"/reports/{w.incident_id}/evidence"),
    ("receipt", "family", lambda w: w.receipt_path),
    ("evidence-item", "family", lambda w: f"/evidence/{w.item_id}"),
    ("thread", "family", lambda w: f"/reports/{w.incident_id}/thread"),
    ("account", "family", lambda w: "/account"),
    ("workspace", "advocate", lambda w: "/workspace"),
    ("statistics", "advocate", lambda w: "/workspace/statistics"),
]


def tour(world: World, visit: Callable[..., object], locale: str
         ) -> Iterator[tuple[str, PortalPage]]:
    """Open each main page in turn, signed in as the person who sees it."""
    pages: dict[str, PortalPage] = {}
    for who in ("anonymous", "family", "advocate"):
        context = visit(locale=locale)
        page = PortalPage(context.page)  # type: ignore[attr-defined]
        account = {"family": world.family, "advocate": world.advocate}.get(who)
        if account is not None:
            LoginPage(page.page).sign_in(account.username, account.passphrase,
                                         account.code() if account.totp_secret else None)
        pages[who] = page
    for name, who, path_of in MAIN_PAGES:
        page = pages[who]
        response = page.page.goto(path_of(world))
        assert response is not None, name
        assert response.status == 200, (name, response.status)
        yield name, page
