"""Views of the register blueprint: victims, family files, assignments, the taxonomy.

Each view loads, checks (`can`, 404 when not), then acts through a service.
Services flush; the request hook commits. A refused change is undone and its
reason shown beside its field, with the answers kept (web/refusals.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.models import Family, User, Victim, db
from portal.policy import Permission
from portal.policy.permissions import is_assigned
from portal.services import families as family_service
from portal.services import register as register_service
from portal.services.errors import ValidationFailed
from portal.web.access import deny, load_or_deny
from portal.web.families.proposals import decide_proposal, decisions
from portal.web.refusals import refusal_shown_on
from portal.web.register import bp
from portal.web.register.forms import (
    AdvocateForm,
    ConfirmForm,
    FamilyVictimsForm,
    IncidentTypeForm,
    MemberForm,
    VictimForm,
)


def _load_victim(victim_id: int) -> Victim:
    return load_or_deny(Victim, victim_id, Permission.REGISTER_MANAGE, "victim")


def _load_family(family_id: int) -> Family:
    return load_or_deny(Family, family_id, Permission.REGISTER_MANAGE, "family")


# --- victims -----------------------------------------------------------------------------


@bp.route("/victims")
def victims() -> str:
    return render_template("register/victims.html", victims=register_service.list_victims())


@bp.route("/victims/new", methods=["GET", "POST"])
def new_victim() -> str | Response:
    form = VictimForm()
    if form.validate_on_submit():
        with refusal_shown_on(form, "name_latin"):
            register_service.create_victim(current_user, form.victim())
            flash(_("The victim was added to the register."), "success")
            return redirect(url_for("register.victims"))
    return render_template("register/victim.html", form=form, victim=None)


@bp.route("/victims/<int:victim_id>", methods=["GET", "POST"])
def edit_victim(victim_id: int) -> str | Response:
    victim = _load_victim(victim_id)
    form = VictimForm(obj=victim)
    if form.validate_on_submit():
        with refusal_shown_on(form, "name_latin"):
            changed = register_service.update_victim(current_user, victim, form.victim())
            flash(_("The record was saved.") if changed else _("Nothing was changed."),
                  "success")
            return redirect(url_for("register.victims"))
    return render_template("register/victim.html", form=form, victim=victim)


# --- family files ------------------------------------------------------------------------


@bp.route("/families")
def families() -> str:
    return render_template("register/families.html", form=ConfirmForm(),
                           families=family_service.families_overview())


@bp.route("/families/new", methods=["POST"])
def new_family() -> Response:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("register.families"))
    family = family_service.create_family(current_user)
    flash(_("Family file %(code)s was created. Now choose its victims.", code=family.code),
          "success")
    return redirect(url_for("register.family", family_id=family.id))


@bp.route("/families/<int:family_id>")
def family(family_id: int) -> str:
    return _family_page(_load_family(family_id))


@bp.route("/families/<int:family_id>/victims", methods=["POST"])
def family_victims(family_id: int) -> str | Response:
    target = _load_family(family_id)
    form = _victims_form(target, submitted=True)
    if form.validate_on_submit():
        with refusal_shown_on(form, "victim_ids"):
            family_service.set_family_victims(current_user, target, form.victim_ids.data)
            flash(_("The victims of this family file were saved."), "success")
            return redirect(url_for("register.family", family_id=family_id))
    return _family_page(target, victims_form=form)


@bp.route("/families/<int:family_id>/members", methods=["POST"])
def add_member(family_id: int) -> str | Response:
    target = _load_family(family_id)
    form = _member_form(submitted=True)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        with refusal_shown_on(form, "user_id"):
            if user is None:
                raise ValidationFailed(_("Choose a family member from the list."), "user_id")
            family_service.add_family_member(current_user, target, user)
            flash(_("The family member was added to this family file."), "success")
            return redirect(url_for("register.family", family_id=family_id))
    return _family_page(target, member_form=form)


@bp.route("/families/<int:family_id>/advocates", methods=["POST"])
def assign_advocate(family_id: int) -> str | Response:
    target = _load_family(family_id)
    form = _advocate_form(target, submitted=True)
    if form.validate_on_submit():
        advocate = db.session.get(User, form.advocate_id.data)
        with refusal_shown_on(form, "advocate_id"):
            if advocate is None:
                raise ValidationFailed(_("Choose an advocate from the list."), "advocate_id")
            family_service.propose_assignment(current_user, target, advocate)
            flash(_("Proposed. The advocate can review this family's reports once another "
                    "administrator, or an advocate of this family, confirms."), "success")
            return redirect(url_for("register.family", family_id=family_id))
    return _family_page(target, advocate_form=form)


@bp.route("/families/<int:family_id>/proposals", methods=["POST"])
def decide_assignment(family_id: int) -> Response:
    decide_proposal(_load_family(family_id))
    return redirect(url_for("register.family", family_id=family_id) + "#advocates")


@bp.route("/families/<int:family_id>/advocates/<int:advocate_id>/remove", methods=["POST"])
def unassign_advocate(family_id: int, advocate_id: int) -> Response:
    target = _load_family(family_id)
    advocate = db.session.get(User, advocate_id)
    if advocate is None or not is_assigned(advocate, target):
        deny("user", advocate_id)
    assert advocate is not None
    if ConfirmForm().validate_on_submit():
        family_service.unassign_advocate(current_user, target, advocate)
        flash(_("The advocate no longer has access to this family's reports."), "success")
    return redirect(url_for("register.family", family_id=family_id))


def _family_page(target: Family, *, victims_form: FamilyVictimsForm | None = None,
                 member_form: MemberForm | None = None,
                 advocate_form: AdvocateForm | None = None) -> str:
    """The family file with its three forms; a submitted form keeps what was sent."""
    return render_template(
        "register/family.html", family=target,
        victims_form=victims_form or _victims_form(target),
        member_form=member_form or _member_form(),
        advocate_form=advocate_form or _advocate_form(target),
        victims_by_id={v.id: v for v in register_service.list_victims()},
        form=ConfirmForm(formdata=None), decisions=decisions(target.proposals))


def _victims_form(target: Family, submitted: bool = False) -> FamilyVictimsForm:
    form = (FamilyVictimsForm() if submitted else
            FamilyVictimsForm(formdata=None, victim_ids=[v.id for v in target.victims]))
    form.victim_ids.choices = [SelectChoice(v.id, v.name_latin)
                               for v in register_service.list_victims()]
    return form


def _member_form(submitted: bool = False) -> MemberForm:
    form = MemberForm() if submitted else MemberForm(formdata=None)
    form.user_id.choices = [SelectChoice("", _("Choose a family member"))] + [
        SelectChoice(u.id, f"{u.display_name} ({u.username})")
        for u in family_service.members_without_family()]
    return form


def _advocate_form(target: Family, submitted: bool = False) -> AdvocateForm:
    form = AdvocateForm() if submitted else AdvocateForm(formdata=None)
    proposed = {p.advocate_id for p in target.proposals}
    form.advocate_id.choices = [SelectChoice("", _("Choose an advocate"))] + [
        SelectChoice(u.id, f"{u.display_name} ({u.username})")
        for u in family_service.active_advocates()
        if not is_assigned(u, target) and u.id not in proposed]
    return form


# --- taxonomy ----------------------------------------------------------------------------


@bp.route("/taxonomy", methods=["GET", "POST"])
def taxonomy() -> str | Response:
    form = IncidentTypeForm()
    if form.validate_on_submit():
        with refusal_shown_on(form, "code"):
            register_service.add_incident_type(
                current_user, form.code.data or "", form.label_en.data or "",
                form.label_fa.data or "", form.label_fr.data or "")
            flash(_("The incident type was added. Reporters can choose it now."), "success")
            return redirect(url_for("register.taxonomy"))
    return render_template("register/taxonomy.html", form=form,
                           terms=register_service.list_incident_types())
