"""The home page, the language switch and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from portal.web.main import views  # noqa: E402,F401  (registers the routes)
