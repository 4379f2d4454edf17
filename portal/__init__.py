"""The PS752 case portal. `create_app()` only wires: config, web, CLI, logging."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

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
    return app
