"""What a failed export's code means, in the reader's language: one place for the
status page and `flask dossier export`.

The export job stores a short code on the export row (never a name or a term that
leaked): `integrity:EX-0003`, `export_<Refusal>`, `render_<reason>`, `leak:…`.
"""

from __future__ import annotations

from flask_babel import gettext

from portal.services.dossiers.leaks import PREFIX as LEAK_PREFIX
from portal.services.dossiers.leaks import leak_message

RENDER_LIMITS = ("render_timeout", "render_out_of_memory", "render_crashed")


def _(message: str, **values: str) -> str:
    return str(gettext(message, **values))


def failure_message(code: str) -> str:
    """The translated reason an export failed, for its code (in the current locale)."""
    if code.startswith(LEAK_PREFIX):
        return leak_message(code)
    if code.startswith("integrity:"):
        return _("Exhibit %(number)s failed its integrity check. Nothing was exported. Tell "
                 "an administrator: the vault must be checked.",
                 number=code.removeprefix("integrity:"))
    known = {
        "export_ContentChanged": lambda: _(
            "The dossier's content no longer matches what was approved. An advocate must "
            "start a new version of it and send it for review again."),
        "export_SigningKeysMissing": lambda: _(
            "The portal has no usable signing keys. Nothing was exported. Tell an "
            "administrator: the signing keys must be set up (flask signing init)."),
        "export_FontsMissing": lambda: _(
            "The fonts the PDF needs are not installed on the server. Nothing was "
            "exported."),
        "export_PaginationMoved": lambda: _(
            "This version's page numbers were fixed at its first export, and it can no "
            "longer be laid out on the same pages (a part of it now needs more pages, or "
            "the portal now adds a part it did not have): its Bates numbers would move. "
            "Nothing was exported. An advocate must start a new version of the dossier "
            "and send it for review again."),
        "export_TranslationsMissing": lambda: _(
            "A section of the dossier has no translation into the language of this export "
            "made from its current text. Nothing was exported. The advocates must translate "
            "every section, then the dossier must be approved again."),
        "export_LeakCheckFailed": lambda: _(
            "The finished files could not be checked for protected names, places and "
            "references. Nothing was exported."),
    }
    if code in known:
        return known[code]()
    if code in RENDER_LIMITS:
        return _("The PDF took too long or too much memory to render. Nothing was exported.")
    if code.startswith("render_"):
        return _("The PDF could not be rendered within the memory and time it is allowed, "
                 "or the renderer failed. Nothing was exported. Reason code: %(code)s",
                 code=code)
    return _("The export failed. Nothing was exported. Reason code: %(code)s", code=code)
