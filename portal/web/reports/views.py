"""Family members' reports: the list, the incident form, the page, history, thread, consent.
Advocates of the family use the same page to review (verification, links, legal tags)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.models import Incident, IncidentRevision, db
from portal.models.vocabulary import IncidentStatus
from portal.policy import Permission, can
from portal.services import consent as consent_service
from portal.services import drafts as draft_service
from portal.services import evidence as evidence_service
from portal.services import incidents as incident_service
from portal.services import review as review_service
from portal.services import thread as thread_service
from portal.services.membership import family_of_member
from portal.services.sealing import open_text
from portal.services.submissions import claim_sending
from portal.web.access import deny, load_or_deny
from portal.web.forms import row_id
from portal.web.incident_display import incident_dates
from portal.web.kept_posts import restore_kept_form
from portal.web.refusals import refusal_flashed, refusal_shown_on
from portal.web.reports import bp
from portal.web.reports.form_choices import incident_form, today
from portal.web.reports.forms import (
    ConfirmForm,
    ConsentForm,
    LinkForm,
    MessageForm,
    StartReportForm,
    TagForm,
    VerificationForm,
)
from portal.web.reports.steps import FIRST, step_page, step_url
from portal.web.unit_of_work import undo_unit_of_work


def load_incident(incident_id: int, permission: Permission) -> Incident:
    return load_or_deny(Incident, incident_id, permission, "incident")


@bp.route("/reports")
def mine() -> str:
    incidents = list(db.session.scalars(select(Incident).where(
        Incident.reporter_id == current_user.id).order_by(Incident.id.desc())))
    questions = {i.id: len(thread_service.open_questions(i)) for i in incidents}
    return render_template("reports/mine.html", incidents=incidents, questions=questions,
                           form=StartReportForm(), family=family_of_member(current_user))


@bp.route("/reports/new", methods=["POST"])
def new() -> Response:
    family = family_of_member(current_user)
    form = StartReportForm()
    if family is None or not form.validate_on_submit():
        flash(_("Your account is not linked to a family file yet. Ask your advocate."), "error")
        return redirect(url_for("reports.mine"))
    sending = claim_sending(current_user, form.once_token.data, url_for("reports.mine"))
    if sending.earlier is not None:  # pressed twice: the draft the first press started
        return redirect(sending.earlier)
    incident = incident_service.start_draft(current_user, family)
    return redirect(sending.led_to(step_url(incident, FIRST)))


@bp.route("/reports/<int:incident_id>/edit", methods=["GET", "POST"])
@bp.route("/reports/<int:incident_id>/steps/<step>", methods=["GET", "POST"])
def edit(incident_id: int, step: str | None = None) -> str | Response:
    """The report form: one question per page for a draft (`step`, decision 0024), or
    the whole form on one page, for changing a sent report. One endpoint, so that a
    step sent after the session ended is kept and given back like the whole form."""
    incident = load_incident(incident_id, Permission.INCIDENT_AMEND)
    if step is not None:
        return step_page(incident, step)
    form, choices = incident_form(incident)
    kit = crypto_kit()
    if request.method == "GET":
        if not restore_kept_form(form):  # what was typed when the session ended comes first
            form.show(incident_service.load_content(kit, incident))
    elif form.validate_on_submit():
        action = request.form.get("action", "save")
        content = form.content()
        with refusal_shown_on(form, "narrative"):
            if incident.status is IncidentStatus.DRAFT and action == "submit":
                incident_service.submit(kit, current_user, incident, content, today(), choices,
                                        declared=bool(form.declare_true.data))
                return redirect(url_for("reports.receipt", incident_id=incident.id))
            if incident.status is IncidentStatus.DRAFT:
                incident_service.save_draft(kit, current_user, incident, content, today(),
                                            choices)
                flash(_("Draft saved. You can come back and finish it later."), "success")
                return redirect(url_for("reports.edit", incident_id=incident.id))
            revision = incident_service.amend(kit, current_user, incident, content, today(),
                                              choices, declared=bool(form.declare_true.data))
            flash(_("Your changes were saved as a new version.") if revision
                  else _("Nothing was changed."), "success")
            return redirect(url_for("reports.view", incident_id=incident.id))
    return render_template("reports/edit.html", form=form, incident=incident)


@bp.route("/reports/<int:incident_id>")
def view(incident_id: int) -> str:
    incident = load_incident(incident_id, Permission.INCIDENT_READ)
    kit = crypto_kit()
    record_event(AuditAction.INCIDENT_VIEWED, Outcome.SUCCESS, actor=current_user,
                 target_type="incident", target_id=incident.id)
    reviewing = can(current_user, Permission.INCIDENT_REVIEW, incident)
    verification_form, link_form = VerificationForm(), LinkForm()
    verification_form.fill_choices()
    link_form.fill_choices()
    if reviewing:
        verification_form.verification.data = incident.verification.value
        verification_form.notes.data = open_text(kit, incident, "verification_notes_sealed")
    start, end = incident_dates(incident)
    return render_template(
        "reports/view.html", incident=incident, start=start, end=end,
        content=incident_service.load_content(kit, incident),
        consent=consent_service.current_consent(incident), reviewing=reviewing,
        verification_form=verification_form, link_form=link_form, tag_form=TagForm(),
        links=review_service.links_of(incident), tags=review_service.legal_tags_of(kit, incident),
        questions=thread_service.open_questions(incident),
        evidence=evidence_service.items_of(incident),
        may_add_evidence=can(current_user, Permission.EVIDENCE_ADD, incident),
    )


@bp.route("/reports/<int:incident_id>/receipt")
def receipt(incident_id: int) -> str:
    incident = load_incident(incident_id, Permission.INCIDENT_AMEND)
    revisions = incident_service.revisions_of(incident)
    start, _end = incident_dates(incident)
    return render_template("reports/receipt.html", incident=incident, start=start,
                           revision=revisions[-1] if revisions else None,
                           consent=consent_service.current_consent(incident))


@bp.route("/reports/<int:incident_id>/history")
def history(incident_id: int) -> str:
    incident = load_incident(incident_id, Permission.INCIDENT_READ)
    kit = crypto_kit()
    versions = [(revision, incident_service.revision_content(kit, revision))
                for revision in incident_service.revisions_of(incident)]
    return render_template("reports/history.html", incident=incident, versions=versions)


@bp.route("/reports/<int:incident_id>/history/<int:number>")
def revision(incident_id: int, number: int) -> str:
    incident = load_incident(incident_id, Permission.INCIDENT_READ)
    found = db.session.scalar(select(IncidentRevision).where(
        IncidentRevision.incident_id == incident.id, IncidentRevision.number == number))
    if found is None:
        deny("incident_revision", f"{incident_id}/{number}")
    assert found is not None
    content = incident_service.revision_content(crypto_kit(), found)
    return render_template("reports/revision.html", incident=incident, revision=found,
                           content=content)


@bp.route("/reports/<int:incident_id>/thread", methods=["GET", "POST"])
def thread(incident_id: int) -> str | Response:
    incident = load_incident(incident_id, Permission.INCIDENT_DISCUSS)
    form = MessageForm()
    kit = crypto_kit()
    if request.method == "GET":
        restore_kept_form(form)
    if form.validate_on_submit():
        here = url_for("reports.thread", incident_id=incident.id)
        sending = claim_sending(current_user, form.once_token.data, here)
        if sending.earlier is not None:  # sent twice: posted once, by the first
            flash(_("Your message was sent."), "success")
            return redirect(sending.earlier)
        with refusal_shown_on(form, "body"):
            thread_service.post_message(kit, current_user, incident, form.body.data or "",
                                        bool(form.as_question.data))
            flash(_("Your message was sent."), "success")
            return redirect(sending.led_to(here))
    return render_template("reports/thread.html", incident=incident, form=form,
                           messages=thread_service.read_thread(kit, incident))


@bp.route("/reports/<int:incident_id>/consent", methods=["GET", "POST"])
def consent(incident_id: int) -> str | Response:
    incident = load_incident(incident_id, Permission.INCIDENT_AMEND)
    form = ConsentForm()
    form.fill_choices()
    current = consent_service.current_consent(incident)
    if request.method == "GET":
        form.show(current)
    if form.validate_on_submit():
        with refusal_shown_on(form, "destinations"):
            consent_service.record_consent(current_user, incident, form.choice())
            flash(_("Your consent was recorded."), "success")
            return redirect(url_for("reports.view", incident_id=incident.id))
    return render_template("reports/consent.html", incident=incident, form=form,
                           current=current, history=consent_service.consent_history(incident),
                           withdraw_form=ConfirmForm())


@bp.route("/reports/<int:incident_id>/consent/withdraw", methods=["POST"])
def withdraw_consent(incident_id: int) -> Response:
    incident = load_incident(incident_id, Permission.INCIDENT_AMEND)
    if ConfirmForm().validate_on_submit():
        consent_service.withdraw_consent(current_user, incident)
        flash(_("Your consent was withdrawn. This report goes to no one outside the portal."),
              "success")
    return redirect(url_for("reports.consent", incident_id=incident.id))


@bp.route("/reports/<int:incident_id>/review", methods=["POST"])
def review(incident_id: int) -> Response:
    incident = load_incident(incident_id, Permission.INCIDENT_REVIEW)
    form = VerificationForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_flashed():
            review_service.set_verification(crypto_kit(), current_user, incident,
                                            form.verification.data or "", form.notes.data or "")
            flash(_("The verification status was saved."), "success")
    return redirect(url_for("reports.view", incident_id=incident.id))


@bp.route("/reports/<int:incident_id>/links", methods=["POST"])
def link(incident_id: int) -> Response:
    incident = load_incident(incident_id, Permission.INCIDENT_REVIEW)
    form = LinkForm()
    form.fill_choices()
    if form.validate_on_submit():
        other_id = row_id(form.linked_id.data)
        other = db.session.get(Incident, other_id) if other_id else None
        if other is None or not can(current_user, Permission.INCIDENT_REVIEW, other):
            flash(_("There is no report with that number among your families."), "error")
            return redirect(url_for("reports.view", incident_id=incident.id))
        with refusal_flashed():
            review_service.link_incidents(current_user, incident, other, form.kind.data or "")
            flash(_("The reports were linked."), "success")
    return redirect(url_for("reports.view", incident_id=incident.id))


@bp.route("/reports/<int:incident_id>/tags", methods=["POST"])
def suggest_tag(incident_id: int) -> Response:
    incident = load_incident(incident_id, Permission.INCIDENT_REVIEW)
    form = TagForm()
    if form.validate_on_submit():
        with refusal_flashed():
            review_service.suggest_legal_tag(crypto_kit(), current_user, incident,
                                             form.tag.data or "")
            flash(_("The legal tag was suggested for a legal reviewer to confirm."), "success")
    return redirect(url_for("reports.view", incident_id=incident.id))


@bp.route("/reports/<int:incident_id>/delete", methods=["GET", "POST"])
def delete_draft(incident_id: int) -> str | Response:
    """A draft's author deletes it, after a page that asks to confirm (decision 0024).
    A draft holding evidence is not deleted: the page says why and what can be done."""
    incident = load_incident(incident_id, Permission.INCIDENT_AMEND)
    if incident.status is not IncidentStatus.DRAFT:
        return redirect(url_for("reports.view", incident_id=incident.id))
    form = ConfirmForm()
    items = evidence_service.items_of(incident)
    if not items and form.validate_on_submit():
        try:
            draft_service.delete_draft(current_user, incident)
        except draft_service.DraftHasEvidence as refused:  # evidence added meanwhile
            undo_unit_of_work()
            items = refused.items
        else:
            flash(_("The draft was deleted. Nothing of what you wrote in it was kept."),
                  "success")
            return redirect(url_for("reports.mine"))
    return render_template("reports/delete.html", incident=incident, form=form, items=items)
