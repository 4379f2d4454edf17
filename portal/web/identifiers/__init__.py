"""Identifiers on reports and evidence items, their links across family files, and the
workspace's recurring identifiers (decision 0028)."""

from flask import Blueprint

bp = Blueprint("identifiers", __name__)

from portal.web.identifiers import panel, views  # noqa: E402,F401  (panel context, routes)
