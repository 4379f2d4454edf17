"""Recording identifiers, removing them, the workspace's recurring identifiers and the
reports naming one, and a dossier's identifiers for its legal reviewer.

Load, check, act: a report or item outside the person's scope answers 404, like any
other object (portal/web/access.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.models import Dossier, EvidenceItem, Identifier, Incident, db
from portal.policy import Permission, can
from portal.services.identifiers import dossier as dossier_identifiers
from portal.services.identifiers import recurring as recurring_service
from portal.services.identifiers.links import counts
from portal.services.identifiers.records import (
    record_identifier,
    remove_identifier,
    shown,
    subject_of,
)
from portal.web.access import deny, load_or_deny
from portal.web.forms import row_id
from portal.web.identifiers import bp
from portal.web.identifiers.forms import IdentifierForm, RemoveIdentifierForm
from portal.web.refusals import refusal_shown_on

Subject = Incident | EvidenceItem


@bp.route("/reports/<int:incident_id>/identifiers", methods=["GET", "POST"])
def incident(incident_id: int) -> str | Response:
    found = load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")
    return _record(found, url_for("reports.view", incident_id=found.id))


@bp.route("/evidence/<int:item_id>/identifiers", methods=["GET", "POST"])
def item(item_id: int) -> str | Response:
    found = load_or_deny(EvidenceItem, item_id, Permission.EVIDENCE_DESCRIBE, "evidence")
    return _record(found, url_for("evidence.item", item_id=found.id))


def _record(subject: Subject, back: str) -> str | Response:
    """The form on a page of its own: where the panel's form lands when something is
    wrong (each problem beside its field, what was typed kept), or without the panel."""
    form = IdentifierForm()
    if form.validate_on_submit():
        with refusal_shown_on(form, "value"):
            row = record_identifier(crypto_kit(), current_user, subject, form.kind.data or "",
                                    form.value.data or "", form.platform.data or "")
            flash(_("The number was kept as typed, but it cannot be read as a phone number: "
                    "it is marked unreadable and is not linked to other reports.")
                  if row.unreadable else _("The identifier was recorded."), "success")
            return redirect(back + "#identifiers")
    return render_template("identifiers/add.html", form=form, subject=subject, back=back,
                           is_report=isinstance(subject, Incident))


@bp.route("/reports/<int:incident_id>/identifiers/remove", methods=["POST"])
def remove_from_incident(incident_id: int) -> Response:
    found = load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")
    _remove(found)
    return redirect(url_for("reports.view", incident_id=found.id) + "#identifiers")


@bp.route("/evidence/<int:item_id>/identifiers/remove", methods=["POST"])
def remove_from_item(item_id: int) -> Response:
    found = load_or_deny(EvidenceItem, item_id, Permission.EVIDENCE_DESCRIBE, "evidence")
    _remove(found)
    return redirect(url_for("evidence.item", item_id=found.id) + "#identifiers")


def _remove(subject: Subject) -> None:
    """Remove one identifier of this report or item; any other answers 404."""
    form = RemoveIdentifierForm()
    if not form.validate_on_submit():
        return
    row = db.session.get(Identifier, row_id(form.identifier.data) or 0)
    on = None if row is None else (
        row.incident_id if isinstance(subject, Incident) else row.evidence_id)
    if row is None or on != subject.id:
        deny("identifier", form.identifier.data or "")
    assert row is not None
    remove_identifier(current_user, row)
    flash(_("The identifier was removed."), "success")


@bp.route("/workspace/identifiers")
def recurring() -> str:
    rows = recurring_service.recurring(crypto_kit(), current_user)
    return render_template("identifiers/recurring.html", rows=rows)


@bp.route("/workspace/identifiers/reports")
def reports() -> str:
    """The advocate's reports naming one identifier, which they name by a row they may
    read (`of`): the value is never in the address."""
    row = db.session.get(Identifier, row_id(request.args.get("of")) or 0)
    if row is None or row.digest is None or not _readable(row):
        deny("identifier", request.args.get("of", ""))
    assert row is not None
    assert row.digest is not None
    page = recurring_service.reports_in_scope(current_user, row.digest,
                                              request.args.get("page", 1, type=int))
    record_event(AuditAction.INCIDENTS_SEARCHED, Outcome.SUCCESS, actor=current_user,
                 details={"results": page.total, "identifier": row.id})
    reports_count, families = counts([row.digest]).get(row.digest, (0, 0))
    return render_template("identifiers/reports.html", identifier=shown(crypto_kit(), row),
                           page=page, query={"of": row.id}, reports_count=reports_count,
                           families=families)


def _readable(row: Identifier) -> bool:
    subject = subject_of(row)
    if isinstance(subject, Incident):
        return can(current_user, Permission.INCIDENT_READ, subject)
    return can(current_user, Permission.EVIDENCE_READ, subject)


@bp.route("/dossiers/<int:dossier_id>/identifiers")
def dossier(dossier_id: int) -> str:
    found = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    rows = dossier_identifiers.identifiers_of_dossier(crypto_kit(), current_user, found)
    return render_template("identifiers/dossier.html", dossier=found, rows=rows)
