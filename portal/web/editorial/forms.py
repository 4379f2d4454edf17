"""Forms of the editorial pages: they carry what was typed; the services judge it."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField

from portal.models.dossiers import AdvocacyEventKind
from portal.services.dossiers.patterns import AdvocacyEventInput
from portal.web.dossiers.section_forms import MARKUP_HINT
from portal.web.forms import PortalForm, digits_to_ascii, strip_text
from portal.web.vocabulary import choices


class TemplateForm(PortalForm):
    body = TextAreaField(_l("Text of the template"), description=MARKUP_HINT)


class AdvocacyEventForm(PortalForm):
    # Text, read by the view: a bad date is reported with every other problem at once.
    occurred_on = StringField(
        _l("Date"), description=_l("In the Gregorian calendar, for example 2020-01-08."),
        filters=[digits_to_ascii, strip_text])
    kind = RadioField(_l("Kind of event"), validate_choice=False)
    title_en = StringField(_l("Title in English"), filters=[strip_text])
    title_fr = StringField(_l("Title in French (optional)"), filters=[strip_text])
    title_fa = StringField(_l("Title in Persian (optional)"), filters=[strip_text])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Labels are read in the page's language, so the choices are made per request.
        self.kind.choices = choices(AdvocacyEventKind)

    def event(self) -> AdvocacyEventInput:
        """What was typed; a date that is not one is None, which the service refuses."""
        return AdvocacyEventInput(
            occurred_on=_day(self.occurred_on.data or ""), kind=self.kind.data or "",
            title_en=self.title_en.data or "", title_fr=self.title_fr.data or "",
            title_fa=self.title_fa.data or "")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class ConfirmForm(PortalForm):
    """A button that only needs the CSRF token."""
