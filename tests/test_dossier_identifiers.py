"""Recurring identifiers in the dossier (issue 19 item 3, decision 0031), and a phone
number that cannot be read kept as typed (decision 0028).

Three fictional families name one phone number, each typing it its own way. The
dossier cites the reports of the first two (one names it on an exhibit, one on the
report); the third family has two reports naming it outside the dossier, one whose
consent allows it to be counted in other dossiers and one whose consent does not. The
dossier's "Recurring identifiers" block counts 3 reports of 3 family files (neither the
report without that consent nor one a fourth family sends after the approval), gives
their dates and cites the dossier's reports and exhibit; the confidential variant
prints the number, the public one prints it in no spelling anywhere. Everything is
typed through the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from babel.dates import format_date
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import ConsentRecord, Dossier, Identifier, Incident, Role, db
from portal.pdf.context import RenderContext
from portal.pdf.html import dossier_html
from portal.services.dossiers import assembly, export_material
from portal.services.dossiers.naming import agency_namer, pdf_vocabulary
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_export import approved_dossier, download, export, pdf_text
from tests.test_export import world_of_two_families as world
from tests.test_public_exhibits import (
    attachments_text,
    bundle_text,
    item_ids,
    pdf_strings,
    set_profile,
)

SHOWN = "+98 912 345 6789"
# Every spelling the families typed, and the forms a reader might find it in.
SPELLINGS = ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "+98 912 345 6789", "0098 912 345 6789", "+989123456789",
             "09123456789", "9123456789", "912 345 6789", "۹۱۲۳۴۵۶۷۸۹")
OUTSIDE_STARTS = {"counted": "1400/10/18", "not_counted": "1401/10/18"}  # 2022, 2023


@dataclass
class Exported:
    texts: dict[str, str]  # variant -> pdftotext of the PDF
    public_bytes: str  # every string, stream, attachment and bundle file of the public one
    rendered: dict[tuple[str, str], str]  # (variant, locale) -> the block's HTML
    days: list[date]  # start days of the counted reports
    reports: tuple[int, int]  # the dossier's reports
    vocabulary: dict[tuple[str, str], str]  # (locale, msgid) -> its translation


def record(client: BrowserClient, page: str, action: str, value: str) -> str:
    """The identifier form of `page`'s panel, filled in as a person does."""
    response = client.submit(page, {"identifier-kind": "phone", "identifier-value": value,
                                    "identifier-platform": ""}, action=action)
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    return response.headers["Location"]


def give_consent(client: BrowserClient, incident_id: int, aggregate: bool) -> None:
    answer = {"destinations": ["icc_prosecutor"], "disclosure": "pseudonym", "testify": "no"}
    if aggregate:
        answer["aggregate_use"] = "y"
    saved = client.submit(f"/reports/{incident_id}/consent", answer)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]


def outside_family(app: Flask, starts: dict[str, str]) -> dict[str, int]:
    """A family outside the dossier, with reports naming the number: the one keyed
    "counted" consents to be counted in other dossiers, the others do not."""
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[reporter], advocates=[make_account(app, Role.ADVOCATE)])
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(client, reporter)
    reports = {}
    for key, start in starts.items():
        incident_id = start_report(client)
        assert send_report(client, incident_id, "submit", start_text=start,
                           narrative="A caller asked about the memorial.").status_code == 302
        give_consent(client, incident_id, aggregate=key == "counted")
        page = f"/reports/{incident_id}"
        record(client, page, f"{page}/identifiers", SPELLINGS[2])
        reports[key] = incident_id
    return reports


def block_of(html: str) -> str:
    found = re.search(r'<section class="block identifiers".*?</section>', html, re.S)
    assert found, "no recurring-identifiers block"
    return found.group(0)


def render(app: Flask, dossier_id: int, variant: str, locale: str) -> str:
    """The dossier's HTML as the export renders it, in `locale` (the block only)."""
    with app.test_request_context(), force_locale(locale):
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        document = assembly.assemble(crypto_kit(), dossier, variant,
                                     agency_namer(dossier.language))
        context = RenderContext(
            locale=locale, page_size="a4", submitter="Fictional Submitter",
            generated_on="2026-12-05", vocabulary=pdf_vocabulary(locale), sections_html={},
            shown={}, custody={}, patterns=export_material.pattern_counts(dossier, locale),
            approval=None)
        return block_of(dossier_html(app.jinja_env, document, context))


@pytest.fixture(name="exported", scope="module")
def dossier_with_a_recurring_number_exported(app: Flask, tmp_path_factory: pytest.TempPathFactory
                                             ) -> Exported:
    """Built and exported once for this module's tests (two exports take seconds); the
    tables are emptied after the first test, so everything is read here."""
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    reviewer: BrowserClient = app.test_client()  # type: ignore[assignment]
    built = world.__wrapped__(app, client)  # type: ignore[attr-defined]
    # Family one names it on the photo of its report (an exhibit), family two on its report.
    sign_in(client, built.reporter_one)
    [photo] = item_ids(app, "image/jpeg")
    record(client, f"/evidence/{photo}", f"/evidence/{photo}/identifiers", SPELLINGS[0])
    sign_out(client)
    sign_in(client, built.reporter_two)
    page = f"/reports/{built.report_two}"
    record(client, page, f"{page}/identifiers", SPELLINGS[1])
    sign_out(client)
    outside = outside_family(app, OUTSIDE_STARTS)
    dossier_id = approved_dossier(client, reviewer, built)
    # A fourth family names it after the approval, consenting to be counted: the
    # approved dossier counts what stood at its approval, so its content hash (and
    # so its export) does not move.
    outside_family(app, {"counted": "1402/10/18"})
    set_profile(reviewer, "Fictional Reviewer Testname", "Barrister")
    exports = {v: export(reviewer, dossier_id, v) for v in ("confidential", "public")}
    pdfs = {v: download(reviewer, dossier_id, e, "pdf") for v, e in exports.items()}
    bundle = download(reviewer, dossier_id, exports["public"], "bundle")
    tmp = tmp_path_factory.mktemp("identifiers")
    texts = {v: pdf_text(pdf, tmp) for v, pdf in pdfs.items()}
    public_bytes = "\n".join([texts["public"], pdf_strings(pdfs["public"]),
                              attachments_text(pdfs["public"]), bundle_text(bundle)])
    rendered = {(variant, locale): render(app, dossier_id, variant, locale)
                for variant in ("confidential", "public") for locale in ("fr", "fa")}
    with app.app_context():
        counted = (built.report_one, built.report_two, outside["counted"])
        days = sorted(day for day in db.session.scalars(
            select(Incident.start_first_day).where(Incident.id.in_(counted))) if day)
        assert db.session.scalar(select(ConsentRecord.aggregate_use).where(
            ConsentRecord.incident_id == outside["not_counted"])) is False
    vocabulary = {}
    for locale in ("fr", "fa"):
        with app.test_request_context(), force_locale(locale):
            for msgid in ("Recurring identifiers", "Phone number"):
                vocabulary[(locale, msgid)] = _(msgid)
    return Exported(texts, public_bytes, rendered, days, (built.report_one, built.report_two),
                    vocabulary)


def section(text: str) -> str:
    """The pages of the block, as pdftotext reads them (its heading to the next block)."""
    pages = text.split("\f")
    start = next(i for i, p in enumerate(pages)
                 if "Recurring identifiers" in p and "Contents" not in p)
    end = next(i for i in range(start + 1, len(pages)) if "Incident summaries" in pages[i])
    return " ".join(" ".join(pages[start:end]).split())


def test_the_confidential_variant_prints_the_number_its_counts_dates_and_citations(
        exported: Exported):
    words = section(exported.texts["confidential"])
    assert SHOWN in words
    # The report whose family did not agree to be counted elsewhere is not counted.
    assert "Named in 3 reports across 3 family files." in words
    assert "Named in 4" not in words
    first, last = exported.days[0], exported.days[-1]
    assert [d.year for d in exported.days] == [2020, 2021, 2022]
    assert (f"From {format_date(first, 'long', locale='en')} to "
            f"{format_date(last, 'long', locale='en')}") in words
    report_one, report_two = exported.reports
    assert f"Report {report_one} and Report {report_two}" in words
    assert "EX-0001" in words  # the photo family one recorded it on
    assert "Reports per year" in words  # 2020 to 2022: drawn per year
    assert re.search(r"2020\s+2021\s+2022", words)
    assert "Recurring identifiers" in exported.texts["confidential"].split("\f")[2]  # contents


def test_the_public_variant_prints_the_counts_but_the_number_in_no_spelling(
        exported: Exported):
    words = section(exported.texts["public"])
    assert "[REDACTED – R2] (Phone number)" in words  # the whole identifier, "+" too
    assert "+[REDACTED" not in words
    assert "In this public variant the identifiers themselves are redacted." in words
    assert "Named in 3 reports across 3 family files." in words
    for spelling in SPELLINGS:
        assert spelling not in exported.public_bytes, spelling
        assert spelling.replace(" ", "") not in exported.public_bytes.replace(" ", ""), spelling


def test_the_block_reads_in_french_and_persian(exported: Exported):
    for variant in ("confidential", "public"):
        french = exported.rendered[(variant, "fr")]
        persian = exported.rendered[(variant, "fa")]
        for locale, html in (("fr", french), ("fa", persian)):
            assert '<section class="block identifiers"' in html
            assert f"<h1>{exported.vocabulary[(locale, 'Recurring identifiers')]}</h1>" in html
            assert f"<td>{exported.vocabulary[(locale, 'Phone number')]}</td>" in html
        assert "۳" in persian  # counts in Persian digits
        assert ">3<" not in persian
        assert ">3<" in french
        assert "<svg" not in persian  # the timeline is HTML (FIELD-NOTES: SVG text)
        if variant == "confidential":
            assert SHOWN in french
            assert SHOWN in persian
        else:
            for spelling in SPELLINGS:
                assert spelling not in french + persian
    assert exported.vocabulary[("fa", "Recurring identifiers")] != "Recurring identifiers"
    assert exported.vocabulary[("fr", "Phone number")] != "Phone number"


def test_an_unreadable_phone_number_is_kept_as_typed_flagged_and_never_linked(
        app: Flask, reported: tuple[Account, Account, int], client: BrowserClient):
    _reporter, advocate, incident_id = reported
    page = f"/reports/{incident_id}"
    landed = record(client, page, f"{page}/identifiers", "۰۹۱۲ ۳۴")
    assert landed.endswith("#identifiers")
    shown = client.text(page)
    assert "۰۹۱۲ ۳۴" in shown
    assert "unreadable number" in shown
    assert "The number was kept as typed" in shown  # the flash says what happened
    # The same unreadable text on another family's report links nothing: no digest.
    other = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[other], advocates=[advocate])
    other_client: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(other_client, other)
    theirs = start_report(other_client)
    send_report(other_client, theirs, "submit", start_text="1399/10/18")
    record(other_client, f"/reports/{theirs}", f"/reports/{theirs}/identifiers", "۰۹۱۲ ۳۴")
    with app.app_context():
        rows = list(db.session.scalars(select(Identifier)))
        assert [(r.unreadable, r.digest) for r in rows] == [(True, None), (True, None)]
    staff: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(staff, advocate)
    seen = staff.text(f"/reports/{incident_id}")
    assert "unreadable number" in seen
    assert "Named in" not in seen  # not linked, not counted
    assert "۰۹۱۲ ۳۴" not in staff.text("/workspace/identifiers")
    # Anything else that cannot be read is still refused, the typed value kept.
    refused = client.submit(page, {"identifier-kind": "email", "identifier-value": "not-mail",
                                   "identifier-platform": ""}, action=f"{page}/identifiers")
    assert refused.status_code == 200
    assert "Type an e-mail address such as name@example.com." in refused.get_data(as_text=True)


def test_the_consent_step_asks_plainly_and_defaults_to_not_counted(
        app: Flask, reported: tuple[Account, Account, int], client: BrowserClient):
    _reporter, _advocate, incident_id = reported
    page = client.text(f"/reports/{incident_id}/consent")
    assert "Other dossiers may count this report, as a number only" in page
    assert re.search(r'<input[^>]*name="aggregate_use"[^>]*>', page)
    assert not re.search(r'<input[^>]*name="aggregate_use"[^>]*checked', page)
    give_consent(client, incident_id, aggregate=False)
    give_consent(client, incident_id, aggregate=True)
    with app.app_context():
        answers = list(db.session.scalars(select(ConsentRecord.aggregate_use).where(
            ConsentRecord.incident_id == incident_id).order_by(ConsentRecord.id)))
    assert answers == [False, True]
    assert "may be counted in other dossiers" in client.text(f"/reports/{incident_id}/consent")

