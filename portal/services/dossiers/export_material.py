"""What an export shows besides the assembled document: the derived image of each
exhibit (decrypted here, handed to the renderer as an asset), its custody log, the
counts of the pattern analysis, the approval, and the manifests embedded in the PDF.

Only derived renditions are ever shown (re-encoded without metadata, FIELD-NOTES);
an original never reaches WeasyPrint. An exhibit the public variant shows as a
redacted copy (`assembly.REDACTED_COPY`) shows there its page images, blacked out
where marked (redacted_renditions.py), and nothing else of it. A public export
shows nothing of an exhibit it withholds (no rendition, custody or hash:
`assembly.treatment`) and names staff by role only; its custody log is a chain of its
own (public_custody.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import replace
from itertools import takewhile

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit.chain import ChainPosition
from portal.audit.checkpoint import audit_head_record
from portal.audit.custody import custody_of, custody_values, purposes_of
from portal.crypto.kit import CryptoKit
from portal.localization import persian_digits
from portal.media.pdf import page_count
from portal.models import DossierReview, db
from portal.models.dossiers import Dossier, DossierExhibit
from portal.models.evidence import CustodyEvent, EvidenceItem
from portal.pdf.assets import Asset
from portal.pdf.context import Approval, CustodyLine, PatternCounts, ShownPage, ShownRendition
from portal.pdf.document import DossierDocument
from portal.services.dossiers.assembly import (
    CONFIDENTIAL,
    PUBLIC,
    REDACTED_COPY,
    SHOWN,
    exhibit_label,
    treatment,
)
from portal.services.dossiers.patterns import pattern_analysis
from portal.services.dossiers.public_custody import public_jsonl, public_rows
from portal.services.dossiers.redacted_renditions import public_pages
from portal.services.renditions import metadata_of, page_renditions, read_rendition
from portal.services.staff_profile import has_profile, profile_of
from portal.storage import BlobStore

SHOWN_PURPOSES = ("viewing_copy", "preview", "poster")  # in order of preference
SAFE_FACTS = ("duration", "duration_seconds", "pages", "page_count", "width", "height",
              "format_name", "codec_name")


def shown_renditions(kit: CryptoKit, store: BlobStore, dossier: Dossier
                     ) -> tuple[dict[str, ShownRendition], dict[str, Asset]]:
    """The rendition each produced exhibit shows, and its bytes as fetcher assets."""
    shown: dict[str, ShownRendition] = {}
    assets: dict[str, Asset] = {}
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        number = exhibit_label(exhibit.number)
        shown[number] = _shown(kit, store, exhibit, number, assets)
        if treatment(exhibit, PUBLIC) == REDACTED_COPY:
            shown[number] = replace(shown[number], redacted=_redacted(
                kit, store, exhibit, number, shown[number], assets))
    return shown, assets


def shown_in(document: DossierDocument, shown: Mapping[str, ShownRendition]
             ) -> dict[str, ShownRendition]:
    """The renditions `document` shows: none of an exhibit it leaves out (the public
    variant's withheld sheet shows no copy and names none), and of an exhibit shown as
    a redacted copy, that copy alone (never the unredacted one, even if it is missing)."""
    chosen: dict[str, ShownRendition] = {}
    for e in document.exhibits:
        if e.left_out or e.number not in shown:
            continue
        if e.shown == REDACTED_COPY:
            redacted = shown[e.number].redacted
            if redacted is not None:
                chosen[e.number] = redacted
            continue
        chosen[e.number] = shown[e.number]
    return chosen


def withheld_pages(document: DossierDocument, shown: Mapping[str, ShownRendition]
                   ) -> dict[str, int]:
    """For each withheld sheet of `document`, the pages the exhibit has after its cover
    in the confidential variant (its copy, then each page preview), which the sheet
    keeps so that the exhibit's Bates range is the same in both variants."""
    return {e.number: 1 + (len(shown[e.number].pages) if e.number in shown else 0)
            for e in document.exhibits if e.sheet}


def _shown(kit: CryptoKit, store: BlobStore, exhibit: DossierExhibit, number: str,
           assets: dict[str, Asset]) -> ShownRendition:
    item = exhibit.evidence
    metadata = _metadata(kit, item)
    facts = _facts(metadata)
    by_purpose = {r.purpose: r for r in item.renditions}
    rendition = next((by_purpose[p] for p in SHOWN_PURPOSES if p in by_purpose), None)
    if rendition is None:
        return ShownRendition("", "", "", "", _(
            "No copy of this exhibit can be shown on paper (sound, an unreadable or "
            "unsupported file). The original is in the evidence bundle."), facts)
    try:
        data = read_rendition(kit, store, rendition)
    except ValueError:  # renditions.RenditionUnreadable: altered, missing, not an image
        return ShownRendition(rendition.purpose, "", rendition.sha256, rendition.media_type,
                              _("The copy of this exhibit could not be read back intact; "
                                "it is not shown. The original is in the evidence bundle."),
                              facts, problem=True)
    name = f"exhibit/{number}"
    assets[name] = Asset(rendition.media_type, data)
    if rendition.purpose == "preview":
        pages, note = _pdf_pages(kit, store, item, number, page_count(metadata), assets)
        return ShownRendition(rendition.purpose, name, rendition.sha256, rendition.media_type,
                              note, facts, pages=pages)
    notes = {"poster": _("A still frame of the video. The recording is in the evidence "
                         "bundle.")}
    return ShownRendition(rendition.purpose, name, rendition.sha256, rendition.media_type,
                          notes.get(rendition.purpose, ""), facts)


def _redacted(kit: CryptoKit, store: BlobStore, exhibit: DossierExhibit, number: str,
              unredacted: ShownRendition, assets: dict[str, Asset]) -> ShownRendition:
    """What the public variant shows of an exhibit with redacted pages: the pages the
    confidential variant shows (so the Bates ranges stay the same), each marked one
    replaced by its redacted copy. A marked page whose copy cannot be read back intact
    is left out, never shown unredacted."""
    marked = public_pages(exhibit)

    def copy_of(page: int, asset: str, sha256: str) -> tuple[str, str, bool] | None:
        rendition = marked.get(page)
        if rendition is None:
            return asset, sha256, False
        try:
            data = read_rendition(kit, store, rendition)
        except ValueError:  # renditions.RenditionUnreadable
            return None
        name = f"exhibit/{number}/redacted/page-{page}"
        assets[name] = Asset(rendition.media_type, data)
        return name, rendition.sha256, True

    pages = []
    for page in unredacted.pages:
        found = copy_of(page.number, page.asset, page.sha256)
        if found is not None:
            pages.append(ShownPage(page.number, *found))
    first = copy_of(1, unredacted.asset, unredacted.sha256)
    if first is None or not first[0]:
        return ShownRendition(REDACTED_COPY, "", "", "", _(
            "The redacted copy of this exhibit could not be read back intact; it is not "
            "shown."), unredacted.facts, pages=tuple(pages), problem=True)
    # The purpose says whether page 1 itself is redacted (else it is the page preview).
    purpose, media_type = ((REDACTED_COPY, marked[1].media_type) if first[2]
                           else (unredacted.purpose, unredacted.media_type))
    return ShownRendition(purpose, first[0], first[1], media_type,
                          unredacted.note if unredacted.pages else "", unredacted.facts,
                          pages=tuple(pages))


def _pdf_pages(kit: CryptoKit, store: BlobStore, item: EvidenceItem, number: str, total: int,
               assets: dict[str, Asset]) -> tuple[tuple[ShownPage, ...], str]:
    """Pages 2.. of a PDF exhibit that have a preview, and the note saying which pages
    are shown (those beyond the previews, or unreadable, are named as not shown)."""
    pages: list[ShownPage] = []
    unreadable: list[int] = []
    for page, rendition in page_renditions(item):
        if page == 1:
            continue
        try:
            data = read_rendition(kit, store, rendition)
        except ValueError:
            unreadable.append(page)
            continue
        name = f"exhibit/{number}/page-{page}"
        assets[name] = Asset(rendition.media_type, data)
        pages.append(ShownPage(page, name, rendition.sha256))
    last = max([1, *(p.number for p in pages), *unreadable])
    total = max(total, last)
    notes = [_("Pages shown: %(pages)s of %(total)s.",
               pages=", ".join(str(n) for n in [1, *(p.number for p in pages)]), total=total)]
    if unreadable:
        notes.append(_("Pages %(pages)s could not be read back intact and are not shown.",
                       pages=", ".join(str(n) for n in unreadable)))
    if total > last:
        notes.append(_("Pages %(first)s–%(last)s are not shown.", first=last + 1, last=total)
                     if total > last + 1 else _("Page %(page)s is not shown.", page=total))
    notes.append(_("The whole document is in the evidence bundle."))
    text = " ".join(notes)
    return tuple(pages), persian_digits(text) if str(get_locale()) == "fa" else text


def _metadata(kit: CryptoKit, item: EvidenceItem) -> dict[str, object]:
    try:
        return metadata_of(kit, item)
    except Exception:  # a metadata record that cannot be read is not worth failing for
        return {}


def _facts(metadata: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """A few technical facts (duration, pages, size) from the extracted metadata,
    never names, places or devices."""
    flat: dict[str, object] = {}
    for key, value in metadata.items():
        if isinstance(value, Mapping):
            flat.update({k: v for k, v in value.items() if k not in flat})
        else:
            flat[key] = value
    return tuple((key, str(flat[key])[:40]) for key in SAFE_FACTS
                 if key in flat and isinstance(flat[key], str | int | float))


def _exhibits_shown(dossier: Dossier, variant: str) -> list[tuple[str, DossierExhibit]]:
    return [(exhibit_label(e.number), e) for e in dossier.exhibits
            if treatment(e, variant) in SHOWN]


def custody_lines(dossier: Dossier, variant: str) -> dict[str, tuple[CustodyLine, ...]]:
    """Annex B: the custody of each exhibit the variant shows, as it stood when the
    dossier was approved; in the public variant, the rows of its own log (the day, the
    role), in the confidential one every event. Events after the approval (each
    export's own "exported" events, views) are not printed: they would lengthen the
    annex with every export and move the pages after it (decision 0022). The
    attached custody.jsonl carries the whole log; the rows printed are its first rows
    for each exhibit, with the same hashes."""
    lines: dict[str, list[CustodyLine]] = {}
    exhibits = _exhibits_shown(dossier, variant)
    if variant != CONFIDENTIAL:
        last = {number: max((e.seq for e in _at_approval(dossier, exhibit)), default=0)
                for number, exhibit in exhibits}
        for row in public_rows(exhibits):
            if row.seq <= last[row.exhibit]:
                lines.setdefault(row.exhibit, []).append(CustodyLine(
                    seq=row.seq, occurred_at=row.day, action=row.action, role=row.role,
                    person="", hash_after=row.hash_after))
        return {number: tuple(rows) for number, rows in lines.items()}
    for number, exhibit in exhibits:
        lines[number] = [CustodyLine(
            seq=event.seq, occurred_at=event.occurred_at.strftime("%Y-%m-%d %H:%M"),
            action=event.action, role=event.actor_role, person=event.actor_label,
            hash_after=event.hash_after) for event in _at_approval(dossier, exhibit)]
    return {number: tuple(rows) for number, rows in lines.items()}


def _at_approval(dossier: Dossier, exhibit: DossierExhibit) -> list[CustodyEvent]:
    """The exhibit's custody events up to the dossier's approval (all of them while it
    has none): the first events of its chain, up to the first one recorded after it."""
    events = custody_of(exhibit.evidence)
    approved_at = dossier.approved_at
    if approved_at is None:
        return events
    return list(takewhile(lambda event: event.occurred_at <= approved_at, events))


def pattern_counts(dossier: Dossier, locale: str) -> PatternCounts:
    patterns = pattern_analysis(dossier)
    return PatternCounts(
        by_type=patterns.by_type, by_year=patterns.by_year, by_agency=patterns.by_agency,
        by_country=tuple((c.code, c.incidents) for c in patterns.by_country),
        timeline=tuple((m.month, m.incidents, tuple(e.title(locale) for e in m.moments))
                       for m in patterns.timeline))


def approval_of(kit: CryptoKit, dossier: Dossier, variant: str) -> Approval | None:
    """The approval as `variant` states it: the confidential variant names the legal
    reviewer by their full name and capacity (by role while they have given none: the
    export of that variant is refused then, see `approval_refusal`), with the signed
    statement; the public variant by role only, without the statement (it names them).
    Never by username."""
    review = next(iter(dossier_reviews(dossier, "approved")), None)
    if review is None:
        return None
    confidential = variant == CONFIDENTIAL
    profile = profile_of(kit, review.reviewer) if confidential else None
    return Approval(role=review.reviewer.role.value,
                    name=f"{profile.full_name}, {profile.capacity}"
                    if profile and profile.complete else "",
                    approved_on=review.created_at.date().isoformat(),
                    content_sha256=review.content_hash,
                    signature=review.signature if confidential else "")


def approval_refusal(dossier: Dossier, variant: str) -> str | None:
    """Why `variant` cannot be exported yet, or None: the confidential variant names
    the approving legal reviewer, who must first give their full name and capacity."""
    review = next(iter(dossier_reviews(dossier, "approved")), None)
    if variant != CONFIDENTIAL or review is None or has_profile(review.reviewer):
        return None
    return str(_("The confidential variant names the legal reviewer who approved the "
                 "dossier. Add your full name and capacity on your account page before "
                 "exporting it."))


def dossier_reviews(dossier: Dossier, decision: str) -> list[DossierReview]:
    return list(db.session.scalars(select(DossierReview).where(
        DossierReview.dossier_id == dossier.id, DossierReview.decision == decision)
        .order_by(DossierReview.id.desc())))


def manifest(document: DossierDocument, shown: Mapping[str, ShownRendition],
             export_id: int, content_sha256: str,
             audit_head: ChainPosition,
             bundle_files: Mapping[str, str] | None = None) -> dict[str, object]:
    """manifest.json: what the PDF is, the SHA-256 of every exhibit and rendition, and
    the audit log's head at export time: every dossier kept outside is a witness that
    `flask audit verify --checkpoint` checks the log against (decision 0013). An
    exhibit the variant leaves out is listed as withheld, with nothing of it.
    `bundle_files` (path under the bag's data/ -> SHA-256) lists every file of the
    bundle but manifest.json itself, so that the offline verifier fails a bundle with a
    file removed, added or changed even when its bag was rebuilt (decision 0019)."""
    shown = shown_in(document, shown)
    listed = ({"bundle_files": [{"path": path, "sha256": sha}
                                for path, sha in sorted(bundle_files.items())]}
              if bundle_files is not None else {})
    return {**listed,
        "format": "ps752-dossier-manifest/1", "dossier": document.reference,
        "version": document.version, "variant": document.variant, "export": export_id,
        "content_sha256": content_sha256, "audit_head": audit_head_record(audit_head),
        "exhibits": [
            {"number": e.number, "withheld": e.left_out, "kind": e.kind,
             "media_type": e.media_type, "size_bytes": e.size_bytes, "sha256": e.sha256,
             "rendition_shown": {"purpose": shown[e.number].purpose,
                                 "sha256": shown[e.number].sha256}
             if e.number in shown and shown[e.number].sha256 else None,
             "pages_shown": [{"page": p.number, "sha256": p.sha256, "redacted": p.redacted}
                             for p in shown[e.number].pages] if e.number in shown else [],
             "redacted_copy": e.shown == REDACTED_COPY,
             "language": e.language,
             "reports": list(e.reports)}
            for e in document.exhibits],
    }


def exhibits_csv(document: DossierDocument) -> bytes:
    """exhibits.csv: e-Court-style index fields (number, Bates prefix, title, date...)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["exhibit", "bates_prefix", "title", "date_claimed", "kind", "creator",
                     "source", "language", "media_type", "size_bytes", "sha256",
                     "classification", "withheld", "reports"])
    for e in document.exhibits:
        writer.writerow([e.number, document.reference, e.title, e.claimed_date, e.kind,
                         e.creator, e.source, e.language, e.media_type, e.size_bytes, e.sha256,
                         e.classification, "yes" if e.left_out else "no",
                         " ".join(str(r) for r in e.reports)])
    return out.getvalue().encode("utf-8")


def custody_jsonl(kit: CryptoKit, dossier: Dossier, variant: str) -> bytes:
    """custody.jsonl: one line per custody event of every exhibit the variant shows.
    The confidential variant gives the full chain: `prev_hash`, `row_hash` and
    `hashed`, exactly what the event's hash covers (portal/audit/hashing.py), so that
    the offline verifier recomputes every hash. The public variant gives its own log
    (public_custody.py: the day, the role, no name, id or purpose, chained on its
    own). Computed once per export: the PDF and the bundle carry the same bytes even if
    an exhibit is viewed meanwhile."""
    exhibits = _exhibits_shown(dossier, variant)
    if variant != CONFIDENTIAL:
        return public_jsonl(public_rows(exhibits))
    records = []
    for number, exhibit in exhibits:
        events = custody_of(exhibit.evidence)
        purposes = purposes_of(kit, events)  # sealed apart from the events (decision 0014)
        for event in events:
            record: dict[str, object] = {
                "exhibit": number, "seq": event.seq,
                "at": event.occurred_at.strftime("%Y-%m-%d %H:%M"), "action": event.action,
                "by": f"{event.actor_label} ({event.actor_role})" if event.actor_label
                else event.actor_role,
                "hash_after": event.hash_after, "prev_hash": event.prev_hash,
                "row_hash": event.row_hash,
                "hashed": custody_values(event, purposes.get(event.id, ""))}
            records.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return "".join(records).encode("utf-8")
