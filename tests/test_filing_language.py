"""One filing language, translations as evidence (decision 0023), on the demo dossier
PS752-0002: written in English, citing two accounts written in Persian (each with its
certified English translation), its sections translated into French and Persian by the
demo's advocate. It is exported from the command line as its approving legal reviewer
(what the export page does) in English, French and Persian, once each, shared by the
tests of this module (an export takes seconds).

- The English export prints each Persian account's certified translation beside it, and
  Annex D holds it.
- The French and Persian exports contain no English sentence the portal wrote: a word
  list finds English wording, and every sentence of the English export that reappears
  in them is one the portal did not translate. What people typed (the title, the
  English translations of the accounts, exhibit descriptions, names) is evidence and
  is taken out first.
- Without a current translation of every section (one missing, one made before its
  section changed) the export is refused, naming the sections; nothing is written.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from portal.cli.demo import DEMO_STAFF_PROFILES
from portal.cli.demo_data import DEMO_APPROVED_TITLE, DEMO_EXHIBITS
from portal.cli.demo_translations import (
    DEMO_ACCOUNT_TRANSLATIONS,
    DEMO_CERTIFICATES,
    DEMO_TRANSLATOR,
)
from portal.dependencies import crypto_kit
from portal.models import DossierExport, DossierSection, SectionTranslation, User, db
from portal.models.dossiers import Dossier
from portal.services.dossiers import export as export_service
from portal.services.dossiers.section_translations import missing_translations
from tests.test_fixed_pagination import seed_demo

LANGUAGES = ("en", "fr", "fa")
# English words that French and Persian never write as words of their own.
ENGLISH_WORDS = frozenset((
    "the", "of", "and", "to", "is", "was", "were", "which", "with", "this", "that", "by",
    "from", "has", "have", "not", "for", "been", "are", "its", "be", "each", "every", "any",
    "who", "when", "where", "what", "their", "they", "it", "in", "at", "no", "between"))
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass(frozen=True)
class Exports:
    text: dict[str, str]  # language -> pdftotext of the confidential PDF
    pages: dict[str, list[str]]
    typed: tuple[str, ...]  # what people typed that the exports print as it is
    refused_output: str
    refused_code: int
    refused_files: bool
    refusal_message: str  # the request's refusal (the page's check)
    missing: list[str]


def export_cli(app: Flask, dossier_id: int, language: str, out: Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=[
        "dossier", "export", str(dossier_id), "--variant", "confidential", "--lang", language,
        "--out", str(out), "--as", "reviewer"])


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def exports(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Exports:
    dossier_id = seed_demo(app)
    text, pages = {}, {}
    for language in LANGUAGES:
        out = tmp_path_factory.mktemp(f"export-{language}")
        result = export_cli(app, dossier_id, language, out)
        assert result.exit_code == 0, result.output
        pdf = out / f"PS752-0002-v1-confidential-{language}.pdf"
        text[language] = pdftotext(pdf)
        pages[language] = text[language].split("\f")
        # Kept for docs/screenshots/pdf (tests/test_filing_language.py renders them).
        (tmp_path_factory.getbasetemp() / f"filing-{language}.pdf").write_bytes(
            pdf.read_bytes())
    refusal_message, missing = _remove_a_translation(app, dossier_id)
    out = tmp_path_factory.mktemp("refused") / "out"
    refused = export_cli(app, dossier_id, "fr", out)
    typed = (DEMO_APPROVED_TITLE, *DEMO_ACCOUNT_TRANSLATIONS, DEMO_TRANSLATOR,
             *DEMO_CERTIFICATES.values(), *(d for _, _, d in DEMO_EXHIBITS),
             *(f for f, _, _ in DEMO_EXHIBITS), "(Sample) Made for the demo.",
             *(part for profile in DEMO_STAFF_PROFILES.values() for part in profile),
             app.config["PDF_SUBMITTER"])
    return Exports(text, pages, typed, refused.output, refused.exit_code, out.exists(),
                   refusal_message, missing)


def _remove_a_translation(app: Flask, dossier_id: int) -> tuple[str, list[str]]:
    """The French translation of the requests section is deleted and the Persian one of
    the background made stale (as if the section had changed after it): what the
    export page's request says, and what is missing."""
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        reviewer = db.session.scalars(select(User).where(User.username == "reviewer")).one()
        assert dossier is not None
        sections = {s.key: s.id for s in db.session.scalars(select(DossierSection).where(
            DossierSection.dossier_id == dossier_id))}
        db.session.execute(delete(SectionTranslation).where(
            SectionTranslation.section_id == sections["requests"],
            SectionTranslation.language == "fr"))
        stale = db.session.scalars(select(SectionTranslation).where(
            SectionTranslation.section_id == sections["background"],
            SectionTranslation.language == "fr")).one()
        stale.source_sha256 = "0" * 64
        db.session.commit()
        missing = missing_translations(crypto_kit(), dossier, "fr")
        try:
            export_service.request_export(crypto_kit(), reviewer, dossier,
                                          export_service.ExportOptions("confidential", "fr"))
        except export_service.TranslationsMissing as refusal:
            message = str(refusal.message)
        else:
            message = ""
        db.session.rollback()
        assert not db.session.scalars(select(DossierExport).where(
            DossierExport.language == "fr", DossierExport.stage == "queued")).first()
        return message, missing


def flat(text: str) -> str:
    return " ".join(text.replace("\u200c", "").split())


def words_of(text: str) -> list[str]:
    return _WORD.findall(text)


def portal_wording(exports: Exports, language: str) -> list[str]:
    """The export's words without what people typed (evidence, printed as written).
    Matched as runs of 3 words or more of a typed text: a Persian page breaks and
    reorders an English line around it, never the order of the words within a run."""
    words = words_of(flat(exports.text[language]))
    typed = [" " + " ".join(words_of(flat(text))) + " " for text in exports.typed]
    kept, start = [], 0
    while start < len(words):
        length = 0
        while start + length < len(words) and any(
                " " + " ".join(words[start:start + length + 1]) + " " in t for t in typed):
            length += 1
        if length >= 3:
            start += length
        else:
            kept.append(words[start])
            start += 1
    return kept


def english_runs(words: list[str]) -> list[str]:
    """Every run of 6 words of which at least 3 are English-only words."""
    found = []
    for start in range(len(words) - 5):
        window = words[start:start + 6]
        if sum(word.lower() in ENGLISH_WORDS for word in window) >= 3:
            found.append(" ".join(window))
    return found


def english_sentences(exports: Exports) -> set[str]:
    """The sentences of the English export the portal wrote (4 words or more), as words."""
    text = flat(exports.text["en"])
    found = set()
    for sentence in re.split(r"(?<=[.:;!?])\s", text):
        words = words_of(sentence)
        if len(words) >= 4 and sum(word.lower() in ENGLISH_WORDS for word in words) >= 2:
            found.add(" ".join(words))
    return found


def test_english_dossier_prints_the_certified_translation_beside_each_persian_account(
        exports: Exports) -> None:
    pages = [flat(page) for page in exports.pages["en"]]
    annex_d = next(n for n, page in enumerate(pages) if page.startswith(
        "Annex D: translations") or " Annex D: translations " in page[:200])
    for translation in DEMO_ACCOUNT_TRANSLATIONS:
        holding = [n for n, page in enumerate(pages) if flat(translation)[:60] in page]
        assert any(n < annex_d for n in holding), "not beside its account"
        assert annex_d in holding or annex_d + 1 in holding, "not in Annex D"
    account = next(page for page in pages if flat(DEMO_ACCOUNT_TRANSLATIONS[0])[:60] in page)
    assert "Translation (English, certified)" in account
    assert DEMO_TRANSLATOR in account
    assert "No account or exhibit of this dossier has a translation" not in pages[annex_d]


@pytest.mark.parametrize("language", ["fr", "fa"])
def test_a_translated_export_has_no_english_sentence_the_portal_wrote(
        exports: Exports, language: str) -> None:
    words = portal_wording(exports, language)
    runs = english_runs(words)
    wording = " " + " ".join(words) + " "
    repeated = sorted(s for s in english_sentences(exports) if f" {s} " in wording)
    assert not runs + repeated, (
        f"English in the {language} export:\n" + "\n".join(runs[:30] + repeated[:30]))


def test_the_translated_exports_print_the_sections_translations_facts_and_dates(
        exports: Exports) -> None:
    french, persian = flat(exports.text["fr"]), flat(exports.text["fa"])
    assert "La présente communication est soumise au nom de familles" in french
    assert "(Texte d'exemple rédigé pour la démo.)" in french
    assert "This communication is submitted on behalf" not in french
    assert " between " not in french
    assert flat("این گزارش از سوی خانواده‌های جان‌باختگان") in persian
    # Annex C names the sections' translator and certificate.
    assert flat(DEMO_CERTIFICATES["fr"]) in french
    # Dates in the export's language: French months; Solar Hijri beside Gregorian in Persian.
    assert re.search(r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
                     r"octobre|novembre|décembre) \d{4}", french)
    assert "January" not in french
    assert "دی" in persian
    assert "ژانویه" in persian


def test_without_every_sections_translation_the_export_is_refused_naming_them(
        exports: Exports) -> None:
    assert exports.missing == ["background", "requests"]
    assert "Background" in exports.refusal_message
    assert "Requests" in exports.refusal_message
    assert "French" in exports.refusal_message
    # The command line is refused the same way, before anything is queued or written.
    assert exports.refused_code != 0
    assert "Background" in exports.refused_output
    assert "Requests" in exports.refused_output
    assert not exports.refused_files
