"""A fictional family file with two consented reports, and dossiers of an advocate in
the states the dossier pages show (a draft; one sent to a legal reviewer), made over
HTTP with the Flask client as the people themselves would. Shared by the crawl and the
browser tests of the dossier pages. On request (`with_evidence`), the member also uploads
one photo to the first report (for sqlmap's evidence forms)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from portal.models import EvidenceItem, Role, db
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report

NARRATIVES = {
    "en": "Two men from the Ministry of Intelligence summoned me after the memorial.",
    "fa": "دو مرد از وزارت اطلاعات پس از مراسم یادبود مرا احضار کردند.",
    "fr": "Deux hommes du ministère du Renseignement m'ont convoqué après la commémoration.",
}


@dataclass
class DossierWorld:
    member: Account
    advocate: Account
    reviewer: Account
    report_ids: list[int]
    draft_id: int
    in_review_id: int
    family_id: int = 0
    evidence_id: int | None = None  # only with `with_evidence`


def submit_consented_report(client: BrowserClient, start_text: str, narrative: str,
                            types: list[str]) -> int:
    incident_id = start_report(client)
    sent = send_report(client, incident_id, "submit", start_text=start_text,
                       narrative=narrative, type_codes=types)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:600]
    consented = client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor"], "disclosure": "pseudonym", "testify": "no"})
    assert consented.status_code == 302
    return incident_id


def new_dossier(client: BrowserClient, title: str, language: str = "en") -> int:
    response = client.submit("/dossiers/new", {
        "title": title, "kind": "article_15", "destination": "icc_prosecutor",
        "language": language if language in ("en", "fr") else "en", "earlier_reference": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def add_report(client: BrowserClient, dossier_id: int, incident_id: int) -> None:
    response = client.submit(f"/dossiers/{dossier_id}/choose", {"incident_id": str(incident_id)},
                             action=f"/dossiers/{dossier_id}/incidents")
    assert response.status_code == 302, response.get_data(as_text=True)[:600]


def build_dossier_world(app: Flask, client: BrowserClient, locale: str = "en",
                        member: Account | None = None, advocate: Account | None = None,
                        reviewer: Account | None = None,
                        with_evidence: bool = False) -> DossierWorld:
    member = member or make_account(app, Role.FAMILY_MEMBER, locale=locale)
    advocate = advocate or make_account(app, Role.ADVOCATE, locale=locale)
    reviewer = reviewer or make_account(app, Role.LEGAL_REVIEWER, locale=locale)
    family_id = make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    reports = [submit_consented_report(client, "۱۳۹۸/۱۰/۱۸", NARRATIVES[locale], ["summons"]),
               submit_consented_report(client, "۱۳۹۹/۰۳/۰۲", NARRATIVES[locale],
                                       ["threat_by_phone"])]
    evidence_id = None
    if with_evidence:
        uploaded = upload(client, reports[0], [(jpeg_with_gps(), "summons.jpg")], kind="photo")
        assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:600]
        with app.app_context():
            evidence_id = db.session.scalars(select(EvidenceItem.id).where(
                EvidenceItem.family_id == family_id)).one()
    sign_out(client)
    sign_in(client, advocate)
    draft = new_dossier(client, "Pattern of summonses after memorials", locale)
    add_report(client, draft, reports[0])
    in_review = new_dossier(client, "Threats against relatives in Iran", locale)
    for incident_id in reports:
        add_report(client, in_review, incident_id)
    sent = client.submit(f"/dossiers/{in_review}", {"reviewer": str(reviewer.id)},
                         action=f"/dossiers/{in_review}/send")
    assert sent.status_code == 302
    sign_out(client)
    return DossierWorld(member, advocate, reviewer, reports, draft, in_review, family_id,
                        evidence_id)
