"""Editorial settings admins keep: the dossier section templates and the advocacy events."""

from flask import Blueprint

bp = Blueprint("editorial", __name__, url_prefix="/admin/editorial")

from portal.web.editorial import views  # noqa: E402,F401  (registers the routes)
