"""Redacting an exhibit's image for the public variant (issue 13, item 5): the advocate
marks rectangles on an image exhibit or on a PDF exhibit's page previews, typed as
coordinates (the page works without JavaScript) or drawn on the image with
static/js/redact-image.js, which fills the same field. The service
(services/dossiers/redacted_renditions.py) makes the redacted copy; the images are
served by `evidence.rendition` (access-checked, a custody "viewed" event each time).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from portal.dependencies import blob_store, crypto_kit
from portal.models import Dossier, DossierExhibit, db
from portal.policy import Permission
from portal.services.dossiers import assembly, redacted_renditions
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.forms import PortalForm
from portal.web.refusals import refusal_flashed, refusal_shown_on


class RedactImageForm(PortalForm):
    rectangles = TextAreaField(
        _l("Areas to black out"),
        description=_l("One area a line: x, y, width, height, in pixels of the image, "
                       "counted from its top-left corner. For example: 10, 20, 150, 40"))


class ClearRedactionForm(PortalForm):
    """A button: show the page unredacted again (CSRF only)."""


def _load(dossier_id: int, exhibit_id: int) -> tuple[Dossier, DossierExhibit]:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_EDIT, "dossier")
    exhibit = db.session.get(DossierExhibit, exhibit_id)
    if exhibit is None or exhibit.dossier_id != dossier.id:
        deny("dossier", dossier.id)
    assert exhibit is not None
    return dossier, exhibit


@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>/redact", methods=["GET", "POST"])
@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>/redact/<int:number>",
          methods=["GET", "POST"])
def redact_image(dossier_id: int, exhibit_id: int, number: int | None = None
                 ) -> str | Response:
    dossier, exhibit = _load(dossier_id, exhibit_id)
    pages = redacted_renditions.redactable_pages(exhibit)
    label = assembly.exhibit_label(exhibit.number)
    if not pages:
        return render_template("dossiers/redact_image.html", dossier=dossier,
                               exhibit=exhibit, label=label, pages=pages, current=None)
    current = next((p for p in pages if p.number == (number or pages[0].number)), None)
    if current is None:
        deny("dossier", dossier.id)
    assert current is not None
    kit, store = crypto_kit(), blob_store()
    form = RedactImageForm()
    if request.method == "GET" and current.redaction is not None:
        form.rectangles.data = redacted_renditions.format_rectangles(
            current.redaction.rectangles)
    elif form.validate_on_submit():
        with refusal_shown_on(form, "rectangles"):
            redacted_renditions.redact_page(kit, store, current_user, dossier, exhibit,
                                            current.number, form.rectangles.data or "")
            flash(_("Redacted copy made. The public variant shows it instead of this image."),
                  "success")
            return redirect(url_for("dossiers.redact_image", dossier_id=dossier.id,
                                    exhibit_id=exhibit.id, number=current.number))
    return render_template(
        "dossiers/redact_image.html", dossier=dossier, exhibit=exhibit, label=label,
        pages=pages, current=current, form=form, clear_form=ClearRedactionForm(),
        size=redacted_renditions.source_size(kit, store, current.source),
        public=assembly.treatment(exhibit, assembly.PUBLIC))


@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>/redact/<int:number>/clear",
          methods=["POST"])
def clear_redaction(dossier_id: int, exhibit_id: int, number: int) -> Response:
    dossier, exhibit = _load(dossier_id, exhibit_id)
    if ClearRedactionForm().validate_on_submit():
        with refusal_flashed():
            redacted_renditions.clear_page(current_user, dossier, exhibit, number)
            flash(_("This image is shown unredacted again. Its redacted copy is kept in the "
                    "chain of custody."), "success")
    return redirect(url_for("dossiers.redact_image", dossier_id=dossier.id,
                            exhibit_id=exhibit.id, number=number))
