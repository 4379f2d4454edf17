"""The form of a dossier's narrative section, and the sections' translated titles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField

from portal.vocabulary.dossiers import SECTION_TITLES
from portal.web.forms import PortalForm, digits_to_ascii

MARKUP_HINT = _l("Write in Markdown: a blank line between paragraphs, *emphasis*, "
                 "**strong**, lines starting with - or 1. for lists, > for a quotation, "
                 "### for a heading. HTML, links and images are not kept. Facts in double "
                 "braces, such as {{incident_count}}, are filled in from the dossier.")


def section_title(key: str) -> str:
    title = SECTION_TITLES.get(key)
    return str(title) if title is not None else key


def as_version(value: object) -> int:
    """The posted lock version; anything malformed becomes 0, which never matches."""
    text = digits_to_ascii(value)
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else 0


class SectionForm(PortalForm):
    body = TextAreaField(_l("Text of the section"), description=MARKUP_HINT)
    # The version the editor was loaded at: a save made on an older one is refused.
    lock_version = HiddenField()
