"""The victims register, family files, advocate assignments and the incident taxonomy."""

from flask import Blueprint

bp = Blueprint("register", __name__, url_prefix="/admin/register")

from portal.web.register import views  # noqa: E402,F401  (registers the routes)
