from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.web.forms import code_field, passphrase_field


class ChangePassphraseForm(FlaskForm):
    current = passphrase_field(_l("Current passphrase"))
    new = passphrase_field(
        _l("New passphrase"),
        _l("At least %(family)d characters (%(staff)d for staff). Several unrelated words "
           "are easier to remember and harder to guess than a short password.",
           family=12, staff=15),
    )


class EnrolForm(FlaskForm):
    code = code_field(_l("Code from your app"),
                      _l("After you add the account, your app shows a 6-digit code."))


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for buttons that change something."""
