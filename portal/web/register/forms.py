"""Forms of the register: they carry what was typed; the services judge it.

The victim and taxonomy rules live in portal/services/register.py, shared with
the CSV import, so the form and the import give the same messages and every
problem is shown at once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from portal.services.register import CSV_COLUMNS, VictimInput
from portal.web.forms import PortalForm, digits_to_ascii


def as_id(value: Any) -> int:
    """A submitted id as an int; anything else becomes 0, which matches no row."""
    text = digits_to_ascii(value)
    if isinstance(text, int):
        return text
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else 0


class VictimForm(PortalForm):
    name_latin = StringField(
        _l("Name in Latin letters"),
        description=_l("As written in passports and in the official list of victims."))
    name_persian = StringField(_l("Name in Persian script (optional)"))
    age = StringField(_l("Age (optional)"), filters=[digits_to_ascii],
                      render_kw={"inputmode": "numeric"})
    ties_countries = StringField(
        _l("Countries the person was tied to (optional)"),
        description=_l("Two-letter country codes separated by spaces, for example CA IR."))
    ties_note = TextAreaField(
        _l("About these ties (optional)"),
        description=_l("For example: studied in Canada, permanent resident."))

    def victim(self) -> VictimInput:
        """What was typed, as the service (and the CSV import) takes it."""
        values = {name: self[name].data for name in CSV_COLUMNS}
        return VictimInput(**{name: "" if value is None else str(value)
                              for name, value in values.items()})


class IncidentTypeForm(PortalForm):
    code = StringField(
        _l("Code"),
        description=_l("A short name that never changes, in lowercase Latin letters, digits "
                       "and underscores, for example home_raid."))
    label_en = StringField(_l("Label in English"))
    label_fa = StringField(_l("Label in Persian"))
    label_fr = StringField(_l("Label in French"))


class FamilyVictimsForm(PortalForm):
    victim_ids = SelectMultipleField(
        _l("Victims of this family"), coerce=as_id, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class MemberForm(PortalForm):
    user_id = SelectField(
        _l("Family member account"), coerce=as_id, validate_choice=False,
        description=_l("Only family members who are not yet in a family file are listed."),
        validators=[DataRequired(message=_l("Choose a family member."))])


class AdvocateForm(PortalForm):
    advocate_id = SelectField(_l("Advocate"), coerce=as_id, validate_choice=False,
                              validators=[DataRequired(message=_l("Choose an advocate."))])


class ConfirmForm(PortalForm):
    """Only the CSRF token."""
