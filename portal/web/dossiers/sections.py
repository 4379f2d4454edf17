"""Editing a dossier's narrative sections, with a preview of the markup and the facts.

Load the dossier (DOSSIER_READ, 404 otherwise), then check DOSSIER_EDIT before any
save. "Preview" re-renders what was typed without saving, so the page works without
JavaScript. A save refused because someone else saved first answers 409 and keeps
the person's text in the box, with the other text shown beside it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.dependencies import crypto_kit
from portal.models.dossiers import Dossier, SectionKey
from portal.policy import Permission, can
from portal.services.dossiers import facts as facts_service
from portal.services.dossiers import section_translations
from portal.services.dossiers import sections as section_service
from portal.services.dossiers.markup import render_markup
from portal.services.dossiers.naming import agency_namer
from portal.services.errors import EditConflict, ValidationFailed
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.dossiers.section_forms import SectionForm, as_version, section_title
from portal.web.refusals import show_refusal
from portal.web.translations.forms import language_label


@bp.route("/<int:dossier_id>/sections/<key>", methods=["GET", "POST"])
def edit_section(dossier_id: int, key: str) -> str | Response | tuple[str, int]:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    kit = crypto_kit()
    draft = section_service.load_section(kit, dossier, key)  # an unknown key: 404, recorded
    editable = can(current_user, Permission.DOSSIER_EDIT, dossier)
    form = SectionForm() if request.method == "POST" else SectionForm(
        data={"body": draft.body, "lock_version": str(draft.lock_version)})
    current_text = None  # the other person's text, after a refused save
    status = 200
    if form.validate_on_submit() and request.form.get("action") == "save":
        if not editable:
            deny("dossier", dossier.id)
        try:
            changed = section_service.save_section(
                kit, current_user, dossier, key, form.body.data or "",
                as_version(form.lock_version.data))
        except ValidationFailed as error:
            show_refusal(form, error, "body")
        except EditConflict as error:
            show_refusal(form, error, "body")
            latest = section_service.load_section(kit, dossier, key)
            current_text, status = latest.body, 409
            # Saving again now is a deliberate choice to replace the text shown beside.
            form.lock_version.data = str(latest.lock_version)
        else:
            flash(_("The section was saved.") if changed else _("Nothing was changed."),
                  "success")
            return redirect(url_for("dossiers.edit_section", dossier_id=dossier.id, key=key))
    facts, preview = _preview(dossier, form.body.data or "")
    page = render_template(
        "dossiers/section.html", dossier=dossier, form=form, key=key, editable=editable,
        title=section_title(key), preview=preview, facts=facts, current_text=current_text,
        keys=[k.value for k in SectionKey], section_title=section_title,
        draft_exists=draft.lock_version > 0,
        translation_languages=[(code, language_label(code))
                               for code in section_translations.LANGUAGES
                               if code != dossier.language])
    return (page, status) if status != 200 else page


def _preview(dossier: Dossier, body: str) -> tuple[dict[str, str], Markup]:
    """The facts and the rendered text in the dossier's language (not the page's)."""
    facts = facts_service.compute_facts(dossier)
    agency_name = agency_namer(dossier.language)  # as the assembly names them
    with force_locale(dossier.language):
        values = facts_service.fact_values(facts, dossier.language, agency_name)
        text = facts_service.substitute(body, facts, dossier.language, agency_name)
    shown = {name: values.get(name, "") for name in facts_service.PLACEHOLDERS}
    return shown, render_markup(text)
