"""Evidence: upload with receipts, the item page, downloads and the custody log."""

from flask import Blueprint

bp = Blueprint("evidence", __name__)

from portal.web.evidence import messages, recognised, resumable, views  # noqa: E402,F401  (registers the routes)
