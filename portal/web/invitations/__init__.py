"""Inviting people, and accepting an invitation (the only way to get an account)."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from portal.web.invitations import views  # noqa: E402,F401  (registers the routes)
