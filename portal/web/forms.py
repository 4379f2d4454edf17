"""Form helpers shared by every blueprint."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.crypto.passwords import MAX_PASSPHRASE_CHARS
from portal.localization import normalize_digits
from portal.services.errors import DomainError


def digits_to_ascii(value: Any) -> Any:
    """Accept Persian and Arabic-Indic digits wherever digits are typed."""
    return normalize_digits(value) if isinstance(value, str) else value


def passphrase_field(label: Any, hint: Any = None) -> PasswordField:
    return PasswordField(label, description=hint, validators=[
        DataRequired(message=_l("Enter your passphrase.")),
        Length(max=MAX_PASSPHRASE_CHARS,
               message=_l("Use at most %(max)d characters.", max=MAX_PASSPHRASE_CHARS)),
    ])


def code_field(label: Any, hint: Any = None) -> StringField:
    return StringField(label, description=hint, filters=[digits_to_ascii], validators=[
        DataRequired(message=_l("Enter the code.")),
        Length(max=40, message=_l("This code is too long.")),
    ])


def attach_error(form: FlaskForm, error: DomainError, default_field: str) -> None:
    """Show a service's error beside the field it concerns (or the form's first field)."""
    name = error.field if error.field and error.field in form else default_field
    form[name].errors = [*form[name].errors, error.message]


class DigitsDateField(DateField):
    """A YYYY-MM-DD date that may be typed with Persian or Arabic-Indic digits."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata([digits_to_ascii(v) for v in valuelist])


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes: works without JavaScript, unlike a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip_text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def row_id(value: object) -> int | None:
    """A database id typed or posted as text, or None. `str.isdigit()` also accepts
    "²" and other digits `int()` refuses, and a long number overflows the column: an id
    is one to nine ASCII digits."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
