"""Whether a dossier prints an exhibit's machine-read text (OCR) under its image
(decision 0030): the option on the exhibit page, off by default, and where it posts."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField

from portal.models import DossierExhibit
from portal.policy import Permission
from portal.services.recognised_text import has_printable_text, set_print_recognised_text
from portal.web.dossiers import bp
from portal.web.dossiers.views import _owned, load_dossier
from portal.web.forms import PortalForm
from portal.web.refusals import refusal_flashed


class RecognisedTextForm(PortalForm):
    print_recognised_text = BooleanField(
        _l("Print the machine-read text under the image"),
        description=_l("Labelled as machine-read, with its confidence. The public "
                       "version removes protected names from it like from any text."))


def recognised_text_option(exhibit: object) -> RecognisedTextForm | None:
    """The option for an exhibit whose item has recognised text, else None."""
    if not isinstance(exhibit, DossierExhibit) or not has_printable_text(exhibit.evidence):
        return None
    form = RecognisedTextForm(formdata=None)
    form.print_recognised_text.data = exhibit.print_recognised_text
    return form


@bp.app_context_processor
def recognised_text_context() -> dict[str, object]:
    return {"recognised_text_option": recognised_text_option}


@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>/recognised-text", methods=["POST"])
def recognised_text(dossier_id: int, exhibit_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    row = _owned(dossier, DossierExhibit, exhibit_id)
    form = RecognisedTextForm()
    if form.validate_on_submit():
        with refusal_flashed():
            set_print_recognised_text(current_user, dossier, row,
                                      bool(form.print_recognised_text.data))
            flash(_("Exhibit saved."), "success")
    return redirect(url_for("dossiers.exhibit", dossier_id=dossier.id, exhibit_id=row.id))
