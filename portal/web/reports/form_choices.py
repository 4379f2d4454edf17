"""The report form with the choices of one family, for the one-page form and the steps."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from wtforms.fields.choices import SelectChoice

from portal.models import Incident
from portal.services import incidents as incident_service
from portal.services.countries import country_codes
from portal.web.plain_words import person_name
from portal.web.reports.forms import IncidentForm
from portal.web.vocabulary import TIMEZONES, country_choices


def today() -> date:
    return date.today()


def incident_form(incident: Incident) -> tuple[IncidentForm, incident_service.Choices]:
    """The form, its choices translated, and what the services will accept."""
    choices = incident_service.Choices(incident.family, country_codes(), TIMEZONES)
    locale = str(get_locale() or "en")
    form = IncidentForm()
    form.fill_choices(
        type_terms=[SelectChoice(code, term.label(locale)) for code, term in
                    sorted(choices.types.items(), key=lambda item: item[1].position)],
        people=[SelectChoice(p.id, person_name(p))
                for p in sorted(choices.people.values(), key=lambda p: p.number)],
        countries=country_choices(), timezones=list(TIMEZONES))
    return form, choices
