"""The advocate's workspace: the incidents of their families, and statistics."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.audit import AuditAction, Outcome, record_event
from portal.calendar import DateInputError, guess_calendar, parse_date
from portal.dependencies import crypto_kit
from portal.models import IncidentTypeTerm, db
from portal.models.vocabulary import Agency, Verification
from portal.services import workspace as workspace_service
from portal.services.countries import country_codes
from portal.services.membership import assigned_families
from portal.web.vocabulary import blank, choices, country_choices
from portal.web.workspace import bp
from portal.web.workspace.forms import IncidentFilterForm

ANY = blank(_l("Any"))


def _filter_form() -> IncidentFilterForm:
    form = IncidentFilterForm(request.args)
    locale = str(get_locale() or "en")
    form.family.choices = [ANY, *(SelectChoice(str(f.id), f.code)
                                  for f in assigned_families(current_user))]
    form.type_code.choices = [ANY, *(SelectChoice(t.code, t.label(locale)) for t in
                                     db.session.scalars(select(IncidentTypeTerm).order_by(
                                         IncidentTypeTerm.position)))]
    form.agency.choices = [ANY, *choices(Agency)]
    form.country.choices = [ANY, *country_choices()]
    form.verification.choices = [ANY, *choices(Verification)]
    form.has_evidence.choices = [ANY, SelectChoice("yes", _l("With evidence")),
                                 SelectChoice("no", _l("Without evidence"))]
    return form


def _period_end(form: IncidentFilterForm, name: str, last: bool) -> date | None:
    """A filter date typed in either calendar; its first (or last) day. Errors go on the field."""
    field = form[name]
    text = field.data or ""
    if not text:
        return None
    calendar = guess_calendar(text)
    parsed = None
    if calendar is not None:
        try:
            parsed = parse_date(text, calendar, today=date.max)
        except DateInputError:
            parsed = None
    if parsed is None:
        field.errors = [_l("Enter a date like 1398/10/18 or 2020-01-08, or a month or year.")]
        return None
    return parsed.last_day if last else parsed.first_day


@bp.route("")
def incidents() -> str:
    form = _filter_form()
    family = form.family.data or ""
    filters = workspace_service.IncidentFilters(
        family_id=int(family) if family.isdigit() else None,
        since=_period_end(form, "since", last=False),
        until=_period_end(form, "until", last=True),
        type_code=form.type_code.data or "", agency=form.agency.data or "",
        country=(form.country.data or "") if (form.country.data or "") in country_codes() else "",
        verification=form.verification.data or "", text=form.q.data or "",
        has_evidence={"yes": True, "no": False}.get(form.has_evidence.data or ""))
    page = workspace_service.search(crypto_kit(), current_user, filters,
                                    request.args.get("page", 1, type=int))
    if filters.text:
        # The words searched for are not recorded: they may be names.
        record_event(AuditAction.INCIDENTS_SEARCHED, Outcome.SUCCESS, actor=current_user,
                     details={"results": page.total})
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("workspace/incidents.html", form=form, page=page, query=query)


@bp.route("/statistics")
def statistics() -> str:
    stats = workspace_service.statistics(current_user)
    return render_template("workspace/statistics.html", stats=stats, as_text=str)
