"""Layered configuration: defaults, then `instance/config.py`, then `PORTAL_*` variables.

Outside testing the portal refuses to start without real secrets: a missing or
placeholder `SECRET_KEY` or `MASTER_KEY` is an error, never a silent default.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "PORTAL_"
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "dev", "secret", "placeholder", "xxx"})


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says how to fix it."""


DEFAULTS: dict[str, Any] = {
    # "production" unless the instance says otherwise: demo data refuses to load there.
    "ENV": "production",
    "SECRET_KEY": None,
    # 32 random bytes, URL-safe base64: wraps every data key (envelope encryption).
    "MASTER_KEY": None,
    "DATABASE_URL": None,  # None: SQLite at instance/portal.sqlite3
    "REDIS_URL": None,  # None: rate-limit counters in memory (one process)
    "HTTPS": False,  # True behind TLS: Secure cookies and HSTS
    "QUICK_EXIT_URL": "https://www.google.com/",
    "STAFF_IDLE_MINUTES": 15,
    "FAMILY_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "REAUTH_MINUTES": 5,
    "LOGIN_FAILURES_PER_MINUTE": 5,
    "INVITATION_TTL_HOURS": 72,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "ARGON2_PARALLELISM": 4,
    "PORTAL_NAME": "PS752 Justice Portal",
    "LOG_LEVEL": "INFO",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill `app.config` from the layers, derive Flask's own keys and validate."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(_from_environment(os.environ))
    if overrides:
        app.config.from_mapping(overrides)
    _derive_flask_settings(app)
    if not app.config.get("TESTING"):
        validate_secrets(app.config)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read PORTAL_<KEY> for every known key, typed like its default."""
    found: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key.removeprefix(ENV_PREFIX))
        if raw is None:
            continue
        if isinstance(default, bool):
            found[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            found[key] = int(raw)
        else:
            found[key] = raw
    return found


def _derive_flask_settings(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        cfg["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}",
    )
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    https = bool(cfg["HTTPS"])
    cfg["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    # "__Host-" pins the cookie to this host and path, and browsers accept it only over HTTPS.
    cfg["SESSION_COOKIE_NAME"] = "__Host-portal" if https else "portal"
    cfg["SESSION_COOKIE_SECURE"] = https
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_REFRESH_EACH_REQUEST"] = True
    # The CSRF token lives as long as the session, so long forms do not expire under a writer.
    cfg["WTF_CSRF_TIME_LIMIT"] = None
    cfg["WTF_CSRF_SSL_STRICT"] = https
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg["REDIS_URL"] or "memory://")
    cfg["RATELIMIT_HEADERS_ENABLED"] = False
    cfg.setdefault("BABEL_DEFAULT_LOCALE", "en")
    cfg.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")


def validate_secrets(cfg: Mapping[str, Any]) -> None:
    """Raise ConfigError unless SECRET_KEY and MASTER_KEY are real secrets."""
    secret = cfg.get("SECRET_KEY")
    if not isinstance(secret, str) or secret.lower() in PLACEHOLDERS or len(secret) < 32:
        raise ConfigError(
            "SECRET_KEY is missing or a placeholder: run `python -m portal.setup_instance` "
            "or set PORTAL_SECRET_KEY to at least 32 random characters."
        )
    master = cfg.get("MASTER_KEY")
    if not isinstance(master, str) or not _is_32_byte_key(master):
        raise ConfigError(
            "MASTER_KEY is missing or invalid: it must be 32 random bytes in URL-safe base64 "
            "(run `python -m portal.setup_instance`, or set PORTAL_MASTER_KEY)."
        )


def _is_32_byte_key(text: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(text.encode("ascii"))) == 32
    except (binascii.Error, ValueError):
        return False


def render_instance_config() -> str:
    """The text of a fresh instance/config.py with newly generated secrets."""
    secret_key = secrets.token_urlsafe(48)
    master_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    return (
        "# Written by `python -m portal.setup_instance`. Keep this file secret and out of\n"
        "# backups of the database: MASTER_KEY decrypts every sealed field and file.\n"
        f"SECRET_KEY = {secret_key!r}\n"
        f"MASTER_KEY = {master_key!r}\n"
        "# 'development' allows demo data; use 'production' on a real server.\n"
        "ENV = 'development'\n"
    )
