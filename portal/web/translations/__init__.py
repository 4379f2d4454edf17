"""Translations of incidents and evidence items, added by the advocates assigned to them."""

from flask import Blueprint

bp = Blueprint("translations", __name__, url_prefix="/translations")

from portal.web.translations import views  # noqa: E402,F401  (registers the routes)
