"""The web layer: blueprints, forms, request hooks. The only layer that knows Flask's request."""

from __future__ import annotations

from flask import Flask

from portal.dependencies import install as install_kit
from portal.models import db
from portal.web import authn  # noqa: F401  (registers the session loader)
from portal.web.access import enforce_access
from portal.web.errors import register_error_handlers
from portal.web.extensions import babel, csrf, limiter, login_manager, migrate
from portal.web.headers import add_security_headers
from portal.web.i18n import select_locale, template_globals
from portal.web.kept_posts import install as install_kept_posts
from portal.web.layout import layout_context, local_digits
from portal.web.onion import install as install_onion_only
from portal.web.unit_of_work import finish_unit_of_work
from portal.web.uploads import install as install_uploads


def init_web(app: Flask) -> None:
    """Wire extensions, hooks, blueprints and error handlers onto the app."""
    install_kit(app)
    install_onion_only(app)  # ONION_ONLY: refuse what did not come through the onion service
    install_uploads(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]))
    # A form sent after its session ended is kept before the access check sends it away.
    install_kept_posts(app)
    # Access first, CSRF second: an anonymous POST is sent to sign in, not told about tokens.
    app.before_request(enforce_access)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.session_protection = None  # our server-side sessions do this job
    limiter.init_app(app)
    app.after_request(finish_unit_of_work)
    app.after_request(add_security_headers)
    app.context_processor(template_globals)
    app.context_processor(layout_context)
    app.add_template_filter(local_digits, "digits")
    register_error_handlers(app)
    _register_blueprints(app)


def _register_blueprints(app: Flask) -> None:
    from portal.web.account import bp as account_bp
    from portal.web.admin import bp as admin_bp
    from portal.web.auth import bp as auth_bp
    from portal.web.dossiers import bp as dossiers_bp
    from portal.web.editorial import bp as editorial_bp
    from portal.web.evidence import bp as evidence_bp
    from portal.web.families import bp as families_bp
    from portal.web.identifiers import bp as identifiers_bp
    from portal.web.invitations import bp as invitations_bp
    from portal.web.main import bp as main_bp
    from portal.web.register import bp as register_bp
    from portal.web.reports import bp as reports_bp
    from portal.web.translations import bp as translations_bp
    from portal.web.workspace import bp as workspace_bp

    for blueprint in (main_bp, auth_bp, account_bp, invitations_bp, admin_bp, register_bp,
                      families_bp, reports_bp, workspace_bp, evidence_bp, dossiers_bp,
                      editorial_bp, translations_bp, identifiers_bp):
        app.register_blueprint(blueprint)
