from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from portal.web.forms import PortalForm, digits_to_ascii, strip_text


class IncidentFilterForm(PortalForm):
    """Filters read from the query string: reading needs no CSRF token."""

    class Meta:
        csrf = False

    family = SelectField(_l("Family file"), validate_choice=False)
    since = StringField(_l("From"), filters=[strip_text, digits_to_ascii],
                        description=_l("A date in either calendar, e.g. 1398/10/01 or 2020-01"))
    until = StringField(_l("To"), filters=[strip_text, digits_to_ascii])
    type_code = SelectField(_l("Kind"), validate_choice=False)
    agency = SelectField(_l("Agency"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    verification = SelectField(_l("Verification"), validate_choice=False)
    has_evidence = SelectField(_l("Evidence"), validate_choice=False)
    q = StringField(_l("Words in the reports"), filters=[strip_text],
                    description=_l("Reports holding all the words are listed (up to 8 words). "
                                   "A word of three letters or more also finds its other "
                                   "forms: برادر finds برادرم and برادرها."))


SHORT_WORDS_HINT = _l("A word of two letters finds only itself, and a single letter is "
                      "ignored: type three letters or more to find a word's other forms too.")
