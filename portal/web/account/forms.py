from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length

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
