"""Forms of the dossier builder and of the legal review. Choices are filled per request;
the services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from portal.models.dossiers import DossierKind, IncidentOrder, RedactionReason
from portal.models.vocabulary import Destination
from portal.services.dossiers.builder import DossierDetails
from portal.web.forms import MultiCheckboxField, PortalForm, digits_to_ascii, strip_text
from portal.web.vocabulary import choices

TEXT = [strip_text]


class DetailsForm(PortalForm):
    title = StringField(_l("Title"), filters=TEXT)
    kind = SelectField(_l("Kind of submission"), validate_choice=False)
    destination = SelectField(_l("Destination"), validate_choice=False, description=_l(
        "Only reports, people and evidence whose consent covers this destination can be "
        "included."))
    language = SelectField(_l("Language of the submission"), validate_choice=False,
                           description=_l("The ICC Office of the Prosecutor works in English "
                                          "and French."))
    earlier_reference = StringField(_l("Reference of an earlier communication (if any)"),
                                    filters=TEXT)
    lock_version = HiddenField(filters=[digits_to_ascii])

    def fill_choices(self) -> None:
        self.kind.choices = choices(DossierKind)
        self.destination.choices = choices(Destination)
        self.language.choices = [("en", "English"), ("fr", "Français")]

    def details(self) -> DossierDetails:
        return DossierDetails(title=self.title.data or "", kind=self.kind.data or "",
                              destination=self.destination.data or "",
                              language=self.language.data or "",
                              earlier_reference=self.earlier_reference.data or "")

    def show(self, details: DossierDetails, lock_version: int) -> None:
        """The saved details, and the version they were read at (a later save must match)."""
        self.process(data={**details.__dict__, "lock_version": lock_version})


class AddIncidentForm(PortalForm):
    # A row id: beyond 32 bits the database would overflow (a 500, not a refusal).
    incident_id = IntegerField(filters=[digits_to_ascii],
                               validators=[NumberRange(min=1, max=2**31 - 1)])


class MoveForm(PortalForm):
    action = HiddenField()


class OrderForm(PortalForm):
    order = SelectField(_l("Order the reports"), validate_choice=False)

    def fill_choices(self) -> None:
        self.order.choices = [c for c in choices(IncidentOrder)
                              if c.value != IncidentOrder.MANUAL.value]


class ExhibitForm(PortalForm):
    withheld = BooleanField(_l("Withhold this exhibit"))
    reason = TextAreaField(_l("Why it is withheld"), filters=TEXT, validators=[Optional()])
    use_stripped = BooleanField(_l("Show the copy without metadata instead of the original"),
                                description=_l("Use it where the original's metadata (GPS, "
                                               "names) would expose someone."))


class ContributorForm(PortalForm):
    username = StringField(_l("User name of the advocate"), filters=TEXT)


class RedactionForm(PortalForm):
    text = StringField(_l("Text to remove from the public variant"), filters=TEXT,
                       description=_l("Exactly as it appears. Every occurrence is replaced by "
                                      "[REDACTED] with the reason code."))
    reason = SelectField(_l("Reason"), validate_choice=False)

    def fill_choices(self) -> None:
        self.reason.choices = choices(RedactionReason)


class SendForm(PortalForm):
    reviewer = SelectField(_l("Legal reviewer"), validate_choice=False)


class ReviewForm(PortalForm):
    decision = HiddenField()
    content_hash = HiddenField()
    comments = TextAreaField(_l("Comments for the advocates"), filters=TEXT)
    # One box per warning of the approval checklist (the view sets the choices).
    acknowledged = MultiCheckboxField(_l("I have weighed these warnings"),
                                      validate_choice=False)
    # Required (by workflow.approve) when an account has no certified translation into
    # the dossier's language: the dossier prints it where the translation would be.
    translation_reason = TextAreaField(
        _l("Why approve without the certified translation"),
        description=_l("For example: translation to follow. The dossier states it beside "
                       "each account concerned."), filters=TEXT)
    confirm = BooleanField(_l("I have read this version of the dossier and approve it for "
                              "submission."))


class OccurrenceForm(PortalForm):
    """A decision on one occurrence of a protected term: redact it, or keep it."""

    decision = HiddenField()
    reason = StringField(_l("Why it can be kept"), filters=TEXT)


class ConfirmForm(PortalForm):
    """Only the CSRF token."""
