"""Adding and listing the translations of an incident or an evidence item.

Load the subject with TRANSLATION_MANAGE (assigned advocates; 404 for anyone else),
then list or add through the service. Reading the page shows translated narrative
text, so it is recorded like a view of the report or item.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.models import EvidenceItem, Incident
from portal.policy import Permission
from portal.services import translations as translation_service
from portal.web.access import load_or_deny
from portal.web.kept_posts import restore_kept_form
from portal.web.refusals import refusal_shown_on
from portal.web.translations import bp
from portal.web.translations.forms import TranslationForm, language_label


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
def incident(incident_id: int) -> str | Response:
    subject = load_or_deny(Incident, incident_id, Permission.TRANSLATION_MANAGE, "incident")
    return _page(subject, url_for("reports.view", incident_id=subject.id),
                 _("Translations of report %(number)s", number=subject.id))


@bp.route("/evidence/<int:item_id>", methods=["GET", "POST"])
def evidence(item_id: int) -> str | Response:
    subject = load_or_deny(EvidenceItem, item_id, Permission.TRANSLATION_MANAGE, "evidence")
    return _page(subject, url_for("evidence.item", item_id=subject.id),
                 _("Translations of item %(number)s", number=subject.id))


def _page(subject: Incident | EvidenceItem, back_url: str, title: str) -> str | Response:
    kit = crypto_kit()
    form = TranslationForm()
    if request.method == "GET":
        restore_kept_form(form)  # typed when the session ended (decision 0020)
    if form.validate_on_submit():
        with refusal_shown_on(form, "text"):
            translation_service.add_translation(kit, current_user, subject, form.translation())
            flash(_("The translation was added."), "success")
            return redirect(request.path)
    target = "incident" if isinstance(subject, Incident) else "evidence"
    record_event(AuditAction.TRANSLATIONS_VIEWED, Outcome.SUCCESS, actor=current_user,
                 target_type=target, target_id=subject.id)
    return render_template("translations/list.html", form=form, title=title, back_url=back_url,
                           translations=translation_service.list_translations(kit, subject),
                           language_label=language_label)
