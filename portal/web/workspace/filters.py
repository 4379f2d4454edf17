"""The workspace's incident filters, read from the query string (the dossier builder
chooses incidents with the same filters)."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.calendar import DateInputError, guess_calendar, parse_date
from portal.models import IncidentTypeTerm, db
from portal.models.vocabulary import Agency, Verification
from portal.services.countries import country_codes
from portal.services.membership import assigned_families
from portal.services.workspace import IncidentFilters, matches_short_words_whole
from portal.web.forms import row_id
from portal.web.vocabulary import blank, choices, country_choices
from portal.web.workspace.forms import SHORT_WORDS_HINT, IncidentFilterForm

ANY = blank(_l("Any"))


def _filter_form() -> IncidentFilterForm:
    form = IncidentFilterForm(request.args)
    locale = str(get_locale() or "en")
    form.family.choices = [ANY, *(SelectChoice(str(f.id), f.code)
                                  for f in assigned_families(current_user))]
    form.type_code.choices = [ANY, *(SelectChoice(t.code, t.label(locale)) for t in
                                     db.session.scalars(select(IncidentTypeTerm).order_by(
                                         IncidentTypeTerm.position)))]
    form.agency.choices = [ANY, *choices(Agency)]
    form.country.choices = [ANY, *country_choices()]
    form.verification.choices = [ANY, *choices(Verification)]
    form.has_evidence.choices = [ANY, SelectChoice("yes", _l("With evidence")),
                                 SelectChoice("no", _l("Without evidence"))]
    return form


def _period_end(form: IncidentFilterForm, name: str, last: bool) -> date | None:
    """A filter date typed in either calendar; its first (or last) day. Errors go on the field."""
    field = form[name]
    text = field.data or ""
    if not text:
        return None
    calendar = guess_calendar(text)
    parsed = None
    if calendar is not None:
        try:
            parsed = parse_date(text, calendar, today=date.max)
        except DateInputError:
            parsed = None
    if parsed is None:
        field.errors = [_l("Enter a date like 1398/10/18 or 2020-01-08, or a month or year.")]
        return None
    return parsed.last_day if last else parsed.first_day


def filters_from_request() -> tuple[IncidentFilterForm, IncidentFilters]:
    """The filter form as submitted (errors on its fields) and the filters it means."""
    form = _filter_form()
    filters = IncidentFilters(
        family_id=row_id(form.family.data),
        since=_period_end(form, "since", last=False),
        until=_period_end(form, "until", last=True),
        type_code=form.type_code.data or "", agency=form.agency.data or "",
        country=(form.country.data or "") if (form.country.data or "") in country_codes() else "",
        verification=form.verification.data or "", text=form.q.data or "",
        has_evidence={"yes": True, "no": False}.get(form.has_evidence.data or ""))
    if matches_short_words_whole(filters):
        form.q.description = SHORT_WORDS_HINT  # the hint says what this search did
    return form, filters
