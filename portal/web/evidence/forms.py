from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.models.vocabulary import Destination
from portal.services.evidence import EvidenceDetails, ItemDescription
from portal.vocabulary.evidence import EVIDENCE_KIND_LABELS as KIND_LABELS
from portal.web.forms import MultiCheckboxField, PortalForm, strip_text
from portal.web.sent_once import once_token_field
from portal.web.vocabulary import blank, choices

TEXT = [strip_text]


class UploadForm(PortalForm):
    files = MultipleFileField(_l("Files"), description=_l(
        "One or several files: photos, screenshots, recordings, documents. Nothing is "
        "changed in them; each is encrypted as it arrives."))
    kind = SelectField(_l("What are they?"), validate_choice=False,
                       choices=[blank(_l("Choose…"))] + [SelectChoice(k, v) for k, v in
                                                         KIND_LABELS.items()])
    description = TextAreaField(_l("What do they show? (optional)"), filters=TEXT)
    obtained_how = TextAreaField(_l("How did you get them? (optional)"), filters=TEXT,
                                 description=_l("For example: a screenshot I took of a message "
                                                "on my phone."))
    prior_chain = StringField(_l("Who passed them on before they reached you? (optional)"),
                              filters=TEXT, description=_l(
                                  "For example: relative in Iran → WhatsApp → me."))
    once_token = once_token_field()  # sent twice, the files are stored once

    def details(self) -> EvidenceDetails:
        """What is said of every file of the upload, as the service takes it."""
        return EvidenceDetails(kind=self.kind.data or "other",
                               description=self.description.data or "",
                               obtained_how=self.obtained_how.data or "",
                               prior_chain=self.prior_chain.data or "")


class PurposeForm(PortalForm):
    purpose = StringField(_l("Why do you need the original?"), filters=TEXT, description=_l(
        "Recorded in the item's chain of custody."))


class LinkForm(PortalForm):
    # Choices are the reports the user may add evidence to; any other id answers 404.
    incident = SelectField(_l("Also about report"), validate_choice=False)


class WithdrawalForm(PortalForm):
    reason = TextAreaField(_l("Why should this item be withdrawn?"), filters=TEXT,
                           description=_l("A legal reviewer decides. If they approve, the file "
                                          "can never be opened again; its fingerprint and "
                                          "history stay on record."))


class ConfirmForm(PortalForm):
    """Only the CSRF token."""


# Languages an item's content is commonly in, each by its own name; "zxx": no language
# (a photo without text). The service accepts any well-formed language tag.
CONTENT_LANGUAGES = (("fa", "فارسی"), ("en", "English"), ("fr", "Français"),
                     ("ar", "العربية"), ("az", "Azərbaycanca"), ("ku", "Kurdî"),
                     ("de", "Deutsch"))


class DescriptionForm(PortalForm):
    title = StringField(_l("Title"), filters=TEXT)
    kind = SelectField(_l("What is it?"), validate_choice=False,
                       choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
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

    def show(self, current: ItemDescription) -> None:
        for name, value in current.__dict__.items():
            if name in self:
                self[name].data = value
        trusted = current.claim_trusted
        self.claim_trusted.data = "" if trusted is None else ("yes" if trusted else "no")
        self.narrower.data = current.consent_destinations is not None
        self.consent_destinations.data = list(current.consent_destinations or ())

    def item_description(self) -> ItemDescription:
        """What was typed, as the service takes it: every text field as typed, the
        yes/no/unknown trust as a bool or None, the narrower sharing only if ticked."""
        typed = {name: self[name].data or "" for name in ItemDescription().__dict__
                 if name not in ("claim_trusted", "consent_destinations")}
        return ItemDescription(
            **typed, claim_trusted={"yes": True, "no": False}.get(self.claim_trusted.data or ""),
            consent_destinations=tuple(self.consent_destinations.data or ())
            if self.narrower.data else None)
