"""Bates numbers that never move (decision 0022): the demo dossier PS752-0002, approved,
exported twice in each variant from the command line as its approving legal reviewer
(`flask dossier export`, what the export page does). Each export adds "exported"
custody events, so the exports are interleaved (confidential, public, confidential,
public): the second export of a variant sees a longer custody log than the first.

Two exports of the same variant have the same pages and the same text on every page
(pdftotext page by page); both variants have the same page count and the same Bates
number on every page, and every exhibit starts on the same page. A version whose
block now needs more pages than were fixed at its first export is refused, nothing
stored."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import DossierExport, db
from portal.models.dossiers import Dossier
from portal.models.pagination import FixedPagination

VARIANTS = ("confidential", "public")
BATES = re.compile(r"PS752-0002-(\d{6})")


@dataclass(frozen=True)
class Exported:
    pdf: bytes
    pages: list[str]  # pdftotext of each page
    destinations: dict[str, int]  # named destination -> 0-based page index


def seed_demo(app: Flask) -> int:
    """`flask demo seed` (a development instance's command), then PS752-0002's id."""
    previous = app.config["ENV"]
    app.config["ENV"] = "development"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
    finally:
        app.config["ENV"] = previous
    assert result.exit_code == 0, result.output
    with app.app_context():
        return int(db.session.scalars(select(Dossier.id).where(Dossier.number == 2)).one())


def export_cli(app: Flask, dossier_id: int, variant: str, out: Path):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=[
        "dossier", "export", str(dossier_id), "--variant", variant, "--lang", "en",
        "--out", str(out), "--as", "reviewer"])


def read_export(pdf_path: Path) -> Exported:
    pdf = pdf_path.read_bytes()
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True,
                          capture_output=True, text=True).stdout
    with pikepdf.open(pdf_path) as document:
        index: dict[object, int] = {page.objgen: n for n, page in enumerate(document.pages)}
        names = pikepdf.NameTree(document.Root.Names.Dests)
        destinations = {str(name): index[names[name][0].objgen] for name in names}
        count = len(document.pages)
    pages = text.split("\f")[:count]
    assert len(pages) == count
    return Exported(pdf, pages, destinations)


@dataclass(frozen=True)
class Run:
    exports: dict[str, list[Exported]]  # variant -> two exports, in the order made
    fixed: dict[str, int]  # the stored pagination: block id -> pages
    refused_output: str  # `flask dossier export` of a block grown past its fixed pages
    refused_code: int
    refused_stage: str
    refused_stored: bool  # a PDF or bundle blob was kept
    refused_files: bool  # files were written into --out


@pytest.fixture(scope="module")
def run(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One demo seed, four exports, then one refused: shared by the tests of this
    module (an export takes seconds; the tables are emptied after the first test, the
    files and what was read stay)."""
    dossier_id = seed_demo(app)
    done: dict[str, list[Exported]] = {variant: [] for variant in VARIANTS}
    for round_ in (1, 2):
        for variant in VARIANTS:
            out = tmp_path_factory.mktemp(f"{variant}-{round_}")
            result = export_cli(app, dossier_id, variant, out)
            assert result.exit_code == 0, result.output
            done[variant].append(read_export(out / f"PS752-0002-v1-{variant}-en.pdf"))
    with app.app_context():
        [row] = db.session.scalars(select(FixedPagination)).all()  # fixed once: en, a4
        assert (row.language, row.page_size) == ("en", "a4")
        fixed = row.block_pages
        # A block that would now take more pages than stored (simulated: the cover's
        # one page stored as none) would move every Bates number after it.
        grown = {**fixed, "blk-cover": 0}
        row.blocks = [[block, pages] for block, pages in grown.items()]
        db.session.commit()
    out = tmp_path_factory.mktemp("refused") / "out"
    refused = export_cli(app, dossier_id, "confidential", out)
    with app.app_context():
        last = db.session.scalars(select(DossierExport).order_by(DossierExport.id.desc())
                                  ).first()
        assert last is not None
        stage, stored = last.stage.value, bool(last.pdf_blob_key or last.bundle_blob_key)
    return Run(done, fixed, refused.output, refused.exit_code, stage, stored, out.exists())


def test_exporting_a_variant_again_gives_the_same_pages_and_text(run: Run) -> None:
    for variant, (first, second) in run.exports.items():
        assert len(first.pages) == len(second.pages), variant
        for number, (a, b) in enumerate(zip(first.pages, second.pages, strict=True), 1):
            assert a == b, f"{variant}: page {number} differs between two exports"
        assert first.destinations == second.destinations, variant


def test_both_variants_carry_the_same_bates_number_on_every_page(run: Run) -> None:
    confidential, public = run.exports["confidential"][0], run.exports["public"][0]
    assert len(confidential.pages) == len(public.pages) == sum(run.fixed.values())
    for number, (a, b) in enumerate(zip(confidential.pages, public.pages, strict=True), 1):
        expected = [f"{number:06d}"]
        assert BATES.findall(a)[-1:] == expected, f"confidential page {number}"
        assert BATES.findall(b)[-1:] == expected, f"public page {number}"
        assert f"Page {number} of {len(public.pages)}" in a
        assert f"Page {number} of {len(public.pages)}" in b
        assert "CONFIDENTIAL" in a
        assert "PUBLIC" in b


def test_every_block_and_exhibit_starts_on_the_same_page_in_both_variants(run: Run) -> None:
    confidential, public = run.exports["confidential"][0], run.exports["public"][0]
    starts = {name: page for name, page in confidential.destinations.items()
              if name.startswith(("blk-", "ex-EX-"))}
    assert "ex-EX-0001" in starts
    assert starts == {name: public.destinations[name] for name in starts}
    # The exhibit's cover says its Bates range, and starts with the Bates number of
    # the page it is on, in both variants.
    first = f"PS752-0002-{starts['ex-EX-0001'] + 1:06d}"
    for variant in (confidential, public):
        cover = variant.pages[starts["ex-EX-0001"]]
        assert "EX-0001" in cover
        assert first in cover


def test_a_version_whose_block_needs_more_pages_than_fixed_is_refused(run: Run) -> None:
    """Nothing is written or stored, and the reviewer reads why."""
    assert run.refused_code != 0
    assert "page numbers were fixed at its first export" in run.refused_output
    assert "Nothing was exported." in run.refused_output
    assert (run.refused_stage, run.refused_stored, run.refused_files) == ("failed", False, False)
