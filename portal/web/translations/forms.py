"""The translation form: it carries what was typed; the service judges it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.localization import LOCALE_NAMES
from portal.models.dossiers import TranslationMethod
from portal.services.translations import LANGUAGES, TranslationInput
from portal.web.forms import PortalForm, strip_text
from portal.web.vocabulary import choices


def language_label(code: str) -> str:
    """Each language by its own name, as the language switch shows them."""
    return LOCALE_NAMES.get(code, code)


class TranslationForm(PortalForm):
    language = RadioField(_l("Language of the translation"),
                          choices=[SelectChoice(code, language_label(code))
                                   for code in LANGUAGES],
                          validate_choice=False)
    text = TextAreaField(_l("Translated text"))
    translator = StringField(
        _l("Translator"), filters=[strip_text],
        description=_l("The person's name, or the tool's name for a machine translation. "
                       "Kept encrypted; shown in the confidential dossier only."))
    method = RadioField(_l("How it was translated"), validate_choice=False)
    certified = BooleanField(_l("This is a certified translation"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = choices(TranslationMethod)

    def translation(self) -> TranslationInput:
        return TranslationInput(language=self.language.data or "", text=self.text.data or "",
                                translator=self.translator.data or "",
                                method=self.method.data or "", certified=bool(self.certified.data))
