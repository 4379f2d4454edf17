"""A family file as its members and advocates see it: its victims and people, who can
read it, and (for its advocates) the assignments waiting for their confirmation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.dependencies import crypto_kit
from portal.models import Family, Person
from portal.policy import Permission
from portal.services import consent as consent_service
from portal.services import people as people_service
from portal.services.countries import country_codes
from portal.services.membership import (
    assigned_families,
    family_of_member,
    reader_changes,
    readers_of,
)
from portal.web.access import load_or_deny
from portal.web.families import bp
from portal.web.families.forms import PersonForm
from portal.web.families.proposals import decide_proposal, decisions
from portal.web.refusals import refusal_flashed, refusal_shown_on
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
    # Advocates confirm (or decline) colleagues proposed for their families here.
    proposals = [] if own else [p for f in families for p in f.proposals]
    notes = people_service.relationship_notes(
        crypto_kit(), [person for family in families for person in family.people])
    return render_template("families/overview.html", families=families,
                           decisions=decisions(proposals), notes=notes)


@bp.route("/family/<int:family_id>/proposals", methods=["POST"])
def decide_assignment(family_id: int) -> Response:
    decide_proposal(_load_family(family_id, Permission.FAMILY_READ))
    return redirect(url_for("families.overview"))


@bp.route("/family/<int:family_id>/readers")
def readers(family_id: int) -> str:
    """Who can read the family's reports now, and when that changed."""
    family = _load_family(family_id, Permission.FAMILY_READ)
    return render_template("families/readers.html", family=family,
                           readers=readers_of(family), changes=reader_changes(family))


@bp.route("/family/<int:family_id>/people/new", methods=["GET", "POST"])
def new_person(family_id: int) -> str | Response:
    family = _load_family(family_id, Permission.PERSON_MANAGE)
    form = PersonForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_shown_on(form, "name_persian"):
            person = people_service.add_person(crypto_kit(), current_user, family,
                                               form.details(), country_codes())
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
        with refusal_shown_on(form, "name_persian"):
            people_service.update_person(kit, current_user, found, form.details(),
                                         country_codes())
            flash(_("The changes were saved."), "success")
            return redirect(url_for("families.person", person_id=found.id))
    consent_form = ConsentForm()
    consent_form.fill_choices()
    current = consent_service.current_consent(found)
    consent_form.show(current)
    return render_template("families/person_form.html", form=form, family=found.family,
                           person=found, consent_form=consent_form, current=current,
                           withdraw_form=ConfirmForm())


@bp.route("/family/people/<int:person_id>/consent", methods=["POST"])
def person_consent(person_id: int) -> Response:
    found = _load_person(person_id)
    form = ConsentForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_flashed(_("Choose who may receive the details, and how the person may "
                               "be named.")):
            consent_service.record_consent(current_user, found, form.choice())
            flash(_("The consent was recorded."), "success")
    return redirect(url_for("families.person", person_id=found.id))


@bp.route("/family/people/<int:person_id>/consent/withdraw", methods=["POST"])
def withdraw_person_consent(person_id: int) -> Response:
    found = _load_person(person_id)
    if ConfirmForm().validate_on_submit():
        consent_service.withdraw_consent(current_user, found)
        flash(_("The consent was withdrawn."), "success")
    return redirect(url_for("families.person", person_id=found.id))
