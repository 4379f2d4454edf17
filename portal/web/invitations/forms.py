from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from portal.localization import LOCALE_NAMES, SUPPORTED_LOCALES
from portal.web.forms import PortalForm, passphrase_field


class InvitationForm(PortalForm):
    display_name = StringField(
        _l("Name to show"),
        description=_l("How the person will appear in the portal. A first name or a "
                       "pseudonym is enough."),
        validators=[DataRequired(message=_l("Enter a name to show.")),
                    Length(max=120, message=_l("Use at most %(max)d characters.", max=120))],
    )
    family_id = SelectField(_l("Family file"), validate_choice=False,
                            description=_l("The new account joins this family file."))
    role = RadioField(_l("Role"), validate_choice=True,
                      validators=[DataRequired(message=_l("Choose a role."))])
    locale = RadioField(_l("Language of the portal for this person"),
                        choices=[SelectChoice(code, LOCALE_NAMES[code])
                                 for code in SUPPORTED_LOCALES],
                        default="fa",
                        validators=[DataRequired(message=_l("Choose a language."))])


class AcceptInvitationForm(PortalForm):
    username = StringField(
        _l("Choose a username"),
        description=_l("Letters, digits, dots, hyphens and underscores; 3 to 80 characters. "
                       "It does not need to be your real name."),
        validators=[
            DataRequired(message=_l("Choose a username.")),
            Length(min=3, max=80, message=_l("Use between 3 and 80 characters.")),
            Regexp(r"^[A-Za-z0-9._-]+$",
                   message=_l("Use only Latin letters, digits, dots, hyphens and underscores.")),
        ],
    )
    passphrase = passphrase_field(_l("Choose a passphrase"))
    confirm = PasswordField(_l("Type the passphrase again"), validators=[
        DataRequired(message=_l("Type the passphrase again.")),
        EqualTo("passphrase", message=_l("The two passphrases are not the same.")),
    ])


class ConfirmForm(PortalForm):
    """Only the CSRF token."""
