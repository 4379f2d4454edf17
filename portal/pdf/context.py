"""What the PDF shows besides the document: labels in the rendering's language, the
derived images of the exhibits, custody logs, counts, the approval. Plain data only,
prepared by the caller (services), so templates cannot reach the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

PAGE_SIZES = {"a4": "A4", "letter": "Letter"}
LANGUAGES = ("en", "fr", "fa")


@dataclass(frozen=True)
class Vocabulary:
    """Labels in the rendering's language (built by the web layer, which owns them)."""

    values: Mapping[str, str]  # closed-list values: kinds, destinations, agencies, harms...
    types: Mapping[str, str]  # incident type code -> name
    countries: Mapping[str, str]  # ISO code -> name
    sections: Mapping[str, str]  # section key -> title
    exhibit_kinds: Mapping[str, str]
    custody_actions: Mapping[str, str]
    roles: Mapping[str, str]


@dataclass(frozen=True)
class ShownPage:
    """A further page of a PDF exhibit shown as a preview (page 1 is the rendition)."""

    number: int  # the page of the original (2, 3...)
    asset: str
    sha256: str
    redacted: bool = False  # a copy with marked areas blacked out (public variant)


@dataclass(frozen=True)
class ShownRendition:
    """The derived copy an exhibit shows (never the original: FIELD-NOTES)."""

    purpose: str  # viewing_copy, preview (first page of a PDF), poster, "" for none
    asset: str  # fetcher asset name, "" when there is no image to show
    sha256: str
    media_type: str
    note: str  # why nothing is shown, or what is shown (already translated)
    facts: tuple[tuple[str, str], ...] = ()  # (label, value): duration, pages, size...
    pages: tuple[ShownPage, ...] = ()  # PDF evidence: pages 2.. shown after page 1
    problem: bool = False  # a copy exists but could not be read back intact
    # What the public variant shows instead when the exhibit has redacted pages
    # (ExhibitEntry.shown "redacted_copy"): its page images, blacked out where marked.
    redacted: ShownRendition | None = None


@dataclass(frozen=True)
class CustodyLine:
    seq: int
    occurred_at: str  # UTC: to the minute (confidential), the day only (public)
    action: str
    role: str  # a Role value, "" for the portal itself
    person: str  # the username (confidential), "" in the public variant
    hash_after: str


@dataclass(frozen=True)
class PatternCounts:
    by_type: tuple[tuple[str, int], ...]
    by_year: tuple[tuple[int, int], ...]
    by_agency: tuple[tuple[str, int], ...]
    by_country: tuple[tuple[str, int], ...]
    timeline: tuple[tuple[str, int, tuple[str, ...]], ...]  # month, incidents, events


@dataclass(frozen=True)
class Approval:
    """The legal reviewer's approval as a variant may state it: the public variant
    names the reviewer by role only and carries no signed statement (it names them)."""

    role: str  # a Role value
    name: str  # "Full name, capacity" (confidential), "" (public, or not given)
    approved_on: str
    content_sha256: str
    signature: str  # the signed approval statement, "" in the public variant


@dataclass(frozen=True)
class RenderContext:
    locale: str  # en, fr or fa (the Persian rendering for the families)
    page_size: str  # a4 or letter
    submitter: str
    generated_on: str
    vocabulary: Vocabulary
    sections_html: Mapping[str, Markup]  # sanitised by the caller (render_markup)
    shown: Mapping[str, ShownRendition]  # exhibit number -> rendition
    custody: Mapping[str, tuple[CustodyLine, ...]]
    patterns: PatternCounts
    approval: Approval | None
    bundle_sha256: str = ""
    # Exhibit number -> the pages after the cover that a withheld sheet keeps (its copy
    # and page previews in the confidential variant), so that the exhibit's Bates range
    # is the same in both variants.
    withheld_pages: Mapping[str, int] = field(default_factory=dict)
    # Report id -> the legal reviewer's reason for approving its account without a
    # certified translation into the dossier's language ("translation to follow"),
    # printed where the translation would be (decision 0023).
    pending_translations: Mapping[int, str] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale == "fa" else "ltr"
