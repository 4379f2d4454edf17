"""The dossier's HTML, from our own templates (templates/pdf/) and plain data.

The caller gives the Jinja environment (with gettext installed, autoescaping on) and
forces the rendering's locale around the call; nothing here reads a request, a user
or the database. `outline` names the blocks (each starts a page) in DESIGN §5 order;
`layout` aligns the variants on them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

from jinja2 import Environment
from markupsafe import Markup

from portal.calendar import DateInputError, format_both, guess_calendar, parse_date
from portal.calendar.parse import Calendar, ParsedDate, Precision
from portal.localization import persian_digits
from portal.pdf.assets import asset_url
from portal.pdf.context import PAGE_SIZES, RenderContext
from portal.pdf.document import DateText, DossierDocument
from portal.pdf.fonts import font_face_css
from portal.pdf.layout import pad_marker

BEFORE_PATTERNS = ("executive_summary", "methodology", "background", "other_proceedings",
                   "jurisdiction", "legal_characterisation", "admissibility")
AFTER_VICTIMS = ("requests", "evidence_handling")

# The abbreviations the list after the contents may give, each with how to find it in
# the printed text (case matters: "icc_prosecutor" is a stored value, not "ICC"). What
# each stands for is vocabulary (portal/vocabulary/dossiers.py ABBREVIATION_EXPANSIONS),
# read from `v.values["abbreviation:…"]`.
_WORD = r"(?<![\w.-]){}(?![\w-])"
ABBREVIATIONS: dict[str, re.Pattern[str]] = {
    short: re.compile(pattern) for short, pattern in (
        ("BdP", _WORD.format("BdP")), ("CAHWCA", _WORD.format("CAHWCA")),
        ("CGRI", _WORD.format("CGRI")), ("CIJ", _WORD.format("CIJ")),
        ("CPI", _WORD.format("CPI")), ("EX-", r"(?<![\w-])EX-\d{4}\b"),
        ("FAM-", r"(?<![\w-])FAM-\d+"), ("GRC", _WORD.format("GRC")),
        ("ICAO", _WORD.format("ICAO")), ("ICC", _WORD.format("ICC")),
        ("ICJ", _WORD.format("ICJ")), ("IRGC", _WORD.format("IRGC")),
        ("L.C.", r"(?<![\w.])L\.C\. \d{4}"), ("LCHCG", _WORD.format("LCHCG")),
        ("MOIS", _WORD.format("MOIS")), ("OACI", _WORD.format("OACI")),
        ("OTP", _WORD.format("OTP")), ("PS752", r"(?<![\w])PS752"),
        ("RCMP", _WORD.format("RCMP")), ("S.C.", r"(?<![\w.])S\.C\. \d{4}"),
        ("SHA-256", r"SHA-256"), ("UTC", _WORD.format("UTC")))}
_REASON_CODE = re.compile(r"\[REDACTED – (R\d)\]")


@dataclass(frozen=True)
class Block:
    id: str
    kind: str
    key: str = ""  # a section key, an incident position, an exhibit number


def outline(document: DossierDocument) -> list[Block]:
    """Every block of the dossier, in order (DESIGN §5). A section without text has
    none (a dossier made before a section was added has no row for it: no empty
    heading is printed for it)."""
    keys = {section.key for section in document.sections if section.markdown.strip()}
    blocks = [Block("blk-cover", "cover"), Block("blk-protection", "protection"),
              Block("blk-toc", "toc"), Block("blk-abbreviations", "abbreviations")]
    blocks += [Block(f"blk-{key}", "section", key) for key in BEFORE_PATTERNS if key in keys]
    blocks += [Block("blk-patterns", "patterns")]
    # Only when there are some (decision 0031): the blocks of dossiers without any, and
    # so their fixed paginations (decision 0022), are unchanged.
    blocks += [Block("blk-identifiers", "identifiers")] if document.identifiers else []
    blocks += [Block("blk-incidents", "incidents")]
    blocks += [Block(f"blk-inc-{i.position}", "incident", str(i.position))
               for i in document.incidents]
    blocks += [Block("blk-perpetrators", "perpetrators"), Block("blk-victims", "victims")]
    blocks += [Block(f"blk-{key}", "section", key) for key in AFTER_VICTIMS if key in keys]
    blocks += [Block("blk-signatures", "signatures")]
    blocks += [Block(f"blk-annex-{letter}", f"annex_{letter}") for letter in "abcd"]
    blocks += [Block(f"blk-ex-{e.number}", "exhibit", e.number)
               for e in document.exhibits if not e.withheld]
    return blocks


def abbreviations_used(document: DossierDocument, context: RenderContext) -> tuple[str, ...]:
    """The abbreviations the printed dossier uses, alphabetically, then the redaction
    codes it prints (R1...): read in every text of the document, the labels it prints
    (destination, kind, agencies, authorities, in the rendering's language), and the
    wording every dossier has (its references, SHA-256 in Annex A, UTC in Annex B when
    an exhibit is shown)."""
    values = context.vocabulary.values
    labels = [values.get(f"destination:{document.destination}", ""),
              values.get(f"dossier_kind:{document.kind}", "")]
    labels += [values.get(f"agency:{agency}", "") for incident in document.incidents
               for agency in incident.agencies]
    labels += [values.get(f"authority:{incident.authority}", "")
               for incident in document.incidents if incident.authority]
    printed = "\n".join([*_strings(asdict(document)), *labels, document.reference,
                         "SHA-256"])
    found = {short for short, pattern in ABBREVIATIONS.items() if pattern.search(printed)}
    if any(not e.left_out for e in document.exhibits):
        found.add("UTC")
    codes = sorted(set(document.redaction_reasons) | set(_REASON_CODE.findall(printed)))
    return (*sorted(found, key=str.casefold), *codes)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


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

    def day(value: object) -> str:
        """An ISO date (or the date of an ISO time) written in the rendering's language;
        in Persian, Solar Hijri beside Gregorian. Anything else is printed as it is."""
        return written_day(str(value or ""), context.locale)

    def listed(labels: list[str]) -> str:
        """Labels joined as the language writes a list ("a, b and c", "a، b و c")."""
        from babel.lists import format_list  # light; loaded on first use

        names = [str(label) for label in labels if label]
        return format_list(names, locale=context.locale) if names else "—"

    blocks = outline(document)
    css = env.get_template("pdf/dossier.css").render(
        doc=document, ctx=context, page_size=PAGE_SIZES[context.page_size],
        css_string=css_string, font_faces=Markup(font_face_css()))  # noqa: S704 - our CSS
    return env.get_template("pdf/dossier.html").render(
        doc=document, ctx=context, blocks=blocks, css=Markup(css),  # noqa: S704 - our CSS
        v=context.vocabulary, digits=digits, both=both, asset_url=asset_url, listed=listed, day=day,
        dir_of=lambda text: text_direction(str(text or "")),
        section_dir="rtl" if (document.rendered_language or document.language) == "fa"
        else "ltr",
        pad=lambda block_id: Markup(pad_marker(block_id)),  # noqa: S704 - fixed text
        lang=lambda code: language_name(code, context.locale),
        abbreviations=abbreviations_used(document, context),
        families={f.code: f for f in document.families},
        exhibits={e.number: e for e in document.exhibits},
        incidents={str(i.position): i for i in document.incidents})


def written_day(value: str, locale: str) -> str:
    """"2026-12-05" as "December 5, 2026", "5 décembre 2026" or "۱۴ آذر ۱۴۰۵ (۵ دسامبر
    ۲۰۲۶)"; a value that is no ISO date is returned as it is (in Persian digits in fa)."""
    from babel.dates import format_date  # light; loaded on first use

    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return persian_digits(value) if locale == "fa" else value
    if locale != "fa":
        return format_date(day, "long", locale=locale)
    stored = ParsedDate.from_stored(day, day, Precision.DAY, None, Calendar.GREGORIAN,
                                    day.isoformat())
    solar_hijri, gregorian = format_both(stored, "fa")
    return persian_digits(f"{solar_hijri} ({gregorian})")


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
