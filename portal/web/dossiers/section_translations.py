"""Translating a dossier's sections into the other languages it may be exported in
(decision 0023): the translated text, who translated it, how, and the certificate.

Load the dossier (DOSSIER_READ, 404 otherwise); the service checks DOSSIER_EDIT
before a save. The page shows the section's current text beside the translation and
says when the translation was made from an older text (stale: an export in its
language is refused until it is saved again).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField

from portal.dependencies import crypto_kit
from portal.models.dossiers import Dossier, TranslationMethod
from portal.policy import Permission, can
from portal.services.dossiers import section_translations as service
from portal.services.dossiers import sections as section_service
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.dossiers.section_forms import MARKUP_HINT, as_version, section_title
from portal.web.forms import PortalForm, strip_text
from portal.web.refusals import refusal_shown_on
from portal.web.translations.forms import language_label
from portal.web.vocabulary import choices


class SectionTranslationForm(PortalForm):
    text = TextAreaField(_l("Translated text"), description=MARKUP_HINT)
    translator = StringField(
        _l("Translator"), filters=[strip_text],
        description=_l("The person's name, or the tool's name for a machine translation. "
                       "Kept encrypted; shown in the confidential dossier only."))
    method = RadioField(_l("How it was translated"), validate_choice=False)
    certified = BooleanField(_l("This is a certified translation"))
    certificate = TextAreaField(
        _l("Translator's certificate"),
        description=_l("The translator's statement that the translation is true and "
                       "complete, as they signed it. Printed in Annex C."))
    lock_version = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.method.choices = choices(TranslationMethod)

    def translation(self) -> service.SectionTranslationInput:
        return service.SectionTranslationInput(
            text=self.text.data or "", translator=self.translator.data or "",
            method=self.method.data or "", certified=bool(self.certified.data),
            certificate=self.certificate.data or "",
            lock_version=as_version(self.lock_version.data))


@bp.route("/<int:dossier_id>/sections/<key>/translations/<language>",
          methods=["GET", "POST"])
def translate_section(dossier_id: int, key: str, language: str) -> str | Response:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    kit = crypto_kit()
    existing = service.load_section_translation(kit, dossier, key, language)  # 404s
    editable = can(current_user, Permission.DOSSIER_EDIT, dossier)
    form = SectionTranslationForm() if request.method == "POST" else SectionTranslationForm(
        data=_initial(existing))
    if form.validate_on_submit():
        if not editable:
            deny("dossier", dossier.id)
        with refusal_shown_on(form, "text"):  # every problem beside its field, text kept
            service.save_section_translation(kit, current_user, dossier, key, language,
                                             form.translation())
            flash(_("The translation was saved."), "success")
            return redirect(url_for("dossiers.translate_section", dossier_id=dossier.id,
                                    key=key, language=language))
    source = section_service.load_section(kit, dossier, key)
    return render_template(
        "dossiers/section_translation.html", dossier=dossier, form=form, key=key,
        language=language, language_name=language_label(language), editable=editable,
        title=section_title(key), source=source.body, existing=existing)


def _initial(existing: service.SectionTranslationView | None) -> dict[str, object]:
    if existing is None:
        return {"lock_version": "0"}
    return {"text": existing.text, "translator": existing.translator,
            "method": existing.method, "certified": existing.certified,
            "certificate": existing.certificate, "lock_version": str(existing.lock_version)}
