"""Forms of the dossier builder and of the legal review. Choices are filled per request;
the services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from portal.web.forms import digits_to_ascii, strip_text
from portal.web.vocabulary import choices

TEXT = [strip_text]


class DetailsForm(FlaskForm):
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


class AddIncidentForm(FlaskForm):
    # A row id: beyond 32 bits the database would overflow (a 500, not a refusal).
    incident_id = IntegerField(filters=[digits_to_ascii],
                               validators=[NumberRange(min=1, max=2**31 - 1)])


class MoveForm(FlaskForm):
    action = HiddenField()


class OrderForm(FlaskForm):
    order = SelectField(_l("Order the reports"), validate_choice=False)

    def fill_choices(self) -> None:
        self.order.choices = [c for c in choices(IncidentOrder)
                              if c.value != IncidentOrder.MANUAL.value]


class ExhibitForm(FlaskForm):
    withheld = BooleanField(_l("Withhold this exhibit"))
    reason = TextAreaField(_l("Why it is withheld"), filters=TEXT, validators=[Optional()])
    use_stripped = BooleanField(_l("Show the copy without metadata instead of the original"),
                                description=_l("Use it where the original's metadata (GPS, "
                                               "names) would expose someone."))


class ContributorForm(FlaskForm):
    username = StringField(_l("User name of the advocate"), filters=TEXT)


class RedactionForm(FlaskForm):
    text = StringField(_l("Text to remove from the public variant"), filters=TEXT,
                       description=_l("Exactly as it appears. Every occurrence is replaced by "
                                      "[REDACTED] with the reason code."))
    reason = SelectField(_l("Reason"), validate_choice=False)

    def fill_choices(self) -> None:
        self.reason.choices = choices(RedactionReason)


class SendForm(FlaskForm):
    reviewer = SelectField(_l("Legal reviewer"), validate_choice=False)


class ReviewForm(FlaskForm):
    decision = HiddenField()
    content_hash = HiddenField()
    comments = TextAreaField(_l("Comments for the advocates"), filters=TEXT)
    confirm = BooleanField(_l("I have read this version of the dossier and approve it for "
                              "submission."))


class ConfirmForm(FlaskForm):
    """Only the CSRF token."""
