"""The messages of a chat export an exhibit cites ("messages 14–19", decision 0029): a
small form of its own on the exhibit page, so the exhibit's other choices keep theirs."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.dependencies import blob_store, crypto_kit
from portal.models import DossierExhibit, db
from portal.policy import Permission
from portal.services.exhibit_messages import FIELD, set_message_range
from portal.web.access import deny
from portal.web.dossiers import bp
from portal.web.dossiers.views import load_dossier
from portal.web.forms import PortalForm
from portal.web.refusals import refusal_flashed


@bp.route("/<int:dossier_id>/exhibits/<int:exhibit_id>/messages", methods=["POST"])
def exhibit_messages(dossier_id: int, exhibit_id: int) -> Response:
    dossier = load_dossier(dossier_id, Permission.DOSSIER_EDIT)
    row = db.session.get(DossierExhibit, exhibit_id)
    if row is None or row.dossier_id != dossier.id:
        deny("dossier", dossier.id)
    back = url_for("dossiers.exhibit", dossier_id=dossier.id, exhibit_id=row.id)
    if PortalForm().validate_on_submit():  # the CSRF token
        with refusal_flashed():
            set_message_range(crypto_kit(), blob_store(), current_user, dossier, row,
                              request.form.get(FIELD, "")[:40])
            flash(_("The messages cited were saved."), "success")
    return redirect(back)
