from __future__ import annotations

from flask import g, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.localization import SUPPORTED_LOCALES
from portal.policy import permissions_of
from portal.web.forms import PortalForm
from portal.web.i18n import LOCALE_KEY
from portal.web.main import bp
from portal.web.navigation import safe_next


@bp.route("/")
def home() -> str:
    return render_template("main/home.html", held=permissions_of(current_user))


@bp.route("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Remember the chosen language (for the account too) and go back where we were."""
    form = PortalForm()
    locale = request.form.get("locale", "")
    if form.validate_on_submit() and locale in SUPPORTED_LOCALES:
        session[LOCALE_KEY] = locale
        g.chosen_locale = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(safe_next(request.form.get("next"), "auth.login"))
