"""Form helpers shared by every blueprint."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import Field
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.crypto.passwords import MAX_PASSPHRASE_CHARS
from portal.localization import normalize_digits

# Control characters (C0, DEL, C1) have no place in what a person types. A NUL makes
# PostgreSQL refuse the whole statement (a 500, where SQLite would store it), and the
# others hide or reorder what a reader of a report or a dossier sees. Tab, line feed
# and carriage return stay allowed where a text has lines.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_CHARACTERS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(form: Any, field: Field) -> None:
    """Refuse a value (or any value of a list) holding a control character."""
    pattern = (_CONTROL_CHARACTERS_BUT_LINES if isinstance(field, TextAreaField)
               else _CONTROL_CHARACTERS)
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    if any(isinstance(value, str) and pattern.search(value) for value in values):
        raise ValidationError(_l("This text contains a hidden control character. Type it "
                                 "again, or paste it as plain text."))


class PortalForm(FlaskForm):
    """The base of every form of the portal: each field a person fills in refuses
    control characters (`refuse_control_characters`, checked first), so no view or
    form has to remember it. Two kinds are left alone: a passphrase, never stored or
    shown, where refusing a character could lock its owner out; and a hidden field,
    which nobody types, whose value (a return address, a version) its view checks, and
    beside which an error would show nowhere."""

    class Meta(DefaultMeta):
        def bind_field(self, form: Any, unbound_field: Any, options: Any) -> Field:
            field = super().bind_field(form, unbound_field, options)
            if not isinstance(field, PasswordField | HiddenField):
                field.validators = [refuse_control_characters, *field.validators]
            return field


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
