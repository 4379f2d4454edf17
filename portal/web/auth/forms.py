from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from portal.web.forms import PortalForm, code_field, passphrase_field


class LoginForm(PortalForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Enter your username.")),
        Length(max=80, message=_l("Use at most %(max)d characters.", max=80)),
    ])
    passphrase = passphrase_field(_l("Passphrase"))
    next = HiddenField()


class SecondFactorForm(PortalForm):
    code = code_field(
        _l("Code"),
        _l("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class ReauthenticateForm(PortalForm):
    passphrase = passphrase_field(_l("Passphrase"))
    next = HiddenField()


class LogoutForm(PortalForm):
    """Only the CSRF token: logout is a POST so that a link elsewhere cannot sign you out."""
