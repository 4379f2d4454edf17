"""What the leak scan's refusal of an export says: which kind of protected term the
finished files still held, and where, never the term itself.

The export job stores the refusal as a short code on the export row
(`leak:<kind>:<part>:<where>`: the page number, or the file's name with any protected
term in it masked), which is never content; the status page and the command line
turn it into a translated message with `leak_message`.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.pdf import leak_scan
from portal.pdf.leak_scan import Leak
from portal.services.dossiers.redaction import DossierTerms, TermKind

PREFIX = "leak:"
MAX_CODE = 60  # DossierExport.error_code
MASK = "…"

KINDS: dict[str, LazyString] = {
    TermKind.PERSON: _l("a protected person's name"),
    TermKind.PLACE: _l("a protected place"),
    TermKind.REFERENCE: _l("a reference number"),
    TermKind.CONTACT: _l("a phone number or account"),
    TermKind.MARKED: _l("text marked for redaction"),
}
PLACES: dict[str, LazyString] = {
    leak_scan.PAGE: _l("on page %(where)s"),
    leak_scan.ANNOTATION: _l("in a link or note on page %(where)s"),
    leak_scan.BOOKMARKS: _l("in the PDF's bookmarks"),
    leak_scan.METADATA: _l("in the PDF's document properties"),
    leak_scan.ATTACHMENT: _l("in the attached file %(where)s"),
    leak_scan.PDF_DATA: _l("in the PDF's internal data"),
    leak_scan.BUNDLE: _l("in the bundle's file %(where)s"),
}


def leak_code(terms: DossierTerms, leak: Leak) -> str:
    """The refusal's code: the kind of the term that matched and where, with any
    protected term in a file's name masked, at most MAX_CODE characters."""
    if leak.part in (leak_scan.PAGE, leak_scan.ANNOTATION):
        where = str(leak.page)
    else:
        where = terms.matcher.redact(leak.name, lambda _match: MASK)
    return f"{PREFIX}{terms.kind_of(leak.code)}:{leak.part}:{where}"[:MAX_CODE]


def leak_message(code: str) -> str:
    """The translated refusal for a code of `leak_code`, in the current locale."""
    _prefix, kind, part, where = [*code.split(":", 3), "", "", ""][:4]
    found = KINDS.get(kind, KINDS[TermKind.MARKED])
    place = PLACES.get(part, PLACES[leak_scan.PDF_DATA])
    return str(_("Nothing was exported: the finished files still hold %(kind)s %(place)s, "
             "which redaction did not remove. Start a new version of the dossier, reword "
             "that text or mark it for redaction, and send it for review again.",
             kind=str(found), place=str(place) % {"where": where}))
