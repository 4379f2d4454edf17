"""Incidents: the family member's reports, the incident form, history and thread."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from portal.web.reports import views  # noqa: E402,F401  (registers the routes)
