"""The PS752 case portal. `create_app()` only wires: config, web, CLI, logging, the host check."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from portal.config import load_config
from portal.logs import configure_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal. `overrides` (tests) win over every other configuration layer."""
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "PORTAL_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, overrides)
    app.config.setdefault("MIGRATIONS_DIR", str(PROJECT_ROOT / "migrations"))
    configure_logging(app)

    from portal.cli import register_cli
    from portal.jobs import install as install_jobs
    from portal.web import init_web

    init_web(app)
    install_jobs(app)
    register_cli(app)
    refuse_untrusted_hosts(app)
    return app


def refuse_untrusted_hosts(app: Flask) -> None:
    """Answer a request naming a host outside TRUSTED_HOSTS (derived from BASE_URL) with
    a plain 400 before Flask sees it: Flask would refuse it too, but through the error
    page, which cannot build a single URL for a host it does not trust."""
    from portal.web.headers import CONTENT_SECURITY_POLICY, STATIC_HEADERS

    trusted_hosts = list(app.config["TRUSTED_HOSTS"])
    portal_app = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            get_host(environ, trusted_hosts)
        except SecurityError:
            refusal = Response("Unknown host.\n", 400, mimetype="text/plain", headers={
                **STATIC_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "Cache-Control": "no-store", "Pragma": "no-cache"})
            return refusal(environ, start_response)
        return portal_app(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
