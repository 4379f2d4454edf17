"""Views of the editorial blueprint (admins): section templates and advocacy events.

Templates are generic wording with placeholders, no facts about anyone; a change
applies to dossiers created afterwards, never to sections already written.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.models import db
from portal.models.dossiers import AdvocacyEvent, SectionKey, SectionTemplate
from portal.policy import Permission, can
from portal.services.dossiers import patterns as pattern_service
from portal.services.dossiers import sections as section_service
from portal.services.dossiers.markup import render_markup
from portal.web.access import deny
from portal.web.dossiers.section_forms import section_title
from portal.web.editorial import bp
from portal.web.editorial.forms import AdvocacyEventForm, ConfirmForm, TemplateForm
from portal.web.refusals import refusal_shown_on

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


@bp.route("")
def index() -> str:
    edited = {(row.key, row.language) for row in db.session.scalars(select(SectionTemplate))}
    return render_template("editorial/index.html", keys=[k.value for k in SectionKey],
                           languages=section_service.TEMPLATE_LANGUAGES,
                           language_names=LANGUAGE_NAMES, edited=edited,
                           section_title=section_title)


@bp.route("/templates/<key>/<language>", methods=["GET", "POST"])
def edit_template(key: str, language: str) -> str | Response:
    section = section_service.section_key(key)  # an unknown key: 404, recorded
    if language not in section_service.TEMPLATE_LANGUAGES:
        deny("section_template", f"{key}.{language}")
    form = TemplateForm()
    if not form.is_submitted():
        form.body.data = section_service.template_body(section, language)
    elif form.validate_on_submit():
        with refusal_shown_on(form, "body"):
            changed = section_service.save_template(current_user, key, language,
                                                    form.body.data or "")
            flash(_("The template was saved. Dossiers created from now on start from it.")
                  if changed else _("Nothing was changed."), "success")
            return redirect(url_for("editorial.index"))
    return render_template("editorial/template.html", form=form, key=key, language=language,
                           language_name=LANGUAGE_NAMES[language], title=section_title(key),
                           preview=render_markup(form.body.data or ""))


@bp.route("/events", methods=["GET", "POST"])
def events() -> str | Response:
    form = AdvocacyEventForm()
    if form.validate_on_submit():
        with refusal_shown_on(form, "occurred_on"):
            pattern_service.record_advocacy_event(current_user, form.event())
            flash(_("The event was recorded."), "success")
            return redirect(url_for("editorial.events"))
    return render_template("editorial/events.html", form=form,
                           events=pattern_service.list_advocacy_events())


@bp.route("/events/<int:event_id>/delete", methods=["POST"])
def delete_event(event_id: int) -> Response:
    # Policy has no object rule for advocacy events (public, admin-wide data): the
    # endpoint's REGISTER_MANAGE rule is the check, and the service checks it again.
    event = db.session.get(AdvocacyEvent, event_id)
    if event is None or not can(current_user, Permission.REGISTER_MANAGE):
        deny("advocacy_event", event_id)
    if ConfirmForm().validate_on_submit():
        pattern_service.delete_advocacy_event(current_user, event)
        flash(_("The event was deleted."), "success")
    return redirect(url_for("editorial.events"))
