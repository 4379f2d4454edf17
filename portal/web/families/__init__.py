"""A family file as its members and advocates see it: victims and people."""

from flask import Blueprint

bp = Blueprint("families", __name__)

from portal.web.families import views  # noqa: E402,F401  (registers the routes)
