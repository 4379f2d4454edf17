from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.models import EvidenceKind
from portal.models.vocabulary import Destination
from portal.web.forms import MultiCheckboxField, strip_text
from portal.web.vocabulary import blank, choices

TEXT = [strip_text]

KIND_LABELS = {
    EvidenceKind.DOCUMENT: _l("Document"), EvidenceKind.PHOTO: _l("Photo"),
    EvidenceKind.VIDEO: _l("Video"), EvidenceKind.AUDIO: _l("Audio recording"),
    EvidenceKind.SCREENSHOT: _l("Screenshot"), EvidenceKind.CHAT_EXPORT: _l("Chat export"),
    EvidenceKind.EMAIL: _l("E-mail"), EvidenceKind.WEB_CAPTURE: _l("Web page capture"),
    EvidenceKind.CALL_LOG: _l("Call log"), EvidenceKind.MEDICAL_RECORD: _l("Medical record"),
    EvidenceKind.OTHER: _l("Other"),
}


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Files"), description=_l(
        "One or several files: photos, screenshots, recordings, documents. Nothing is "
        "changed in them; each is encrypted as it arrives."))
    kind = SelectField(_l("What are they?"), validate_choice=False,
                       choices=[blank(_l("Choose…"))] + [SelectChoice(k.value, v) for k, v in
                                                         KIND_LABELS.items()])
    description = TextAreaField(_l("What do they show? (optional)"), filters=TEXT)
    obtained_how = TextAreaField(_l("How did you get them? (optional)"), filters=TEXT,
                                 description=_l("For example: a screenshot I took of a message "
                                                "on my phone."))
    prior_chain = StringField(_l("Who passed them on before they reached you? (optional)"),
                              filters=TEXT, description=_l(
                                  "For example: relative in Iran → WhatsApp → me."))


class PurposeForm(FlaskForm):
    purpose = StringField(_l("Why do you need the original?"), filters=TEXT, description=_l(
        "Recorded in the item's chain of custody."))


class LinkForm(FlaskForm):
    # Choices are the reports the user may add evidence to; any other id answers 404.
    incident = SelectField(_l("Also about report"), validate_choice=False)


class WithdrawalForm(FlaskForm):
    reason = TextAreaField(_l("Why should this item be withdrawn?"), filters=TEXT,
                           description=_l("A legal reviewer decides. If they approve, the file "
                                          "can never be opened again; its fingerprint and "
                                          "history stay on record."))


class ConfirmForm(FlaskForm):
    """Only the CSRF token."""


# Languages an item's content is commonly in, each by its own name; "zxx": no language
# (a photo without text). The service accepts any well-formed language tag.
CONTENT_LANGUAGES = (("fa", "فارسی"), ("en", "English"), ("fr", "Français"),
                     ("ar", "العربية"), ("az", "Azərbaycanca"), ("ku", "Kurdî"),
                     ("de", "Deutsch"))


class DescriptionForm(FlaskForm):
    title = StringField(_l("Title"), filters=TEXT)
    kind = SelectField(_l("What is it?"), validate_choice=False,
                       choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()])
    description = TextAreaField(_l("What does it show?"), filters=TEXT)
    obtained_how = TextAreaField(_l("How was it obtained?"), filters=TEXT)
    prior_chain = StringField(_l("Who passed it on before it reached the portal?"), filters=TEXT)
    creator = StringField(_l("Who made it (took the photo, wrote the message)?"), filters=TEXT)
    source = StringField(_l("Source: web address or account"), filters=TEXT)
    claimed_date_text = StringField(_l("When was it made?"), filters=TEXT, description=_l(
        "In either calendar, e.g. 1398/10/18 or 2020-01-08, or a month or a year."))
    claimed_place = StringField(_l("Where was it made?"), filters=TEXT)
    content_language = SelectField(
        _l("Language of the content (optional)"), validate_choice=False,
        description=_l("The language its words are in, if it has any."),
        choices=[blank(_l("Not known")),
                 *(SelectChoice(code, name) for code, name in CONTENT_LANGUAGES),
                 SelectChoice("zxx", _l("No words (for example a photo)"))])
    claim_source = SelectField(_l("Who says so?"), validate_choice=False, choices=[
        blank(_l("Choose…")), SelectChoice("reporter", _l("The person who reported it")),
        SelectChoice("metadata", _l("The file's own metadata"))])
    classification = SelectField(_l("Classification"), validate_choice=False,
                                 default="confidential", choices=[
        SelectChoice("confidential", _l("Confidential")),
        SelectChoice("public", _l("May appear in public versions"))])
    narrower = BooleanField(_l("Share this item more narrowly than its reports"))
    consent_destinations = MultiCheckboxField(_l("Who may receive this item"),
                                              validate_choice=False, description=_l(
                                                  "Only among those its reports allow."))
    claim_trusted = SelectField(_l("Can the date and place be trusted?"),
                                validate_choice=False, choices=[
                                    blank(_l("Not assessed")), SelectChoice("yes", _l("Yes")),
                                    SelectChoice("no", _l("No"))])

    def fill_choices(self) -> None:
        self.consent_destinations.choices = choices(Destination)
