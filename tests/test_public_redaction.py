"""Redaction by entity and the leak scan of exported dossiers.

A relative who chose a pseudonym, and the city and province of a report, are typed by a
family member, an advocate and a translator in many spellings (ezafe, ZWNJ, tatweel,
NBSP, Arabic letters, line breaks, a name part alone, Latin in another case). After an
export driven over HTTP, the public PDF's text (pdftotext), its attachments (pikepdf)
and every file of its bundle hold none of them when searched in the normal form of
portal/text, and the confidential PDF never names the pseudonymous relative. Text that
bypasses redaction is caught by the leak scan of the finished files, which refuses the
export, says which kind of term and where (never the term), and keeps nothing. Every
person is fictional.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import subprocess
import types
import typing
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, CustodyEvent, DossierExport, EvidenceItem, Role, db
from portal.pdf import document as doc
from portal.pdf import leak_scan, text_extraction
from portal.pdf.attach import Attachment, attach_files, embedded_files
from portal.pdf.bundle import BagFile, build_bag_zip
from portal.services.dossiers import redaction
from portal.services.dossiers.facts import DossierFacts
from portal.services.dossiers.protected_terms import contact_terms
from portal.text import ProtectedTerm, TermMatcher, find_terms
from tests.conftest import CAPTURED
from tests.support.approval import approve, ready_for_review
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, consent, create_dossier
from tests.test_export import download, export

NAME_LATIN = "Kimia Nemunehzadeh"  # chose a pseudonym
NAME_FA = "کیمیا نمونه‌زاده"
NAMED_LATIN = "Dariush Nemunehzadeh"  # agreed to be named (confidential variant only)
NAMED_FA = "داریوش نمونه‌زاده"
CITY = "شهرک آزمایشی"  # the report's city
CITY_LATIN = "Shahrak-e Azmayeshi"  # as the relative's address holds it
PROVINCE = "Esfahan"
REFERENCE = "PD-1398-004217"
PHONE = "+98 912 345 6789"
HANDLE = "kimia_nz"
MARKED = "the bakery on Golnar lane"

NAME_SPELLINGS = [
    "کیمیا نمونه‌زاده\u0654",  # ezafe written with a hamza above the heh (هٔ)
    "کیمیا نمونه‌زاد\u06c0",  # ezafe typed as ۀ
    "کیمیا\u200cنمونه‌زاده",  # ZWNJ instead of a space
    "کیمـیا نمونه‌زاده",  # tatweel
    "كيميا نمونه‌زاده",  # Arabic kaf and yeh
    "کیمیا نمونهزاده",  # the compound joined
    "Kimia\u00a0Nemunehzadeh",  # NBSP
    "Kimia  Nemunehzadeh",  # double space
    "Kimia\nNemunehzadeh",  # a line break
    "KIMIA NEMUNEHZADEH",  # Latin in another case
    "kimia",  # the given name alone
    "کیمیا",
]
CITY_SPELLINGS = [
    "شهرک\u200cآزمایشی", "شهرك آزمايشي", "شهرک  آزمایشی", "شهرک\nآزمایشی", "شهرـک آزمایشی",
    "شهرکِ آزمایشی", "SHAHRAK-E AZMAYESHI", "Shahrak-e\u00a0Azmayeshi", "shahrak e azmayeshi",
    "Shahrake Azmayeshi",
]
OTHER_SECRETS = [PROVINCE, "pd 1398 004217", "PD-۱۳۹۸-۰۰۴۲۱۷", "0912-345-6789", HANDLE,
                 MARKED, NAMED_LATIN, NAMED_FA]


def sentences(spellings: list[str], template: str) -> str:
    return "\n".join(template.format(spelling) for spelling in spellings)


def found(text: str, spellings: list[str]) -> list[str]:
    """The spellings present in `text`, as typed or in the normal form."""
    return [s for s in spellings
            if s in text or find_terms(text, [ProtectedTerm(s, "secret")])]


def pdftotext(pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def file_texts(data: bytes) -> str:
    """A file as text, with the strings of its JSON (whose escapes could hide a name)."""
    text = data.decode("utf-8", "replace")
    strings: list[str] = []
    for document in (text, *text.splitlines()):
        with contextlib.suppress(ValueError):
            strings += json_strings(json.loads(document))
    return "\n".join([text, *strings])


def json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


# -- the world, typed over HTTP by the people who would type it ---------------------------

@dataclasses.dataclass
class Family:
    member: Account
    advocate: Account
    reviewer: Account
    report: int
    pseudonym_code: str = ""


def add_person(client: BrowserClient, family_id: int, latin: str, persian: str,
               disclosure: str, **details: str) -> int:
    page = client.submit(f"/family/{family_id}/people/new", {
        "name_latin": latin, "name_persian": persian, "residence": "iran",
        "residence_country": "IR", "lives_in_iran": "y", **details})
    assert page.status_code == 302, page.get_data(as_text=True)[:400]
    person_id = int(page.headers["Location"].rstrip("/").split("/")[-1])
    agreed = client.submit(page.headers["Location"], {
        "destinations": ["icc_prosecutor"], "disclosure": disclosure, "testify": "no"},
        action=f"/family/people/{person_id}/consent")
    assert agreed.status_code == 302
    return person_id


def relatives_family(app: Flask, client: BrowserClient) -> Family:
    """A pseudonymous relative and a named one, and a report that spells them, its
    city, province and reference, a phone number and a handle every which way."""
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    family_id = make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    hidden = add_person(client, family_id, NAME_LATIN, NAME_FA, "pseudonym",
                        contact=f"{PHONE}, Telegram @{HANDLE}",
                        address=f"Kucheh-ye Golnar 7, {CITY_LATIN}")
    named = add_person(client, family_id, NAMED_LATIN, NAMED_FA, "full_name")
    report = start_report(client)
    sent = send_report(
        client, report, "submit", start_text="1398/10/18", city=CITY, province=PROVINCE,
        report_authority="police", report_date="1398/10/30", report_reference=REFERENCE,
        target_ids=[str(hidden), str(named)],
        narrative="\n".join([
            sentences(NAME_SPELLINGS, "Officers summoned {} to the office."),
            sentences(CITY_SPELLINGS[:5], "They said the file was opened in {}."),
            f"{NAMED_LATIN} and {NAMED_FA} went with her."]),
        demands=sentences(CITY_SPELLINGS[5:], "Stop the gatherings in {}."),
        perpetrators=f"Two agents of the {PROVINCE} office",
        threat_wording=f"Call 0912-345-6789 or write to {HANDLE}; we know {MARKED}.",
        harm_note="The police file pd 1398 004217 (PD-۱۳۹۸-۰۰۴۲۱۷) was never answered.")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:600]
    consent(client, report, "icc_prosecutor")
    uploaded = upload(client, report, [(jpeg_with_gps(), "summons.jpg")], kind="photo")
    assert uploaded.status_code in (200, 302)
    with app.app_context():
        item_id = db.session.scalars(select(EvidenceItem.id)).one()
    described = client.submit(f"/evidence/{item_id}/describe", {
        "title": f"Summons of {NAME_FA}", "description": "A photo of the summons.",
        "obtained_how": "Photographed at home.", "prior_chain": "", "creator": NAME_LATIN,
        "source": f"A neighbour in {CITY_LATIN}", "claimed_place": CITY_LATIN,
        "kind": "photo", "claim_source": "reporter", "claim_trusted": "",
        "classification": "public", "claimed_date_text": "1398/10/18"})
    assert described.status_code == 302, described.get_data(as_text=True)[:600]
    sign_out(client)
    with app.app_context():
        from portal.models import Person
        code = db.session.get(Person, hidden).code  # type: ignore[union-attr]
    return Family(member, advocate, reviewer, report, code)


def reported_family(app: Flask, client: BrowserClient, **report: str) -> Family:
    """A family member, their advocate and a legal reviewer, and one report submitted
    (with `report`'s fields) and consented for the ICC Prosecutor."""
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    incident_id = start_report(client)
    sent = send_report(client, incident_id, "submit", start_text="1398/10/18", **report)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:600]
    consent(client, incident_id, "icc_prosecutor")
    sign_out(client)
    return Family(member, advocate, reviewer, incident_id)


def lock_version(client: BrowserClient, page: str) -> str:
    match = re.search(r'name="lock_version" type="hidden" value="(\d+)"', client.text(page))
    assert match, page
    return match.group(1)


def approved(client: BrowserClient, reviewer: BrowserClient, family: Family,
             marked: str = "") -> int:
    """The advocate's dossier of the report (with a section, a translation and a marked
    text when given), approved by the legal reviewer, who gave their name."""
    sign_in(client, family.advocate)
    dossier_id = create_dossier(client, "Reprisals against a family")
    assert add(client, dossier_id, family.report).status_code == 302
    if marked:
        section = f"/dossiers/{dossier_id}/sections/methodology"
        saved = client.submit(section, {
            "body": f"We spoke with {NAME_LATIN.lower()} about {CITY}.", "action": "save",
            "lock_version": lock_version(client, section)})
        assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
        translated = client.submit(f"/translations/incidents/{family.report}", {
            "language": "en", "text": f"{NAME_FA.replace(' ', '  ')} was summoned in {CITY}.",
            "translator": "Fictional Translator", "method": "human"})
        assert translated.status_code in (200, 302)
        assert client.submit(f"/dossiers/{dossier_id}/redactions",
                             {"text": marked, "reason": "R2"}).status_code == 302
    ready_for_review(client, dossier_id)
    assert client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(family.reviewer.id)},
                         action=f"/dossiers/{dossier_id}/send").status_code == 302
    sign_in(reviewer, family.reviewer)
    profile = reviewer.submit("/account", {"full_name": "Fictional Reviewer",
                                           "professional_capacity": "Legal reviewer"})
    assert profile.status_code in (200, 302)
    decided = approve(reviewer, dossier_id)
    assert decided.status_code == 302, decided.get_data(as_text=True)[:600]
    return dossier_id


# -- the spellings never reach the finished files --------------------------------------

def test_public_files_hold_no_spelling_of_a_protected_name_place_or_reference(
        app: Flask, client: BrowserClient, another_client: BrowserClient, tmp_path: Path):
    family = relatives_family(app, client)
    dossier_id = approved(client, another_client, family, marked=MARKED)
    exports = {v: export(another_client, dossier_id, v) for v in ("public", "confidential")}
    pdfs = {v: download(another_client, dossier_id, e, "pdf") for v, e in exports.items()}
    public_secrets = NAME_SPELLINGS + CITY_SPELLINGS + OTHER_SECRETS

    # The public PDF: its page text in both of pdftotext's orders...
    for options in ((), ("-raw",)):
        text = pdftotext(pdfs["public"], tmp_path, *options)
        assert found(text, public_secrets) == [], options
    text = pdftotext(pdfs["public"], tmp_path)
    assert "[REDACTED – R1]" in text
    assert "[REDACTED – R2]" in text
    assert family.pseudonym_code in text  # named by code instead
    # ...its embedded files, and every file of its bundle (names and contents).
    with pikepdf.open(io.BytesIO(pdfs["public"])) as document:
        files = embedded_files(document)
    assert files
    for name, data in files.items():
        assert found(f"{name}\n{file_texts(data)}", public_secrets) == [], name
    bundle = download(another_client, dossier_id, exports["public"], "bundle")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        for name in archive.namelist():
            content = file_texts(archive.read(name))
            assert found(f"{name}\n{content}", public_secrets) == [], name

    # The confidential PDF keeps the city and the named relative, never the pseudonymous one.
    confidential = pdftotext(pdfs["confidential"], tmp_path)
    assert found(confidential, NAME_SPELLINGS) == []
    assert found(pdftotext(pdfs["confidential"], tmp_path, "-raw"), NAME_SPELLINGS) == []
    assert NAMED_LATIN in " ".join(confidential.split())
    assert found(confidential, CITY_SPELLINGS) == CITY_SPELLINGS  # typed, and kept here
    assert family.pseudonym_code in confidential
    assert not [line for line in CAPTURED.lines if found(line, NAME_SPELLINGS)]


def test_text_that_bypasses_redaction_is_refused_by_the_leak_scan_and_nothing_is_kept(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        monkeypatch: pytest.MonkeyPatch):
    family = reported_family(app, client, city=CITY,
                             narrative=f"They took me to an office in {CITY}.")
    dossier_id = approved(client, another_client, family)

    # A stage that forgets to redact the public variant (the confidential one, which
    # the reviewer approved by its hash, is left as it was).
    redact = redaction.redact_document
    monkeypatch.setattr(redaction, "redact_document", lambda document, terms: document
                        if document.variant == "public" else redact(document, terms))
    from portal.services.dossiers import export as export_service
    raised: list[Exception] = []
    run = export_service.run_export

    def watched(*args: object, **kwargs: object) -> None:
        try:
            run(*args, **kwargs)  # type: ignore[arg-type]
        except Exception as error:
            raised.append(error)
            raise

    monkeypatch.setattr(export_service, "run_export", watched)
    evidence_dir = Path(app.config["EVIDENCE_DIR"])
    blobs_before = sorted(p for p in evidence_dir.rglob("*") if p.is_file())
    export_id = export(another_client, dossier_id, "public")

    [refusal] = raised
    assert isinstance(refusal, export_service.LeakFound)
    assert re.fullmatch(r"leak:place:page:\d+", refusal.code), refusal.code
    page = refusal.code.rsplit(":", 1)[1]
    assert str(refusal.message) == (
        "Nothing was exported: the finished files still hold a protected place on page "
        f"{page}, which redaction did not remove. Start a new version of the dossier, "
        "reword that text or mark it for redaction, and send it for review again.")
    status = another_client.text(f"/dossiers/{dossier_id}/exports/{export_id}")
    assert "Download the PDF" not in status
    assert another_client.get(
        f"/dossiers/{dossier_id}/exports/{export_id}/pdf").status_code == 302
    assert sorted(p for p in evidence_dir.rglob("*") if p.is_file()) == blobs_before
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert (row.stage.value, row.pdf_blob_key, row.bundle_blob_key) == ("failed", None, None)
        assert not row.pdf_sha256
        assert not row.bundle_sha256
        # The job's code for now (portal/jobs/dossier_jobs.py maps ExportRefused by name).
        assert row.error_code == refusal.code
        assert not db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.action == "exported")).all()
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.target_type == "dossier")).all()
        actions = [event.action for event in events]
        assert "dossier.export_failed" in actions
        assert "dossier.exported" not in actions
        recorded = " ".join(json.dumps(event.details, ensure_ascii=False) for event in events)
    for text in (recorded, refusal.code, str(refusal.message), *CAPTURED.lines):
        assert found(text, [CITY]) == []


def test_a_dossier_without_protected_terms_exports_as_before(
        app: Flask, client: BrowserClient, another_client: BrowserClient, tmp_path: Path):
    narrative = "Two men summoned me after the memorial and told me to stay silent."
    dossier_id = approved(client, another_client,
                          reported_family(app, client, narrative=narrative))
    export_id = export(another_client, dossier_id, "public")
    assert "Download the PDF" in another_client.text(
        f"/dossiers/{dossier_id}/exports/{export_id}")
    text = " ".join(pdftotext(download(another_client, dossier_id, export_id, "pdf"),
                              tmp_path).split())
    assert narrative in text
    assert "[REDACTED –" not in text  # (the key to the variant explains the marker)


# -- the parts, without the app ---------------------------------------------------------

def filled(cls: type, text: str) -> object:
    """An instance of a document dataclass with `text` in every field typed str."""
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: value_of(hints[f.name], text) for f in dataclasses.fields(cls)})


def value_of(hint: object, text: str) -> object:
    args = typing.get_args(hint)
    if hint is str:
        return text
    if hint is bool:
        return True
    if hint is int:
        return 1
    if hint is doc.DossierFactsLike:
        return DossierFacts(1, 1, 1, None, None, ("IR",), ("irgc",))
    if typing.get_origin(hint) is tuple:
        return (value_of(args[0], text),)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return value_of(next(a for a in args if a is not type(None)), text)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return filled(hint, text)
    raise TypeError(hint)


def strings(value: object, path: tuple[type, str] | None = None
            ) -> Iterator[tuple[tuple[type, str] | None, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for item in value:
            yield from strings(item, path)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name), (type(value), f.name))


def terms_for(phrase: str, replacement: str, public: bool) -> redaction.DossierTerms:
    protection = redaction.Protection(redaction.TermKind.PERSON, replacement)
    return redaction.DossierTerms(public, {"p": protection}, (ProtectedTerm(phrase, "p"),))


@pytest.mark.parametrize("public", [False, True])
def test_every_text_field_of_the_document_is_redacted_except_ours(public: bool):
    document = filled(doc.DossierDocument, "Agents met Kimia there.")
    redacted = redaction.redact_document(
        document, terms_for("Kimia", "FAM-900-P1", public))  # type: ignore[arg-type]
    left = {path for path, text in strings(redacted) if "Kimia" in text}
    ours = {(cls, name) for cls, names in redaction.OURS.items() for name in names}
    assert left
    assert left <= ours
    if public:
        removed = {path: text for path, text in strings(redacted)
                   if path in redaction.REMOVED_IN_PUBLIC}
        assert set(removed.values()) <= {"[REDACTED – R1]", "[REDACTED – R2]",
                                         "[REDACTED – R3]"}
        assert redacted.redaction_reasons == ("R1", "R2", "R3")
    else:
        assert redacted.redaction_reasons == ()


def test_the_exempt_fields_name_real_fields():
    for cls, names in redaction.OURS.items():
        assert names <= {f.name for f in dataclasses.fields(cls)}, cls
    for cls, name in redaction.REMOVED_IN_PUBLIC:
        assert name in {f.name for f in dataclasses.fields(cls)}, (cls, name)


def test_a_name_inside_another_word_is_kept():
    terms = terms_for("Ali", "FAM-900-P2", public=False)
    text = "Ali met Mr Khalili in Bali, then d'Ali left."
    assert terms.redact(text, set()) == "FAM-900-P2 met Mr Khalili in Bali, then d'FAM-900-P2 left."


def test_phone_numbers_and_accounts_become_terms_in_any_grouping():
    terms = contact_terms(f"{PHONE}, Telegram @{HANDLE}, kimia.n@example.org, t.me/kimia_chan")
    matcher = TermMatcher([ProtectedTerm(t, "c") for t in terms])
    for text in ("call 09123456789", "call 0912 345 6789", "call +989123456789",
                 "call 912-345-6789", "write to kimia_nz", "mail kimia.n@example.org",
                 "mail kimia.n", "join kimia_chan"):
        assert matcher.find(text), text
    assert not matcher.find("in 1398 and 2020, page 12 of 45")


def scanner_watch(*phrases: str) -> leak_scan.Watchlist:
    return leak_scan.Watchlist(TermMatcher([ProtectedTerm(p, "place-1") for p in phrases]))


def test_the_bundle_scan_reads_escaped_json_and_file_names_but_not_evidence():
    class Sink:
        def __init__(self) -> None:
            self.data, self.closed = b"", False

        def write(self, data: bytes) -> int:
            self.data += data
            return len(data)

        def close(self) -> None:
            self.closed = True

    def scan(files: list[BagFile], phrase: str) -> leak_scan.Leak | None:
        sink = Sink()
        scanner = leak_scan.BundleScanner(scanner_watch(phrase),
                                          lambda name: "/originals/" in name, sink)
        build_bag_zip(files, {"Source-Organization": "test"}, scanner)
        scanner.close()
        assert sink.closed
        assert zipfile.ZipFile(io.BytesIO(sink.data)).testzip() is None
        return scanner.result()

    escaped = json.dumps({"by": CITY}).encode()  # \u0634\u0647\u0631... in the bytes
    assert CITY.encode() not in escaped
    leak = scan([BagFile("custody.jsonl", [escaped])], "شهرک آزمایشی")
    assert leak == leak_scan.Leak("place-1", leak_scan.BUNDLE, name="bag/data/custody.jsonl")
    evidence = [BagFile("originals/EX-0001_photo.jpg", [CITY.encode() * 1000])]
    assert scan(evidence, CITY) is None  # the original is the evidence as received
    leak = scan([BagFile(f"originals/EX-0001_{CITY_LATIN}.jpg", [b"x"])], CITY_LATIN)
    assert leak is not None
    assert leak.name.startswith("bag/data/originals/")


def pdf_of(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def test_the_pdf_scan_finds_a_broken_persian_name_by_page_and_metadata_and_attachments():
    body = "<p>" + "متن " * 400 + "</p>"
    pdf = pdf_of(f'<html><body>{body}<p style="break-before: page" dir="rtl">'
                 "مأموران کیمیا نمونه‌زادهٔ بزرگ را در شهرکِ آزمایشی احضار کردند."
                 "</p></body></html>")
    watch = scanner_watch("کیمیا نمونه‌زاده")
    leak = leak_scan.scan_pdf(pdf, watch, lambda name: False)
    assert leak is not None
    assert (leak.part, leak.page) == (leak_scan.PAGE, 2)
    assert leak_scan.scan_pdf(pdf, scanner_watch("Khalili"), lambda name: False) is None

    titled = pdf_of(f"<html><head><title>{NAME_LATIN}</title></head><body>x</body></html>")
    leak = leak_scan.scan_pdf(titled, scanner_watch(NAME_LATIN), lambda name: False)
    assert leak is not None
    assert leak.part == leak_scan.METADATA

    attached = attach_files(pdf_of("<p>x</p>"), [
        Attachment("custody.jsonl", json.dumps({"by": NAME_FA}).encode(), "text/plain",
                   "log", "Data"),
        Attachment("EX-0001_photo.jpg", NAME_LATIN.encode(), "image/jpeg", "orig", "Source")])
    is_original: Callable[[str], bool] = {"EX-0001_photo.jpg"}.__contains__
    leak = leak_scan.scan_pdf(attached, scanner_watch(NAME_FA), is_original)
    assert leak is not None
    assert (leak.part, leak.name) == (leak_scan.ATTACHMENT,
                                                           "custody.jsonl")
    assert leak_scan.scan_pdf(attached, scanner_watch(NAME_LATIN), is_original) is None


def test_a_label_of_ours_holding_a_protected_word_is_not_a_leak_but_the_name_is():
    terms = redaction.DossierTerms(
        False, {"person-1": redaction.Protection(redaction.TermKind.PERSON, "FAM-900-P1")},
        (ProtectedTerm("Witness", "person-1"), ProtectedTerm("شاهد", "person-1")))
    watch = terms.watchlist(["R1 – identity of a victim, witness or relative",
                             "R1 – هویت جانباخته، شاهد یا یکی از بستگان"])
    # As printed, reordered by the extraction around its punctuation, wrapped.
    for text in ("Codes: R1 – identity of a victim, witness or relative",
                 "Codes: – R1 :identity of a victim, witness\nor relative",
                 "کدها: – R1 :هویت جانباخته، شاهد یا\nیکی از بستگان"):
        assert watch.first_in(text) is None, text
        assert watch.first_in(*text_extraction.joined(text)) is None, text
    assert watch.first_in("The witness Shahed: شاهد came.") == "person-1"
    # A word broken at a line end counts where the lines join, nowhere else.
    assert watch.first_in(*text_extraction.joined("He saw Wit-\nness at dawn.")) == "person-1"
    assert watch.first_in(*text_extraction.joined("Witness\nsaw it.")) is None
