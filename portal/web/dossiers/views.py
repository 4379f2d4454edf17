"""The dossier builder (advocates), the legal review (legal reviewers) and the preview.

Every view loads the dossier through `load_or_deny` (404 outside the user's scope);
services check the finer rules again (a draft to edit, the reviewer it was sent to).
"""

from __future__ import annotations

from typing import TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.models import (
    Dossier,
    DossierExhibit,
    DossierIncident,
    DossierRedaction,
    Incident,
    LegalTag,
    User,
    db,
)
from portal.models.dossiers import DossierStatus
from portal.policy import Permission, can
from portal.policy.permissions import is_contributor
from portal.services import staff_profile
from portal.services import workspace as workspace_service
from portal.services.dossiers import assembly, builder, redaction, workflow
from portal.services.dossiers.checklist import checklist
from portal.services.dossiers.consent_gate import dossier_gaps
from portal.services.dossiers.markup import render_markup
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.patterns import pattern_analysis
from portal.services.errors import ConsentMissing, EditConflict, InvalidFields
from portal.services.review import legal_tags_of
from portal.services.sealing import open_text
from portal.vocabulary.dossiers import SECTION_TITLES
from portal.vocabulary.evidence import EVIDENCE_KIND_LABELS as KIND_LABELS
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.dossiers.forms import (
    AddIncidentForm,
    ConfirmForm,
    ContributorForm,
    DetailsForm,
    ExhibitForm,
    MoveForm,
    OrderForm,
    RedactionForm,
    ReviewForm,
    SendForm,
)
from portal.web.dossiers.occurrences import WARNING_LABELS
from portal.web.dossiers.section_forms import as_version
from portal.web.forms import row_id
from portal.web.navigation import safe_next
from portal.web.refusals import refusal_flashed, refusal_shown_on, show_refusal
from portal.web.workspace.filters import filters_from_request


def load_dossier(dossier_id: int, permission: Permission) -> Dossier:
    return load_or_deny(Dossier, dossier_id, permission, "dossier")


Owned = TypeVar("Owned", DossierIncident, DossierExhibit, DossierRedaction)


def _owned(dossier: Dossier, model: type[Owned], row_id: int) -> Owned:
    """A row of this dossier (an entry, an exhibit, a redaction) or 404."""
    row = db.session.get(model, row_id)
    if row is None or row.dossier_id != dossier.id:
        deny("dossier", dossier.id)
    return row


def document_of(dossier: Dossier, variant: str) -> assembly.DossierDocument:
    return assembly.assemble(crypto_kit(), dossier, variant, agency_namer(dossier.language))


@bp.route("")
def index() -> str:
    if can(current_user, Permission.DOSSIER_CREATE):
        query = select(Dossier).where(Dossier.contributors.any(advocate_id=current_user.id))
    else:
        query = select(Dossier).where(Dossier.reviewer_id == current_user.id,
                                      Dossier.status != DossierStatus.DRAFT)
    dossiers = [d for d in db.session.scalars(query.order_by(Dossier.number.desc(),
                                                             Dossier.version.desc()))
                if can(current_user, Permission.DOSSIER_READ, d)]
    kit = crypto_kit()
    titles = {d.id: open_text(kit, d, "title_sealed") for d in dossiers}
    attention = {d.id for d in dossiers if dossier_gaps(d)}
    return render_template("dossiers/index.html", dossiers=dossiers, titles=titles,
                           attention=attention)


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | Response:
    form = DetailsForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_shown_on(form, "title"):
            dossier = builder.create_dossier(crypto_kit(), current_user, form.details())
            flash(_("Dossier created. Now add reports to it."), "success")
            return redirect(url_for("dossiers.view", dossier_id=dossier.id))
    return render_template("dossiers/details.html", form=form, dossier=None)


@bp.route("/<int:dossier_id>")
def view(dossier_id: int) -> str:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_READ)
    kit = crypto_kit()
    editable = can(current_user, Permission.DOSSIER_EDIT, dossier)
    visible = {e.incident_id for e in dossier.incidents
               if can(current_user, Permission.INCIDENT_READ, e.incident)}
    send_form = SendForm()
    send_form.reviewer.choices = [SelectChoice(str(u.id), u.username)
                                  for u in workflow.reviewers()
                                  if not is_contributor(u, dossier)]
    order_form = OrderForm()
    order_form.fill_choices()
    return render_template(
        "dossiers/view.html", dossier=dossier, title=open_text(kit, dossier, "title_sealed"),
        editable=editable, visible=visible, gaps=dossier_gaps(dossier),
        readable={e.evidence_id for e in dossier.exhibits
                  if can(current_user, Permission.EVIDENCE_READ, e.evidence)},
        left_out=builder.left_out_items(dossier), reviews=workflow.reviews_of(dossier),
        comments={r.id: open_text(kit, r, "comments_sealed")
                  for r in workflow.reviews_of(dossier)},
        versions=workflow.versions_of(dossier), successor=workflow.successor_of(dossier),
        items=checklist(kit, dossier) if editable else None,
        section_titles=SECTION_TITLES, send_form=send_form, order_form=order_form,
        move_form=MoveForm(), contributor_form=ContributorForm(), confirm_form=ConfirmForm(),
        may_review=can(current_user, Permission.DOSSIER_REVIEW, dossier),
        may_new_version=can(current_user, Permission.DOSSIER_NEW_VERSION, dossier))


@bp.route("/<int:dossier_id>/details", methods=["GET", "POST"])
def details(dossier_id: int) -> str | Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    kit = crypto_kit()
    form = DetailsForm()
    form.fill_choices()
    if request.method == "GET":
        form.show(builder.details_of(kit, dossier), dossier.lock_version)
    elif form.validate_on_submit():
        try:
            read_version = as_version(form.lock_version.data)  # not a number: stale
            builder.update_details(kit, current_user, dossier, form.details(), read_version)
        except InvalidFields as error:
            show_refusal(form, error, "title")
        except EditConflict as error:
            show_refusal(form, error, "title")
            # Saving again now is a deliberate choice to replace what the other saved.
            form.lock_version.data = str(dossier.lock_version)
        else:
            flash(_("Details saved."), "success")
            return redirect(url_for("dossiers.view", dossier_id=dossier.id))
    return render_template("dossiers/details.html", form=form, dossier=dossier)


@bp.route("/<int:dossier_id>/contributors", methods=["POST"])
def contributors(dossier_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    form = ContributorForm()
    if form.validate_on_submit():
        advocate = db.session.scalar(select(User).where(User.username == form.username.data))
        with refusal_flashed():
            builder.add_contributor(current_user, dossier, advocate)
            flash(_("Advocate added."), "success")
    return redirect(url_for("dossiers.view", dossier_id=dossier.id))


@bp.route("/<int:dossier_id>/choose")
def choose(dossier_id: int) -> str:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    form, filters = filters_from_request()
    page = workspace_service.search(crypto_kit(), current_user, filters,
                                    request.args.get("page", 1, type=int))
    included = {e.incident_id for e in dossier.incidents}
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("dossiers/choose.html", dossier=dossier, form=form, page=page,
                           query=query, included=included, add_form=AddIncidentForm())


@bp.route("/<int:dossier_id>/incidents", methods=["POST"])
def add_incident(dossier_id: int) -> str | Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    form = AddIncidentForm()
    if not form.validate_on_submit() or form.incident_id.data is None:
        deny("incident", request.form.get("incident_id", ""))
    incident = db.session.get(Incident, form.incident_id.data)
    if incident is None or not can(current_user, Permission.INCIDENT_REVIEW, incident):
        deny("incident", form.incident_id.data)
    with refusal_flashed():
        try:
            builder.add_incident(current_user, dossier, incident)
        except ConsentMissing as error:
            # The 422 page rolls back: the service's record of the refusal is committed first.
            db.session.commit()
            return render_template("dossiers/refused.html", dossier=dossier, incident=incident,
                                   gaps=error.gaps), 422  # type: ignore[return-value]
        flash(_("Report %(number)s added.", number=incident.id), "success")
    # Back to the choose page with its filters, when it sent us.
    return redirect(safe_next(request.form.get("back"), "dossiers.view", dossier_id=dossier.id))


@bp.route("/<int:dossier_id>/incidents/<int:entry_id>", methods=["POST"])
def incident_action(dossier_id: int, entry_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    entry = _owned(dossier, DossierIncident, entry_id)
    form = MoveForm()
    if form.validate_on_submit():
        action = form.action.data
        if action == "remove":
            builder.remove_incident(current_user, dossier, entry)
        elif action in ("up", "down"):
            builder.move_incident(current_user, dossier, entry, -1 if action == "up" else 1)
    return redirect(url_for("dossiers.view", dossier_id=dossier.id) + "#reports")


@bp.route("/<int:dossier_id>/order", methods=["POST"])
def order(dossier_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    form = OrderForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_flashed():
            builder.sort_incidents(current_user, dossier, form.order.data or "")
    return redirect(url_for("dossiers.view", dossier_id=dossier.id) + "#reports")


@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>", methods=["GET", "POST"])
def exhibit(dossier_id: int, exhibit_id: int) -> str | Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    row = _owned(dossier, DossierExhibit, exhibit_id)
    kit = crypto_kit()
    form = ExhibitForm()
    if request.method == "GET":
        form.process(data={"withheld": row.withheld, "use_stripped": row.use_stripped,
                           "reason": open_text(kit, row, "withheld_reason_sealed")})
    elif form.validate_on_submit():
        with refusal_shown_on(form, "reason"):
            builder.set_exhibit(kit, current_user, dossier, row, bool(form.withheld.data),
                                form.reason.data or "", bool(form.use_stripped.data))
            flash(_("Exhibit saved."), "success")
            return redirect(url_for("dossiers.view", dossier_id=dossier.id) + "#exhibits")
    return render_template("dossiers/exhibit.html", dossier=dossier, exhibit=row, form=form,
                           label=assembly.exhibit_label(row.number))


@bp.route("/<int:dossier_id>/exhibits/renumber", methods=["POST"])
def renumber(dossier_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    if ConfirmForm().validate_on_submit():
        builder.renumber_exhibits(current_user, dossier)
        flash(_("Exhibits renumbered in the order of the reports."), "success")
    return redirect(url_for("dossiers.view", dossier_id=dossier.id) + "#exhibits")


@bp.route("/<int:dossier_id>/redactions", methods=["GET", "POST"])
def redactions(dossier_id: int) -> str | Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    kit = crypto_kit()
    form = RedactionForm()
    form.fill_choices()
    if form.validate_on_submit():
        with refusal_shown_on(form, "text"):
            redaction.add_redaction(kit, current_user, dossier, form.text.data or "",
                                    form.reason.data or "")
            flash(_("Redaction added."), "success")
            return redirect(url_for("dossiers.redactions", dossier_id=dossier.id))
    rows = redaction.redactions_of(dossier)
    return render_template("dossiers/redactions.html", dossier=dossier, form=form,
                           rows=[(r, open_text(kit, r, "text_sealed")) for r in rows],
                           confirm_form=ConfirmForm())


@bp.route("/<int:dossier_id>/redactions/<int:redaction_id>/remove", methods=["POST"])
def remove_redaction(dossier_id: int, redaction_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    row = _owned(dossier, DossierRedaction, redaction_id)
    if ConfirmForm().validate_on_submit():
        redaction.remove_redaction(current_user, dossier, row)
        flash(_("Redaction removed."), "success")
    return redirect(url_for("dossiers.redactions", dossier_id=dossier.id))


@bp.route("/<int:dossier_id>/preview")
def preview(dossier_id: int) -> str:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_READ)
    variant = request.args.get("variant", assembly.CONFIDENTIAL)
    if variant not in assembly.VARIANTS:
        variant = assembly.CONFIDENTIAL
    document = document_of(dossier, variant)
    digest = assembly.content_hash(document_of(dossier, assembly.CONFIDENTIAL)
                                   if variant != assembly.CONFIDENTIAL else document)
    record_event(AuditAction.DOSSIER_PREVIEWED, Outcome.SUCCESS, actor=current_user,
                 target_type="dossier", target_id=dossier.id, details={"variant": variant})
    # The document is shown in its own language, as the PDF will be.
    with force_locale(dossier.language):
        return render_template("dossiers/preview.html", dossier=dossier, doc=document,
                               section_titles=SECTION_TITLES, markup=render_markup,
                               patterns=pattern_analysis(dossier), kind_label=KIND_LABELS,
                               content_hash=digest, gaps=dossier_gaps(dossier))


@bp.route("/<int:dossier_id>/send", methods=["POST"])
def send(dossier_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    form = SendForm()
    if form.validate_on_submit():
        reviewer_id = row_id(form.reviewer.data)
        reviewer = db.session.get(User, reviewer_id) if reviewer_id else None
        with refusal_flashed():
            workflow.send_for_review(current_user, dossier, reviewer)
            flash(_("Sent for legal review. It is locked until the reviewer decides."),
                  "success")
    return redirect(url_for("dossiers.view", dossier_id=dossier.id))


@bp.route("/<int:dossier_id>/review", methods=["GET", "POST"])
def review(dossier_id: int) -> str | Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_REVIEW)
    kit = crypto_kit()
    form = ReviewForm()
    current_hash = assembly.content_hash(document_of(dossier, assembly.CONFIDENTIAL))
    items = checklist(kit, dossier)
    form.acknowledged.choices = [
        SelectChoice(code.value, f"{WARNING_LABELS[code]} {', '.join(about)}")
        for code, about in items.warnings.items()]
    if form.validate_on_submit():
        decision = form.decision.data
        with refusal_shown_on(form, "comments"):
            if decision == "return":
                workflow.return_dossier(kit, current_user, dossier, form.comments.data or "",
                                        form.content_hash.data or "")
                flash(_("Returned to the advocates with your comments."), "success")
                return redirect(url_for("dossiers.view", dossier_id=dossier.id))
            if decision == "approve" and not form.confirm.data:
                form.confirm.errors = [_("Tick the box to approve.")]
            elif decision == "approve":
                workflow.approve(kit, current_user, dossier, form.content_hash.data or "",
                                 current_hash, form.comments.data or "",
                                 acknowledged=form.acknowledged.data or (),
                                 translation_reason=form.translation_reason.data or "")
                flash(_("Approved. The signed statement is on the dossier's page."), "success")
                return redirect(url_for("dossiers.view", dossier_id=dossier.id))
    form.content_hash.data = current_hash
    tags = [(entry.incident_id, tag) for entry in dossier.incidents
            for tag in legal_tags_of(kit, entry.incident)]
    rows = redaction.redactions_of(dossier)
    return render_template(
        "dossiers/review.html", dossier=dossier, form=form, content_hash=current_hash,
        title=open_text(kit, dossier, "title_sealed"), gaps=items.gaps, tags=tags,
        items=items, section_titles=SECTION_TITLES,
        redactions=[(r, open_text(kit, r, "text_sealed")) for r in rows],
        withheld=[(e, open_text(kit, e, "withheld_reason_sealed"))
                  for e in dossier.exhibits if e.withheld],
        public_exhibits=[(assembly.exhibit_label(e.number), e.evidence.classification,
                          assembly.treatment(e, assembly.PUBLIC)) for e in dossier.exhibits],
        name_missing=not staff_profile.has_profile(current_user),
        confirm_form=ConfirmForm())


@bp.route("/<int:dossier_id>/tags/<int:tag_id>/confirm", methods=["POST"])
def confirm_tag(dossier_id: int, tag_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_REVIEW)
    tag = db.session.get(LegalTag, tag_id)
    if tag is None or not any(e.incident_id == tag.incident_id for e in dossier.incidents):
        deny("legal_tag", tag_id)
    if ConfirmForm().validate_on_submit():
        workflow.confirm_legal_tag(current_user, dossier, tag)
        flash(_("Legal tag confirmed."), "success")
    return redirect(url_for("dossiers.review", dossier_id=dossier.id) + "#tags")


@bp.route("/<int:dossier_id>/new-version", methods=["POST"])
def new_version(dossier_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_NEW_VERSION)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("dossiers.view", dossier_id=dossier.id))
    copy = workflow.new_version(crypto_kit(), current_user, dossier)
    flash(_("Version %(version)s started. Version %(previous)s stays approved as it was.",
            version=copy.version, previous=dossier.version), "success")
    return redirect(url_for("dossiers.view", dossier_id=copy.id))
