from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf

from portal.models.vocabulary import Residence
from portal.services.people import PersonDetails
from portal.web.forms import PortalForm, strip_text
from portal.web.vocabulary import blank, choices, country_choices

TEXT = [strip_text]


class PersonForm(PortalForm):
    name_persian = StringField(_l("Name in Persian script"), filters=TEXT)
    name_latin = StringField(_l("Name in Latin letters"), filters=TEXT,
                             description=_l("As written in a passport, if known."))
    relationship_note = StringField(_l("Relationship to the victim or to you"), filters=TEXT,
                                    description=_l("For example: mother of the victim, "
                                                   "witness, neighbour."))
    residence = RadioField(_l("Where does this person live?"), validate_choice=False)
    residence_country = SelectField(_l("Country of residence"), validate_choice=False)
    lives_in_iran = BooleanField(_l("Lives in Iran"))
    travels_to_iran = BooleanField(_l("Travels to Iran"))
    contact = TextAreaField(_l("Contact details (optional)"), filters=TEXT,
                            description=_l("Phone, e-mail or messenger. Stored encrypted."))
    address = TextAreaField(_l("Address (optional)"), filters=TEXT,
                            description=_l("Stored encrypted."))

    def fill_choices(self) -> None:
        self.residence.choices = choices(Residence)
        self.residence_country.choices = [blank(_l("Choose…")), *country_choices()]

    def details(self) -> PersonDetails:
        return PersonDetails(**{name: getattr(self, name).data or default
                                for name, default in PersonDetails().__dict__.items()})

    def show(self, details: PersonDetails) -> None:
        for name, value in details.__dict__.items():
            self[name].data = value


class ProposalDecisionForm(PortalForm):
    """Confirm or decline one proposed assignment: its two buttons send `decision`."""

    proposal_id = HiddenField()
    decision = StringField(validators=[AnyOf(("confirm", "decline"))])
