"""The dossier's HTML, from our own templates (templates/pdf/) and plain data.

The caller gives the Jinja environment (with gettext installed, autoescaping on) and
forces the rendering's locale around the call; nothing here reads a request, a user
or the database. `outline` names the blocks (each starts a page) in DESIGN §5 order;
`layout` aligns the variants on them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment
from markupsafe import Markup

from portal.calendar import DateInputError, format_both, guess_calendar, parse_date
from portal.calendar.parse import Calendar
from portal.localization import persian_digits
from portal.pdf.assets import asset_url
from portal.pdf.context import PAGE_SIZES, RenderContext
from portal.pdf.document import DateText, DossierDocument
from portal.pdf.fonts import font_face_css
from portal.pdf.layout import pad_marker

BEFORE_PATTERNS = ("executive_summary", "methodology", "background", "other_proceedings",
                   "jurisdiction", "legal_characterisation")
AFTER_VICTIMS = ("requests", "evidence_handling")


@dataclass(frozen=True)
class Block:
    id: str
    kind: str
    key: str = ""  # a section key, an incident position, an exhibit number


def outline(document: DossierDocument) -> list[Block]:
    """Every block of the dossier, in order (DESIGN §5)."""
    keys = {section.key for section in document.sections}
    blocks = [Block("blk-cover", "cover"), Block("blk-protection", "protection"),
              Block("blk-toc", "toc")]
    blocks += [Block(f"blk-{key}", "section", key) for key in BEFORE_PATTERNS if key in keys]
    blocks += [Block("blk-patterns", "patterns"), Block("blk-incidents", "incidents")]
    blocks += [Block(f"blk-inc-{i.position}", "incident", str(i.position))
               for i in document.incidents]
    blocks += [Block("blk-perpetrators", "perpetrators"), Block("blk-victims", "victims")]
    blocks += [Block(f"blk-{key}", "section", key) for key in AFTER_VICTIMS if key in keys]
    blocks += [Block("blk-signatures", "signatures")]
    blocks += [Block(f"blk-annex-{letter}", f"annex_{letter}") for letter in "abcd"]
    blocks += [Block(f"blk-ex-{e.number}", "exhibit", e.number)
               for e in document.exhibits if not e.withheld]
    return blocks


def text_direction(text: str) -> str:
    """"rtl" or "ltr" from the first strong character (what dir="auto" means in HTML;
    WeasyPrint does not implement dir="auto", so we decide before rendering)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def css_string(text: object) -> Markup:
    """A CSS string literal (for `content:` in margin boxes), safely quoted."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;()/-–_'" else f"\\{ord(ch):x} "
                      for ch in str(text))
    return Markup(f'"{escaped}"')  # noqa: S704 - every character escaped above


def dossier_html(env: Environment, document: DossierDocument, context: RenderContext) -> str:
    """The HTML of one variant in `context.locale`. Call inside force_locale(locale)."""
    persian = context.locale == "fa"

    def digits(value: object) -> str:
        return persian_digits(str(value)) if persian else str(value)

    def both(value: DateText | None) -> tuple[str, str]:
        if value is None:
            return "", ""
        if persian and value.original:
            return _persian_dates(value)
        return value.primary, value.secondary

    blocks = outline(document)
    css = env.get_template("pdf/dossier.css").render(
        doc=document, ctx=context, page_size=PAGE_SIZES[context.page_size],
        css_string=css_string, font_faces=Markup(font_face_css()))  # noqa: S704 - our CSS
    return env.get_template("pdf/dossier.html").render(
        doc=document, ctx=context, blocks=blocks, css=Markup(css),  # noqa: S704 - our CSS
        v=context.vocabulary, digits=digits, both=both, asset_url=asset_url,
        dir_of=lambda text: text_direction(str(text or "")),
        section_dir="rtl" if document.language == "fa" else "ltr",
        pad=lambda block_id: Markup(pad_marker(block_id)),  # noqa: S704 - fixed text
        lang=lambda code: language_name(code, context.locale),
        exhibits={e.number: e for e in document.exhibits},
        incidents={str(i.position): i for i in document.incidents})


def language_name(code: str, locale: str) -> str:
    """A language tag's name in the rendering's language ("fa" reads "persan" in French),
    the tag itself when Babel does not know it; "" for none."""
    from babel import Locale, UnknownLocaleError  # babel is light; loaded on first use

    code = (code or "").strip()
    if not code:
        return ""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return name or code


def _persian_dates(value: DateText) -> tuple[str, str]:
    """Solar Hijri first, Gregorian beside it, in Persian digits (the original as typed
    is re-read: the document carries dates formatted for the dossier's language)."""
    try:
        parsed = parse_date(value.original, guess_calendar(value.original) or Calendar.GREGORIAN,
                            today=date.max)
        primary, secondary = format_both(parsed, "fa")
    except (DateInputError, ValueError):
        return persian_digits(value.primary), persian_digits(value.secondary)
    return persian_digits(primary), persian_digits(secondary)
