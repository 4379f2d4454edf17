"""Signing in and out: passphrase, second factor, re-authentication."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.web.auth import quick_exit, views  # noqa: E402,F401  (registers the routes)
