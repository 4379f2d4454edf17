"""The advocate's workspace: incidents of assigned families, filters, search, statistics."""

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

from portal.web.workspace import views  # noqa: E402,F401  (registers the routes)
