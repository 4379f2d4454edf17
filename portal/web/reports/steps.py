"""A draft report, one question per page (decision 0024): the step pages, check your
answers, and sending. Each step saves the draft when the person presses Continue or
"Save and come back later" (a plain form post: no JavaScript needed); Continue also
asks for what that step cannot be left without. The answers of other steps are never
touched by a step (`report_steps.with_answers`)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from portal.dependencies import crypto_kit
from portal.models import Incident
from portal.models.vocabulary import IncidentStatus
from portal.services import consent as consent_service
from portal.services import evidence as evidence_service
from portal.services import incidents as incident_service
from portal.services import report_steps
from portal.services.errors import InvalidFields
from portal.services.incident_content import IncidentContent
from portal.services.report_steps import CHECK, STEPS, Step
from portal.web.kept_posts import restore_kept_form
from portal.web.refusals import refusal_shown_on
from portal.web.reports.form_choices import incident_form, today
from portal.web.reports.forms import ConsentForm, SendReportForm
from portal.web.unit_of_work import undo_unit_of_work

FIRST = STEPS[0]
BACK_TO_CHECK = "check"  # a "Change" link's step returns to check-your-answers


def step_url(incident: Incident, step: Step, **args: Any) -> str:
    return url_for("reports.edit", incident_id=incident.id, step=step.slug, **args)


def step_page(incident: Incident, slug: str) -> str | Response:
    """The page of step `slug` of a draft; a sent report is changed on one page."""
    step = report_steps.step_of(slug)
    if step is None:
        abort(404)
    if incident.status is not IncidentStatus.DRAFT:
        return redirect(url_for("reports.edit", incident_id=incident.id))
    pages = {"evidence": _evidence_step, "consent": _consent_step, CHECK: _check_step}
    return pages.get(step.slug, _question_step)(incident, step)


def _question_step(incident: Incident, step: Step) -> str | Response:
    form, choices = incident_form(incident)
    kit = crypto_kit()
    saved = incident_service.load_content(kit, incident)
    if request.method == "GET":
        if not restore_kept_form(form):  # what was typed when the session ended comes first
            form.show(saved)
    elif form.validate_on_submit():
        content = report_steps.with_answers(saved, step, {n: form[n].data for n in step.fields})
        with refusal_shown_on(form, step.fields[0]):
            incident_service.save_draft(kit, current_user, incident, content, today(), choices)
            missing = {} if _saving_for_later() else report_steps.missing_at_step(content, step)
            for name, message in missing.items():  # saved all the same: nothing is lost
                form[name].errors = [*form[name].errors, message]
            if not missing:
                return _onward(incident, step)
    return _render(incident, step, form=form)


def _evidence_step(incident: Incident, step: Step) -> str:
    return _render(incident, step, items=evidence_service.items_of(incident))


def _consent_step(incident: Incident, step: Step) -> str | Response:
    form = ConsentForm()
    form.fill_choices()
    current = consent_service.current_consent(incident)
    if request.method == "GET":
        if not restore_kept_form(form):
            form.show(current)
    elif form.validate_on_submit():
        choice = form.choice()
        if _saving_for_later() and not choice.disclosure and not choice.testify:
            return _onward(incident, step)  # nothing answered yet: nothing to record
        with refusal_shown_on(form, "destinations"):
            if _differs(current, choice):
                consent_service.record_consent(current_user, incident, choice)
            return _onward(incident, step)
    return _render(incident, step, form=form, current=current)


def _check_step(incident: Incident, step: Step) -> str | Response:
    kit = crypto_kit()
    content = incident_service.load_content(kit, incident)
    consent = consent_service.current_consent(incident)
    send_form = SendReportForm()
    missing: list[report_steps.Missing] = []
    if request.method == "POST" and send_form.validate_on_submit():
        missing = report_steps.missing_before_sending(content, consent)
        if not missing:
            try:
                _form, choices = incident_form(incident)
                incident_service.submit(kit, current_user, incident, content, today(), choices,
                                        declared=bool(send_form.declare_true.data))
                return redirect(url_for("reports.receipt", incident_id=incident.id))
            except InvalidFields as refused:  # a saved answer no longer holds (a date)
                undo_unit_of_work()
                missing = [report_steps.Missing(name, message,
                                                report_steps.FIELD_STEP.get(name, CHECK))
                           for name, message in refused.errors.items()]
    form, _choices = incident_form(incident)
    form.show(content)
    answers = [(s, [(form[n].label.text, _answer(form[n])) for n in s.fields
                    if _shown(s, n, content)]) for s in STEPS if s.fields]
    return _render(incident, step, answers=answers, consent=consent, send_form=send_form,
                   missing=missing, items=evidence_service.items_of(incident))


def _render(incident: Incident, step: Step, **context: Any) -> str:
    back = request.values.get("back") == BACK_TO_CHECK
    position = STEPS.index(step)
    return render_template(
        "reports/step.html", incident=incident, step=step, steps=STEPS,
        number=position + 1, previous=STEPS[position - 1] if position else None,
        following=report_steps.next_step(step), back_to_check=back, step_url=step_url,
        **context)


def _onward(incident: Incident, step: Step) -> Response:
    """Where a step's button leads: the list of reports (saved for later), back to
    check-your-answers (after a "Change" link), or the next step."""
    if _saving_for_later():
        flash(_("Draft saved. You can come back and finish it later."), "success")
        return redirect(url_for("reports.mine"))
    if request.values.get("back") == BACK_TO_CHECK:
        return redirect(step_url(incident, STEPS[-1]))
    return redirect(step_url(incident, report_steps.next_step(step)))


def _saving_for_later() -> bool:
    return request.form.get("action") == "save"


def _differs(current: Any, choice: consent_service.ConsentChoice) -> bool:
    """Whether `choice` would change the consent in force (a new record each time the
    step is passed would bury the history under copies)."""
    if current is None or current.withdrawn:
        return True
    return (sorted(current.destinations) != sorted(choice.destinations)
            or current.disclosure.value != choice.disclosure
            or current.testify.value != choice.testify
            or current.aggregate_use != choice.aggregate_use)


def _shown(step: Step, name: str, content: IncidentContent) -> bool:
    """Rows of check-your-answers: the calendar shows with the dates it reads, and the
    details of a report to an authority only when one was made."""
    if name == "calendar":
        return False
    if name in ("report_date", "report_reference"):
        return bool(content.report_authority)
    return True


def _answer(field: Field) -> list[str]:
    """What the person answered, as they saw it: the labels of what they chose, or
    their text; an empty list for no answer."""
    data = field.data
    if isinstance(data, bool):
        return [_("Yes") if data else _("No")]
    options = getattr(field, "choices", None)
    if options:
        chosen = data if isinstance(data, list) else [data]
        picked = [SelectChoice.from_input(option) for option in options]
        return [str(c.label) for c in picked if c.value in chosen and c.value != ""]
    return [str(data)] if data else []

