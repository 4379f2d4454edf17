from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.services.notices import MAX_ADDRESS_CHARS
from portal.services.staff_profile import MAX_CAPACITY, MAX_FULL_NAME
from portal.web.forms import PortalForm, code_field, passphrase_field, strip_text


class ChangePassphraseForm(PortalForm):
    current = passphrase_field(_l("Current passphrase"))
    new = passphrase_field(
        _l("New passphrase"),
        _l("At least %(family)d characters (%(staff)d for staff). Several unrelated words "
           "are easier to remember and harder to guess than a short password.",
           family=12, staff=15),
    )


class EnrolForm(PortalForm):
    code = code_field(_l("Code from your app"),
                      _l("After you add the account, your app shows a 6-digit code."))


class StaffProfileForm(PortalForm):
    """How the confidential variant of a dossier names its staff (staff only)."""

    full_name = StringField(
        _l("Full name"), filters=[strip_text],
        description=_l("As it should appear on the confidential variant of a dossier you "
                       "approve. Public variants name you by your role only."),
        validators=[Length(max=MAX_FULL_NAME, message=_l("Use at most %(max)d characters.",
                                                         max=MAX_FULL_NAME))])
    professional_capacity = StringField(
        _l("Professional capacity"), filters=[strip_text],
        description=_l("For example: lawyer, member of the Law Society of Ontario."),
        validators=[Length(max=MAX_CAPACITY, message=_l("Use at most %(max)d characters.",
                                                        max=MAX_CAPACITY))])


class NewRecoveryCodesForm(PortalForm):
    """Making new recovery codes takes the passphrase, however recent the sign-in: the
    codes sign in without the phone."""

    passphrase = passphrase_field(_l("Passphrase"))


class ConfirmForm(PortalForm):
    """Only the CSRF token, for buttons that change something."""


class NoticesForm(PortalForm):
    """Content-free e-mail notices: off unless the person chooses them (decision 0018)."""

    notices = RadioField(
        _l("Do you want an e-mail when there is something new for you?"),
        choices=[SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))], default="no",
        validators=[InputRequired(message=_l("Choose yes or no."))])
    email = EmailField(
        _l("E-mail address for notices"), filters=[strip_text],
        description=_l("Only if you chose yes. Choose an address only you can read."),
        validators=[Length(max=MAX_ADDRESS_CHARS, message=_l(
            "Use at most %(max)d characters.", max=MAX_ADDRESS_CHARS))])
