"""A person's own account: passphrase, sessions, second factor."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from portal.web.account import views  # noqa: E402,F401  (registers the routes)
