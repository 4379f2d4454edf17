"""Render benchmark of the dossier PDF: 50, 200 and 500 incidents, one image exhibit
per two incidents, both variants laid out (as an export does: the confidential one
measured and written segment by segment, of the public one only the blocks whose HTML
differs). Each size runs in a fresh process so that its peak RSS is its own.

    python -m bench.dossier            # all sizes, a table for docs/benchmarks.md
    python -m bench.dossier --one 200  # one size, JSON

Targets: at 200 incidents ≥ 10 pages/s and ≤ 300 MiB, time growing linearly.
Fictional data only; no database (the renderer works on plain data).
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from PIL import Image, ImageDraw

from portal.pdf.context import PatternCounts, RenderContext, ShownRendition, Vocabulary
from portal.pdf.document import (
    DateText,
    DossierDocument,
    ExhibitEntry,
    IncidentEntry,
    SectionText,
)
from portal.pdf.fetcher import Asset
from portal.pdf.fonts import font_assets
from portal.pdf.html import dossier_html, outline
from portal.pdf.layout import LayoutJob
from portal.pdf.worker import render_isolated

SIZES = (50, 200, 500)
NARRATIVE = ("Two men who said they were from the intelligence service called my mother "
             "and told her that the family must stop speaking to foreign media. ") * 4
PERSIAN = "مأموران وزارت اطلاعات با مادرم تماس گرفتند و گفتند خانواده باید سکوت کند. "


class Facts:
    incident_count = family_count = exhibit_count = 0
    first_day = last_day = None
    countries: tuple[str, ...] = ("IR", "CA")
    agencies: tuple[str, ...] = ("irgc_intelligence",)


def _image(seed: int) -> bytes:
    picture = Image.new("RGB", (1024, 768), (40 + seed % 200, 90, 140))
    ImageDraw.Draw(picture).rectangle((100, 100, 900, 600), outline=(255, 255, 255), width=8)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def document(count: int, variant: str) -> tuple[DossierDocument, dict[str, Asset],
                                                dict[str, ShownRendition]]:
    exhibits, assets, shown = [], {}, {}
    for n in range(1, count // 2 + 1):
        number = f"EX-{n:04d}"
        exhibits.append(ExhibitEntry(number, f"Photo {n}", "photo", "1398/10/18", "FAM-001",
                                     "family", "image/jpeg", 120_000, "a" * 64, "b" * 64,
                                     "viewing_copy", "confidential", (n * 2,), False, ()))
        assets[f"exhibit/{number}"] = Asset("image/jpeg", _image(n))
        shown[number] = ShownRendition("viewing_copy", f"exhibit/{number}", "b" * 64,
                                       "image/jpeg", "")
    place = "Tehran" if variant == "confidential" else "[REDACTED – R2]"
    incidents = tuple(IncidentEntry(
        i, i, 1, f"FAM-{i % 40:03d}", DateText("8 January 2020", "18 Dey 1398", "1398/10/18"),
        None, "IR", place, place, "home", "", "", "IR", "IR", ("summons",),
        ("irgc_intelligence",), "interview", NARRATIVE + PERSIAN, "en", (), "Stop talking.",
        "", "", ("FAM-001-P1",), ("fear",), "", "", "", "not_verified", (),
        (f"EX-{(i + 1) // 2:04d}",) if i % 2 == 0 else ()) for i in range(1, count + 1))
    sections = tuple(SectionText(key, "Text of the section. " * 30) for key in (
        "executive_summary", "methodology", "background", "other_proceedings",
        "jurisdiction", "legal_characterisation", "requests", "evidence_handling"))
    doc = DossierDocument(variant, 3, 1, "PS752-0003", "Benchmark dossier", "article_15",
                          "icc_prosecutor", "en", variant, "", None, ("advocate1",),
                          sections, incidents, tuple(exhibits), Facts(), ())
    return doc, assets, shown


def context(shown: dict[str, ShownRendition], doc: DossierDocument) -> RenderContext:
    empty: dict[str, str] = {}
    vocabulary = Vocabulary(empty, empty, empty, empty, empty, empty, empty)
    return RenderContext(
        locale="en", page_size="a4", submitter="Benchmark", generated_on=date.today().isoformat(),
        vocabulary=vocabulary,
        sections_html={s.key: Markup("<p>" + s.markdown + "</p>") for s in doc.sections},  # noqa: S704
        shown=shown, custody={}, patterns=PatternCounts((), (), (), (), ()), approval=None)


def run_one(count: int) -> dict[str, float]:
    env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    htmls, assets = {}, dict(font_assets())
    for variant in ("confidential", "public"):
        doc, images, shown = document(count, variant)
        assets.update(images)
        htmls[variant] = dossier_html(env, doc, context(shown, doc))
    job = LayoutJob(htmls=htmls, css="", assets=assets, blocks=[b.id for b in outline(doc)],
                    pad_html='<div class="pad-page">blank</div>', wanted=("confidential",))
    started = time.monotonic()
    report = render_isolated(job, max_memory_bytes=4 << 30, max_seconds=1800)
    seconds = time.monotonic() - started
    pdf = report.pdfs["confidential"]
    return {"incidents": count, "pages": pdf.page_count, "seconds": round(seconds, 2),
            "pages_per_s": round(pdf.page_count / seconds, 1), "layouts": report.layouts,
            "pages_laid_out": report.pages_laid_out, "segments": report.segments,
            "pages_laid_out_per_s": round(report.pages_laid_out / seconds, 1),
            # The render child (the largest child): the renderer's peak.
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "pdf_mib": round(len(pdf.pdf) / 2**20, 1)}


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--one":
        print(json.dumps(run_one(int(argv[1]))))
        return 0
    print("| incidents | pages | seconds | pages/s (written) | passes | segments "
          "| pages laid out | pages laid out/s | peak RSS MiB | PDF MiB | load (1 min) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in SIZES:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # before this size
        out = subprocess.run([sys.executable, "-m", "bench.dossier", "--one", str(size)],  # noqa: S603
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['incidents']} | {r['pages']} | {r['seconds']} | {r['pages_per_s']} "
              f"| {r['layouts']} | {r['segments']} | {r['pages_laid_out']} "
              f"| {r['pages_laid_out_per_s']} | {r['peak_rss_mib']} | {r['pdf_mib']} "
              f"| {load} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
