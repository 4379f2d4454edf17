from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.calendar import Calendar
from portal.models import ConsentRecord
from portal.models.vocabulary import (
    Agency,
    Authority,
    Destination,
    Disclosure,
    Harm,
    LinkKind,
    PlaceType,
    Testify,
    Trigger,
    Verification,
)
from portal.services.consent import ConsentChoice
from portal.services.incident_content import IncidentContent
from portal.web.forms import MultiCheckboxField, PortalForm, digits_to_ascii, strip_text
from portal.web.plain_words import timezone_name
from portal.web.sent_once import once_token_field
from portal.web.vocabulary import blank, choices

# Choices are filled per request (translated labels, the family's people); the
# services check every submitted value again, so these lists only shape the page.
TEXT = [strip_text]


class IncidentForm(PortalForm):
    # When
    calendar = RadioField(_l("Calendar you are using"), default=Calendar.SOLAR_HIJRI.value,
                          choices=[SelectChoice(Calendar.SOLAR_HIJRI.value,
                                                _l("Solar Hijri (1398/10/18)")),
                                   SelectChoice(Calendar.GREGORIAN.value,
                                                _l("Gregorian (2020-01-08)"))],
                          validate_choice=False)
    start_text = StringField(_l("When did it happen, or start?"), filters=TEXT, description=_l(
        "For example 1398/10/18, 18 Dey 1398, Dey 1398, or just 1398. You can add a time: "
        "1398/10/18 14:30."))
    end_text = StringField(_l("When did it end? (optional)"), filters=TEXT,
                           description=_l("Only if it went on for a while."))
    approximate = BooleanField(_l("These dates are approximate"))
    timezone = SelectField(_l("Time zone of the place"), validate_choice=False)
    # Where
    country = SelectField(_l("Country"), validate_choice=False)
    province = StringField(_l("Province or region (optional)"), filters=TEXT)
    city = StringField(_l("City (optional)"), filters=TEXT)
    place_type = RadioField(_l("What kind of place?"), validate_choice=False,
                            validators=[Optional()])
    online_platform = StringField(_l("Online platform or app, if any"), filters=TEXT,
                                  description=_l("For example Instagram, WhatsApp, Telegram."))
    country_sent = SelectField(_l("Country from which it was sent or ordered"),
                               validate_choice=False)
    country_received = SelectField(_l("Country where it was received"), validate_choice=False)
    country_carried_out = SelectField(_l("Country where it was carried out"),
                                      validate_choice=False)
    # What
    type_codes = MultiCheckboxField(_l("What happened? Choose all that apply."),
                                    validate_choice=False)
    narrative = TextAreaField(_l("Tell us what happened, in your own words"), filters=TEXT,
                              description=_l("Any language is fine. Include what was said and "
                                             "done, and by whom, as far as you remember."))
    demands = TextAreaField(_l("What did they demand, if anything?"), filters=TEXT)
    threat_wording = TextAreaField(_l("Threats, in the words used"), filters=TEXT,
                                   description=_l("As exactly as you remember them."))
    trigger = RadioField(_l("Did something seem to prompt it?"), validate_choice=False,
                         validators=[Optional()])
    # Who and whom
    agencies = MultiCheckboxField(_l("Who was behind it, as far as you know?"),
                                  validate_choice=False)
    perpetrators = TextAreaField(_l("Describe the people involved and how you know who "
                                    "they were"), filters=TEXT)
    reporter_is_target = BooleanField(_l("It was aimed at me"), default=True)
    target_ids = MultiCheckboxField(_l("It was aimed at these people"), coerce=int,
                                    validate_choice=False)
    # Harm, reports and witnesses
    harms = MultiCheckboxField(_l("What harm did it cause?"), validate_choice=False)
    harm_note = TextAreaField(_l("More about the harm (optional)"), filters=TEXT)
    report_authority = SelectField(_l("Did you report it to an authority?"),
                                   validate_choice=False)
    report_date = StringField(_l("When did you report it?"), filters=[strip_text,
                                                                      digits_to_ascii])
    report_reference = StringField(_l("Reference number of the report, if any"), filters=TEXT)
    witnesses = TextAreaField(_l("Witnesses (optional)"), filters=TEXT)
    # The statement of truth: optional, recorded on the version it is made for.
    declare_true = BooleanField(
        _l("I declare that what I wrote is true to the best of my knowledge"))

    def fill_choices(self, type_terms: list[SelectChoice], people: list[SelectChoice],
                     countries: list[SelectChoice], timezones: list[str]) -> None:
        # People name a zone by its place ("Iran Time"); the value stays the IANA name.
        self.timezone.choices = [SelectChoice(z, f"{timezone_name(z)} ({z})")
                                 for z in timezones]
        for field in (self.country, self.country_sent, self.country_received,
                      self.country_carried_out):
            field.choices = [blank(_l("Choose…")), *countries]
        self.place_type.choices = choices(PlaceType)
        self.trigger.choices = choices(Trigger)
        self.type_codes.choices = type_terms
        self.agencies.choices = choices(Agency)
        self.target_ids.choices = people
        self.harms.choices = choices(Harm)
        self.report_authority.choices = [blank(_l("No")), *choices(Authority)]

    def content(self) -> IncidentContent:
        """The typed values, as the services take them."""
        return IncidentContent(**{name: getattr(self, name).data or default
                                  for name, default in IncidentContent().as_dict().items()
                                  if name in self._fields} | {
            "approximate": bool(self.approximate.data),
            "reporter_is_target": bool(self.reporter_is_target.data)})

    def show(self, content: IncidentContent) -> None:
        for name, value in content.as_dict().items():
            if name in self._fields:
                self[name].data = value


class ConsentForm(PortalForm):
    destinations = MultiCheckboxField(_l("Who may receive this?"), validate_choice=False)
    disclosure = RadioField(_l("How may you be named?"), validate_choice=False)
    testify = RadioField(_l("Would you be willing to testify?"), validate_choice=False)
    # Only on a report's consent (a person's has no statistics to be counted in). Not
    # ticked is "no": nobody is counted without being asked (decision 0031).
    aggregate_use = BooleanField(
        _l("Other dossiers may count this report, as a number only"),
        description=_l(
            "When the same phone number, account or name appears in other families' "
            "reports, a dossier about them may say how many reports name it, and in which "
            "month. Yours would be counted among them, nothing more: not your family, your "
            "words or the report itself. If you leave this unticked, it is not counted."))

    def fill_choices(self) -> None:
        self.destinations.choices = choices(Destination)
        self.disclosure.choices = choices(Disclosure)
        self.testify.choices = choices(Testify)

    def choice(self) -> ConsentChoice:
        return ConsentChoice(tuple(self.destinations.data or ()), self.disclosure.data or "",
                             self.testify.data or "", bool(self.aggregate_use.data))

    def show(self, current: ConsentRecord | None) -> None:
        """The consent in force, if any: a withdrawn one leaves the choices empty."""
        if current is not None and not current.withdrawn:
            self.destinations.data = list(current.destinations)
            self.disclosure.data = current.disclosure.value
            self.testify.data = current.testify.value
            self.aggregate_use.data = current.aggregate_use


class MessageForm(PortalForm):
    body = TextAreaField(_l("Your message"), filters=TEXT)
    as_question = BooleanField(_l("This is a question the reporter should answer"))
    once_token = once_token_field()  # sent twice, the message is posted once


class StartReportForm(PortalForm):
    """The "Start a new report" button: pressed twice, it starts one draft."""

    once_token = once_token_field()


class VerificationForm(PortalForm):
    verification = RadioField(_l("Verification"), validate_choice=False)
    notes = TextAreaField(_l("Notes on the verification"), filters=TEXT)

    def fill_choices(self) -> None:
        self.verification.choices = choices(Verification)


class LinkForm(PortalForm):
    linked_id = StringField(_l("Number of the other report"), filters=[strip_text,
                                                                      digits_to_ascii])
    kind = RadioField(_l("How are they linked?"), validate_choice=False)

    def fill_choices(self) -> None:
        self.kind.choices = choices(LinkKind)


class TagForm(PortalForm):
    tag = StringField(_l("Legal tag to suggest"), filters=TEXT,
                      description=_l("For example Art. 7(1)(h) or Art. 70(1)(c)."))


class ConfirmForm(PortalForm):
    """Only the CSRF token."""


class SendReportForm(PortalForm):
    """The last step: the optional statement of truth, then send."""

    declare_true = BooleanField(
        _l("I declare that what I wrote is true to the best of my knowledge"))
