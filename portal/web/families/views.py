"""A family file as its members and advocates see it: its victims and people."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.dependencies import crypto_kit
from portal.models import Family, Person, db
from portal.policy import Permission
from portal.services import consent as consent_service
from portal.services import people as people_service
from portal.services.countries import country_codes
from portal.services.errors import DomainError, InvalidFields
from portal.services.membership import assigned_families, family_of_member
from portal.web.access import load_or_deny
from portal.web.families import bp
from portal.web.families.forms import PersonForm
from portal.web.forms import attach_error
from portal.web.reports.forms import ConfirmForm, ConsentForm


def _load_family(family_id: int, permission: Permission) -> Family:
    return load_or_deny(Family, family_id, permission, "family")


def _load_person(person_id: int) -> Person:
    return load_or_deny(Person, person_id, Permission.PERSON_MANAGE, "person")


@bp.route("/family")
def overview() -> str:
    """A family member's own file; an advocate's assigned files."""
    own = family_of_member(current_user)
    families = [own] if own else assigned_families(current_user)
    return render_template("families/overview.html", families=families)


@bp.route("/family/<int:family_id>/people/new", methods=["GET", "POST"])
def new_person(family_id: int) -> str | Response:
    family = _load_family(family_id, Permission.PERSON_MANAGE)
    form = PersonForm()
    form.fill_choices()
    if form.validate_on_submit():
        try:
            person = people_service.add_person(crypto_kit(), current_user, family,
                                               form.details(), country_codes())
        except InvalidFields as error:
            db.session.rollback()
            for name, message in error.errors.items():
                attach_error(form, DomainError(message, name), "name_persian")
        else:
            flash(_("%(code)s was added to the family file.", code=person.code), "success")
            return redirect(url_for("families.person", person_id=person.id))
    return render_template("families/person_form.html", form=form, family=family, person=None)


@bp.route("/family/people/<int:person_id>", methods=["GET", "POST"])
def person(person_id: int) -> str | Response:
    found = _load_person(person_id)
    kit = crypto_kit()
    form = PersonForm()
    form.fill_choices()
    if request.method == "GET":
        form.show(people_service.person_details(kit, found))
    elif form.validate_on_submit():
        try:
            people_service.update_person(kit, current_user, found, form.details(),
                                         country_codes())
        except InvalidFields as error:
            db.session.rollback()
            for name, message in error.errors.items():
                attach_error(form, DomainError(message, name), "name_persian")
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for("families.person", person_id=found.id))
    consent_form = ConsentForm()
    consent_form.fill_choices()
    current = consent_service.current_consent(found)
    if current is not None and not current.withdrawn:
        consent_form.destinations.data = list(current.destinations)
        consent_form.disclosure.data = current.disclosure.value
        consent_form.testify.data = current.testify.value
    return render_template("families/person_form.html", form=form, family=found.family,
                           person=found, consent_form=consent_form, current=current,
                           withdraw_form=ConfirmForm())


@bp.route("/family/people/<int:person_id>/consent", methods=["POST"])
def person_consent(person_id: int) -> Response:
    found = _load_person(person_id)
    form = ConsentForm()
    form.fill_choices()
    if form.validate_on_submit():
        choice = consent_service.ConsentChoice(tuple(form.destinations.data or ()),
                                               form.disclosure.data or "", form.testify.data or "")
        try:
            consent_service.record_consent(current_user, found, choice)
        except InvalidFields:
            db.session.rollback()
            flash(_("Choose who may receive the details, and how the person may be named."),
                  "error")
        else:
            flash(_("The consent was recorded."), "success")
    return redirect(url_for("families.person", person_id=found.id))


@bp.route("/family/people/<int:person_id>/consent/withdraw", methods=["POST"])
def withdraw_person_consent(person_id: int) -> Response:
    found = _load_person(person_id)
    if ConfirmForm().validate_on_submit():
        consent_service.withdraw_consent(current_user, found)
        flash(_("The consent was withdrawn."), "success")
    return redirect(url_for("families.person", person_id=found.id))
