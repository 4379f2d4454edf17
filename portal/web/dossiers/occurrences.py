"""The review of protected terms (services/dossiers/occurrences.py): every place a
protected name, place, contact or reference occurs in the dossier's text, in context,
with one decision each; and the approval checklist it feeds."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.dependencies import crypto_kit
from portal.models.dossiers import Dossier
from portal.policy import Permission, can
from portal.services.dossiers import occurrences as occurrence_service
from portal.services.dossiers.checklist import ApprovalWarning
from portal.services.dossiers.leaks import KINDS
from portal.services.dossiers.occurrences import Decision, Place
from portal.services.errors import ValidationFailed
from portal.vocabulary.dossiers import SECTION_TITLES
from portal.web.access import load_or_deny
from portal.web.dossiers import bp
from portal.web.dossiers.forms import ConfirmForm, OccurrenceForm
from portal.web.refusals import refusal_flashed
from portal.web.unit_of_work import undo_unit_of_work

FIELD_LABELS = {
    "title": _l("Title"), "narrative": _l("Account"), "demands": _l("Demands made"),
    "threat_wording": _l("Words of the threat"), "perpetrators": _l("Who did it"),
    "harm_note": _l("Harm"), "online_platform": _l("Online platform"),
    "creator": _l("Creator"), "source": _l("Source"), "claimed_date": _l("Date claimed"),
    "markdown": _l("Text"), "start": _l("Date"), "end": _l("Date"),
    "identifiers": _l("Recurring identifiers"),
}
WARNING_LABELS = {
    ApprovalWarning.JURISDICTION: _l(
        "Jurisdiction: no element of these reports happened on the territory of a State "
        "Party to the Rome Statute, and the destination is the ICC. Reports:"),
    ApprovalWarning.UNTRANSLATED: _l(
        "These accounts are not translated into the language of the dossier. Reports:"),
    ApprovalWarning.PROVENANCE: _l(
        "These exhibits say neither who made them nor where they come from:"),
}


def where(place: Place) -> str:
    """Where an occurrence is, as a reader finds it: "Report 12 · Account"."""
    if place.part == "report":
        part = _("Report %(number)s", number=place.ref)
    elif place.part == "section":
        part = _("Section: %(title)s", title=SECTION_TITLES.get(place.ref, place.ref))
    elif place.part == "exhibit":
        part = _("Exhibit %(number)s", number=place.ref)
    else:
        part = _("The dossier")
    name = place.field.split(".")[0]
    if name.startswith("translation-"):
        field = _("Translation (%(language)s)", language=name.removeprefix("translation-"))
    else:
        field = str(FIELD_LABELS.get(name, name))
    return f"{part} · {field}"


@bp.route("/<int:dossier_id>/occurrences")
def occurrences(dossier_id: int) -> str:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    return _page(dossier)


@bp.route("/<int:dossier_id>/occurrences/<key>", methods=["POST"])
def decide_occurrence(dossier_id: int, key: str) -> str | Response:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    form = OccurrenceForm()
    if not form.validate_on_submit():
        return redirect(url_for("dossiers.occurrences", dossier_id=dossier.id))
    try:
        occurrence_service.decide(crypto_kit(), current_user, dossier, key,
                                  form.decision.data or "", form.reason.data or "")
    except ValidationFailed as error:
        undo_unit_of_work()
        return _page(dossier, failed=(key, str(error.message), form.reason.data or ""))
    flash(_("Kept as written, for the reason given.") if form.decision.data == Decision.SAFE
          else _("It will be redacted there."), "success")
    return redirect(url_for("dossiers.occurrences", dossier_id=dossier.id)
                    + f"#occurrence-{key[:16]}")


@bp.route("/<int:dossier_id>/occurrences/redact-remaining", methods=["POST"])
def redact_remaining(dossier_id: int) -> Response:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    if ConfirmForm().validate_on_submit():
        with refusal_flashed():
            count = occurrence_service.redact_remaining(crypto_kit(), current_user, dossier)
            flash(_("%(count)s passages will be redacted.", count=count), "success")
    return redirect(url_for("dossiers.occurrences", dossier_id=dossier.id))


def _page(dossier: Dossier, failed: tuple[str, str, str] | None = None) -> str:
    found = occurrence_service.find_occurrences(crypto_kit(), dossier)
    may_decide = (can(current_user, Permission.DOSSIER_EDIT, dossier)
                  or can(current_user, Permission.DOSSIER_REVIEW, dossier))
    return render_template(
        "dossiers/occurrences.html", dossier=dossier, occurrences=found,
        unresolved=occurrence_service.unresolved(found), may_decide=may_decide,
        where=where, kinds=KINDS, failed=failed, form=OccurrenceForm(),
        confirm_form=ConfirmForm(), back=_back(dossier))


def _back(dossier: Dossier) -> str:
    if can(current_user, Permission.DOSSIER_REVIEW, dossier):
        return url_for("dossiers.review", dossier_id=dossier.id)
    return url_for("dossiers.view", dossier_id=dossier.id)

