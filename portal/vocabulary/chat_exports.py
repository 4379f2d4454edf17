"""Labels of chat exports: why the parser refused a file (codes from
portal/media/chat_exports/limits.py and the runner), and notes on a parsed chat."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.vocabulary.table import Labels

CHAT_EXPORT_REFUSALS: Labels = {
    "unknown_variant": _l("It is not an export format the portal knows (an unknown app version?)."),
    "too_large": _l("It is larger than the portal reads as a chat."),
    "too_many_messages": _l("It holds more messages than the portal reads in one export."),
    "too_many_unreadable": _l("Too many of its lines could not be read."),
    "zip_bomb": _l("The zip unpacks to far more than it holds (a zip bomb?)."),
    "too_many_members": _l("The zip holds too many files."),
    "unsafe_names": _l("The zip holds file names that point outside it."),
    "encrypted": _l("The zip is protected by a password."),
    "damaged_zip": _l("The zip is damaged or incomplete."),
    "damaged_json": _l("The export's JSON is damaged or incomplete."),
    "limits": _l("Reading it went past the time or memory allowed."),
    "failed": _l("Reading it failed repeatedly."),
}

CHAT_EXPORT_NOTES: Labels = {
    "date_order_unknown": _l(
        "The export does not show whether dates are day/month or month/day: times are "
        "shown as printed, without a converted date."),
}
