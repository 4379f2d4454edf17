"""Layered configuration: defaults, then `instance/config.py`, then `PORTAL_*` variables.

Outside testing the portal refuses to start without real secrets: a missing or
placeholder `SECRET_KEY`, `MASTER_KEY` or `INDEX_KEY` (or a malformed retired master
key) is an error, never a silent default.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
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
    # The ACTIVE master key: 32 random bytes, URL-safe base64. New data keys are wrapped
    # with it; `flask keys rotate` replaces it (decision 0004).
    "MASTER_KEY": None,
    # The id recorded in every blob sealed under MASTER_KEY.
    "MASTER_KEY_ID": "k1",
    # Earlier master keys, {id: base64 key}, kept only to open values sealed before a
    # rotation. From the environment: JSON in PORTAL_RETIRED_MASTER_KEYS.
    "RETIRED_MASTER_KEYS": {},
    # 32 random bytes, URL-safe base64: keys the keyed hashes (recovery-code digests,
    # rate-limit keys, the blind search index). Never rotated with the master key.
    "INDEX_KEY": None,
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
    # Evidence: the largest file accepted, and where the encrypted blobs live.
    "MAX_UPLOAD_BYTES": 2 * 1024**3,
    "EVIDENCE_DIR": None,  # None: instance/evidence
    # PDF evidence: how many of its first pages get a preview (shown in dossiers).
    "EVIDENCE_PDF_PREVIEW_PAGES": 20,
    # The signing PKI of exported dossiers (`flask signing init`; portal/pdf/sign.py).
    "SIGNING_DIR": None,  # None: instance/signing
    # Jobs (portal/jobs): "thread" (in each app process), "rq" (RQ workers through
    # Redis: JOBS_REDIS_URL, else REDIS_URL), "eager" (tests) or "manual".
    "JOBS_BACKEND": "thread",
    "JOBS_REDIS_URL": None,
    "JOBS_QUEUE": "portal",
    # A job still "running" this long after it was claimed is presumed crashed.
    "JOBS_LEASE_SECONDS": 600,
    "JOBS_POLL_SECONDS": 5,
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
        elif isinstance(default, dict):
            found[key] = _json_object(ENV_PREFIX + key, raw)
        elif isinstance(default, int):
            found[key] = int(raw)
        else:
            found[key] = raw
    return found


def _json_object(variable: str, raw: str) -> dict[str, Any]:
    """Parse a JSON object from an environment variable; never echo its (secret) text."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise ConfigError(f"{variable} is not valid JSON: it must be a JSON object such as "
                          '{"k1": "<base64 key>"}.') from None
    if not isinstance(value, dict):
        raise ConfigError(f"{variable} must be a JSON object such as "
                          '{"k1": "<base64 key>"}.')
    return value


def _derive_flask_settings(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        cfg["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}",
    )
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    cfg["EVIDENCE_DIR"] = cfg["EVIDENCE_DIR"] or str(Path(app.instance_path) / "evidence")
    # One large file per request (several small ones fit too); each file is also
    # limited on its own while it streams in (portal/web/uploads.py).
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_UPLOAD_BYTES"]) + 16 * 1024**2
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
    """Raise ConfigError unless every secret (and every retired master key) is real."""
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
    active_id = cfg.get("MASTER_KEY_ID")
    if not isinstance(active_id, str) or not _is_key_id(active_id):
        raise ConfigError(
            "MASTER_KEY_ID is invalid: it must be 1-32 characters from A-Z a-z 0-9 . _ - "
            "(for example 'k2'); set it in instance/config.py or PORTAL_MASTER_KEY_ID."
        )
    _validate_retired_keys(cfg.get("RETIRED_MASTER_KEYS"), active_id, master)
    index = cfg.get("INDEX_KEY")
    if not isinstance(index, str) or not _is_32_byte_key(index):
        raise ConfigError(
            "INDEX_KEY is missing or invalid: it must be 32 random bytes in URL-safe base64, "
            "kept for the life of the installation (recovery codes depend on it). New "
            "instances get one from `python -m portal.setup_instance`; see "
            "docs/operations.md for an installation that predates it (PORTAL_INDEX_KEY)."
        )


def _validate_retired_keys(retired: object, active_id: str, master: str) -> None:
    where = "RETIRED_MASTER_KEYS (PORTAL_RETIRED_MASTER_KEYS as JSON)"
    if not isinstance(retired, Mapping):
        raise ConfigError(f"{where} must map key ids to base64 keys, e.g. "
                          '{"k1": "<base64 key>"}.')
    active_raw = _decode_key(master)
    for key_id, key in retired.items():
        if not isinstance(key_id, str) or not _is_key_id(key_id):
            raise ConfigError(f"{where}: a key id is invalid; ids are 1-32 characters "
                              "from A-Z a-z 0-9 . _ -")
        if key_id == active_id:
            raise ConfigError(f"{where}: {key_id!r} is also MASTER_KEY_ID; a key id names "
                              "one key only.")
        if not isinstance(key, str) or not _is_32_byte_key(key):
            raise ConfigError(f"{where}: the key {key_id!r} is invalid: it must be 32 "
                              "random bytes in URL-safe base64.")
        if _decode_key(key) == active_raw:
            raise ConfigError(f"{where}: the key {key_id!r} is the same as MASTER_KEY; "
                              "the active key must be a new key.")


_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")


def _is_key_id(text: str) -> bool:
    return _KEY_ID.fullmatch(text) is not None


def _decode_key(text: str) -> bytes | None:
    """The raw bytes of URL-safe base64 text (padding optional), or None when invalid."""
    cleaned = text.strip()
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_",
                                validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_32_byte_key(text: str) -> bool:
    raw = _decode_key(text)
    return raw is not None and len(raw) == 32


def render_instance_config() -> str:
    """The text of a fresh instance/config.py with newly generated secrets."""
    secret_key = secrets.token_urlsafe(48)
    master_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    index_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    return (
        "# Written by `python -m portal.setup_instance`. Keep this file secret and out of\n"
        "# backups of the database: MASTER_KEY decrypts every sealed field and file.\n"
        f"SECRET_KEY = {secret_key!r}\n"
        f"MASTER_KEY = {master_key!r}\n"
        "# Keys the recovery-code digests and the search index; never change it.\n"
        f"INDEX_KEY = {index_key!r}\n"
        "# 'development' allows demo data; use 'production' on a real server.\n"
        "ENV = 'development'\n"
    )
