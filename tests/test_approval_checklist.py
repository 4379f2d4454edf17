"""The review of protected terms and the approval checklist, as their people use them.

An advocate's dossier whose text names a pseudonymous relative in a dozen spellings
(tests/test_public_redaction.py's fictional family) cannot be approved until every
occurrence is decided: on the page and in the service. A passage kept as written (a
namesake: a cultural centre) survives into the public PDF and passes the leak scan;
every other spelling is gone. A template placeholder blocks approval too; warnings
(jurisdiction, untranslated accounts, exhibits without provenance) are shown and must
each be acknowledged, and the signed statement records them. Every person is fictional.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import Dossier, DossierExport, DossierReview, Role, User, db
from portal.services.dossiers import assembly, workflow
from portal.services.dossiers import export as export_service
from portal.services.dossiers.naming import agency_namer, pdf_vocabulary
from portal.services.errors import ValidationFailed
from portal.text import ProtectedTerm, find_terms
from tests.support.approval import (
    TRANSLATION_TO_FOLLOW,
    approve,
    complete_sections,
    redact_every_occurrence,
)
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, consent, create_dossier, send_for_review
from tests.test_export import download, export
from tests.test_public_redaction import (
    NAME_SPELLINGS,
    lock_version,
    pdftotext,
    relatives_family,
    reported_family,
)

NAMESAKE = "We met at the Kimia Cultural Centre in Toronto."


def send_as_is(client: BrowserClient, dossier_id: int, reviewer_id: int) -> None:
    """Send without the advocate's preparation (what send_for_review does first)."""
    sent = client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer_id)},
                         action=f"/dossiers/{dossier_id}/send")
    assert sent.status_code == 302


def write_section(client: BrowserClient, dossier_id: int, key: str, body: str) -> None:
    page = f"/dossiers/{dossier_id}/sections/{key}"
    saved = client.submit(page, {"body": body, "action": "save",
                                 "lock_version": lock_version(client, page)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:600]


def service_approval(app: Flask, dossier_id: int, reviewer_id: int,
                     acknowledged: tuple[str, ...] = ("jurisdiction", "provenance",
                                                      "untranslated")) -> None:
    """The service itself, past the page: what a script or a bug in a view would call."""
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        reviewer = db.session.get(User, reviewer_id)
        assert dossier is not None
        assert reviewer is not None
        kit = crypto_kit()
        current = assembly.content_hash(assembly.assemble(
            kit, dossier, assembly.CONFIDENTIAL, agency_namer(dossier.language)))
        try:
            workflow.approve(kit, reviewer, dossier, current, current, "",
                             acknowledged=acknowledged)
        finally:
            db.session.rollback()


def printed_html(app: Flask, dossier: Dossier) -> str:
    """The confidential English HTML an export of `dossier` renders (export._html)."""
    export_row = DossierExport(dossier=dossier, variant="confidential", language="en",
                               page_size="a4", created_by_id=dossier.created_by_id)
    document = assembly.assemble(crypto_kit(), dossier, assembly.CONFIDENTIAL,
                                 agency_namer("en"))
    # The page's HTML, without rendering a PDF.
    html = export_service._html(
        crypto_kit(), app.jinja_env, document, export_row, {}, pdf_vocabulary,
        export_service.ExportSettings(submitter="Fictional submitter", font_dir=""),
        "2026-12-05")
    return html


def status_of(app: Flask, dossier_id: int) -> str:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        return dossier.status.value


def test_every_occurrence_is_decided_before_approval_and_a_kept_one_is_printed(
        app: Flask, client: BrowserClient, another_client: BrowserClient, tmp_path: Path):
    family = relatives_family(app, client)
    sign_in(client, family.advocate)
    dossier_id = create_dossier(client, "Reprisals against a family")
    assert add(client, dossier_id, family.report).status_code == 302
    complete_sections(client, dossier_id)
    write_section(client, dossier_id, "background", NAMESAKE)

    # The advocate sees each occurrence in context, the spellings people type among them.
    page = client.text(f"/dossiers/{dossier_id}/occurrences")
    highlighted = re.findall(r"<mark>(.*?)</mark>", page, re.DOTALL)
    names = [ProtectedTerm("Kimia", "k"), ProtectedTerm("کیمیا", "k")]
    assert len([m for m in highlighted if find_terms(m, names)]) >= len(NAME_SPELLINGS)
    assert "Officers summoned" in page
    assert "Kimia Cultural Centre" in page
    assert "To review" in page
    assert "to review" in client.text(f"/dossiers/{dossier_id}")  # the dossier page says so
    send_as_is(client, dossier_id, family.reviewer.id)

    # The reviewer is told, and cannot approve: not on the page, not in the service.
    sign_in(another_client, family.reviewer)
    assert another_client.submit("/account", {
        "full_name": "Fictional Reviewer", "professional_capacity": "Legal reviewer"
    }).status_code in (200, 302)
    review = another_client.text(f"/dossiers/{dossier_id}/review")
    assert "with a protected name or place are not reviewed yet" in review
    refused = approve(another_client, dossier_id)
    assert refused.status_code == 200
    assert "Protected names or places in the text are not reviewed yet" in \
        refused.get_data(as_text=True)
    assert status_of(app, dossier_id) == "in_review"
    with pytest.raises(ValidationFailed):
        service_approval(app, dossier_id, family.reviewer.id)

    # The namesake is kept, for a reason; a reason too short is refused, the text kept.
    occurrences = f"/dossiers/{dossier_id}/occurrences"
    page = another_client.text(occurrences)
    [item] = [block for block in page.split('<li class="occurrence')
              if "Kimia Cultural Centre" in block and "occurrence__keep" in block]
    key = re.search(rf'action="{occurrences}/([0-9a-f]{{64}})"[^>]*class="occurrence__keep"',
                    item)
    assert key, "no keep form beside the namesake"
    keep = f"{occurrences}/{key.group(1)}"
    short = another_client.submit(occurrences, {"decision": "safe", "reason": "ok"},
                                  action=keep)
    assert short.status_code == 200
    assert "Say why it can be kept" in short.get_data(as_text=True)
    assert 'value="ok"' in short.get_data(as_text=True)
    kept = another_client.submit(occurrences, {
        "decision": "safe", "reason": "A cultural centre's name, not the relative."},
        action=keep)
    assert kept.status_code == 302
    page = another_client.text(occurrences)
    assert "Kept as written" in page
    assert "not the relative" in page
    redact_every_occurrence(another_client, dossier_id)

    approved = approve(another_client, dossier_id)
    assert approved.status_code == 302, approved.get_data(as_text=True)[:800]
    public = pdftotext(download(another_client, dossier_id,
                                export(another_client, dossier_id, "public"), "pdf"), tmp_path)
    flat = " ".join(public.split())
    assert "Kimia Cultural Centre" in flat  # kept, and the leak scan let it pass
    assert len(find_terms(public, [ProtectedTerm("Kimia", "k")])) == 1
    assert [s for s in NAME_SPELLINGS if f"Officers summoned {s}" in public] == []
    assert family.pseudonym_code in public


def test_a_template_placeholder_blocks_approval_until_the_section_is_written(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = reported_family(app, client)
    advocate, reviewer, report = family.advocate, family.reviewer, family.report
    sign_in(client, advocate)
    dossier_id = create_dossier(client, "Placeholders")
    assert add(client, dossier_id, report).status_code == 302
    redact_every_occurrence(client, dossier_id)
    dossier_page = client.text(f"/dossiers/{dossier_id}")
    assert "Template placeholders are still in the text" in dossier_page
    send_as_is(client, dossier_id, reviewer.id)

    sign_in(another_client, reviewer)
    review = another_client.text(f"/dossiers/{dossier_id}/review")
    assert "Template placeholders are still in the text" in review
    assert "[State the name of the submitting organisation" in review
    refused = approve(another_client, dossier_id)
    assert refused.status_code == 200
    assert "still holds a template placeholder" in refused.get_data(as_text=True)
    with pytest.raises(ValidationFailed):
        service_approval(app, dossier_id, reviewer.id)
    assert status_of(app, dossier_id) == "in_review"

    returned = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "return", "comments": "Complete the sections."})
    assert returned.status_code == 302
    send_for_review(client, dossier_id, reviewer)  # completes the sections first
    assert "No template placeholder is left" in another_client.text(
        f"/dossiers/{dossier_id}/review")
    assert approve(another_client, dossier_id).status_code == 302
    assert status_of(app, dossier_id) == "approved"


def test_warnings_must_be_acknowledged_and_the_statement_records_them(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    member = make_account(app, Role.FAMILY_MEMBER, locale="fa")  # accounts written in Persian
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    in_iran = start_report(client)
    assert send_report(client, in_iran, "submit", start_text="1398/10/18", country="IR",
                       narrative="دو مأمور مرا به دفتر احضار کردند.").status_code == 302
    consent(client, in_iran, "icc_prosecutor")
    received_in_canada = start_report(client)
    assert send_report(client, received_in_canada, "submit", start_text="1399/03/02",
                       country="IR", country_sent="IR", country_received="CA",
                       narrative="A caller threatened me in Toronto.").status_code == 302
    consent(client, received_in_canada, "icc_prosecutor")
    sign_out(client)

    sign_in(client, advocate)
    dossier_id = create_dossier(client, "Warnings")
    for report in (in_iran, received_in_canada):
        assert add(client, dossier_id, report).status_code == 302
    send_for_review(client, dossier_id, reviewer)

    sign_in(another_client, reviewer)
    review = another_client.text(f"/dossiers/{dossier_id}/review")
    flat = " ".join(review.split())
    # Only the report with no element in a State Party; the Persian account is untranslated.
    assert re.search(rf'value="jurisdiction"[^>]*>\s*<label[^>]*>[^<]*Reports: {in_iran}<',
                     review), flat[flat.find("Warnings to weigh"):][:900]
    assert "untranslated" in review
    unticked = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "approve", "confirm": "y", "acknowledged": ["jurisdiction"]})
    assert unticked.status_code == 200
    assert "Acknowledge each warning" in unticked.get_data(as_text=True)
    assert status_of(app, dossier_id) == "in_review"
    # The Persian account has no certified translation into English: ticking the
    # warning is not enough, the reviewer must say why (decision 0023).
    unexplained = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "approve", "confirm": "y",
        "acknowledged": ["jurisdiction", "untranslated"]})
    assert unexplained.status_code == 200
    assert "no certified translation" in unexplained.get_data(as_text=True)
    assert status_of(app, dossier_id) == "in_review"

    assert approve(another_client, dossier_id).status_code == 302
    with app.app_context():
        review_row = db.session.scalars(select(DossierReview).where(
            DossierReview.dossier_id == dossier_id,
            DossierReview.decision == "approved")).one()
        statement = json.loads(review_row.statement)
    assert statement["acknowledged_warnings"] == ["jurisdiction", "untranslated"]
    assert statement["translations_pending"] == [in_iran]
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert workflow.pending_translation_reasons(crypto_kit(), dossier) == {
            in_iran: TRANSLATION_TO_FOLLOW}
        # The dossier states the reason where the translation would be: beside the
        # account and in Annex D (the HTML the export renders; no PDF needed here).
        printed = printed_html(app, dossier)
    assert printed.count(TRANSLATION_TO_FOLLOW) == 2
    assert "No certified translation into English yet." in printed
