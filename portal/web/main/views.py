from __future__ import annotations

from flask import g, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.localization import SUPPORTED_LOCALES
from portal.models import Role
from portal.policy import permissions_of
from portal.services.thread import open_questions_for_reporter
from portal.web.forms import PortalForm
from portal.web.health import health_status
from portal.web.i18n import LOCALE_KEY
from portal.web.kept_posts import keep_form_for_language_switch
from portal.web.main import bp
from portal.web.navigation import safe_next


@bp.route("/")
def home() -> str:
    """Where to go next; for a family member, the questions waiting for their answer."""
    questions = (open_questions_for_reporter(current_user)
                 if current_user.role is Role.FAMILY_MEMBER else {})
    return render_template("main/home.html", held=permissions_of(current_user),
                           questions=questions)


@bp.route("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """For the proxy and the monitoring: "ok" (200) or "degraded" (503), nothing more
    (portal/web/health.py); never cached (the security headers add no-store)."""
    status = health_status()
    return status, 200 if status == "ok" else 503, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Remember the chosen language (for the account too) and go back where we were."""
    form = PortalForm()
    locale = request.form.get("locale", "")
    # On a form page the buttons send that form here, the page in the query string
    # (templates/base.html): what was typed is kept and given back on the page.
    back = safe_next(request.form.get("next") or request.args.get("next"), "auth.login")
    if form.validate_on_submit() and locale in SUPPORTED_LOCALES:
        session[LOCALE_KEY] = locale
        g.chosen_locale = locale
        if current_user.is_authenticated:
            current_user.locale = locale
        sign_in_first = keep_form_for_language_switch(back)
        if sign_in_first is not None:
            return sign_in_first
    return redirect(back)
