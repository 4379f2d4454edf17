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
from urllib.parse import urlsplit

from flask import Flask

from portal.pdf.fonts import DEFAULT_FONT_DIR

ENV_PREFIX = "PORTAL_"
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "dev", "secret", "placeholder", "xxx"})


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says how to fix it."""


DEFAULTS: dict[str, Any] = {
    # "production" unless the instance says otherwise: demo data refuses to load there.
    "ENV": "production",
    "SECRET_KEY": None,  # signs the session cookie: at least 32 random characters
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
    # The address people reach the portal at, e.g. "https://portal.example.org": links
    # that leave the request (an invitation link) are built on it, and a request naming
    # any other host gets 400, so a forged Host header cannot reach a link. None: only
    # loopback names are answered (a development machine, the tests).
    "BASE_URL": None,
    # Onion-only mode (decision 0032): answer only requests that came through the Tor
    # onion service's nginx listener (it marks them with a header the portal believes from
    # a loopback peer only; portal/web/onion.py), refuse every other with a plain 421, and
    # build every link for the onion address: BASE_URL must then be http(s)://<56
    # letters>.onion. The clearnet address, if any, learns nothing but the refusal.
    "ONION_ONLY": False,
    "QUICK_EXIT_URL": "https://www.google.com/",  # where every page's "Quick exit" leads
    # Sessions end after this long idle (staff sooner: they reach every family's file),
    # and after SESSION_ABSOLUTE_HOURS whatever happens.
    "STAFF_IDLE_MINUTES": 15,
    "FAMILY_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "REAUTH_MINUTES": 5,  # how recent a login sensitive actions need
    # A form sent after its session ended is kept sealed this long for its owner to sign
    # in again (decision 0020); pages warn this many seconds before the idle limit (with
    # JavaScript), and a draft report saves itself this often when its text changed.
    "KEPT_POST_HOURS": 24,
    "IDLE_WARNING_SECONDS": 120,
    "AUTOSAVE_SECONDS": 30,
    # Sign-in ceilings, counted before a guess is checked (shared through REDIS_URL).
    "LOGIN_FAILURES_PER_MINUTE": 5,  # per account, and again for its second-factor codes
    "LOGIN_ATTEMPTS_PER_SESSION_PER_MINUTE": 10,  # per browser session, any usernames
    # The portal-wide alarm: past this many failed sign-ins a minute (all accounts), it
    # is raised once a minute (audit event, log line) and every sign-in waits
    # LOGIN_ALARM_DELAY_STEP_MS more per failure beyond it, at most
    # LOGIN_ALARM_MAX_DELAY_SECONDS. Nobody is refused: one attacker must not lock
    # everyone out.
    "LOGIN_ALARM_FAILURES_PER_MINUTE": 50,
    "LOGIN_ALARM_DELAY_STEP_MS": 100,
    "LOGIN_ALARM_MAX_DELAY_SECONDS": 5,
    "INVITATION_TTL_HOURS": 72,  # an invitation link works this long
    # argon2id cost of passphrase hashes (RFC 9106's second recommendation).
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "ARGON2_PARALLELISM": 4,
    # The organisation named in the signing certificates `flask signing init` makes.
    "PORTAL_NAME": "PS752 Justice Portal",
    # The public half of the key that signs audit checkpoints (Ed25519, base64), as
    # `flask audit checkpoint-key init` prints it; `flask audit verify --checkpoint`
    # checks against it. Public: the private half never sits usable on the server.
    "AUDIT_CHECKPOINT_PUBLIC_KEY": None,
    # Evidence: the largest file accepted, and where the encrypted blobs live.
    "MAX_UPLOAD_BYTES": 2 * 1024**3,
    "EVIDENCE_DIR": None,  # None: instance/evidence
    # "local" (files under EVIDENCE_DIR) or "s3": an S3-compatible object store
    # (decision 0026; docs/operations.md, "Evidence in S3-compatible storage").
    "EVIDENCE_STORE": "local",
    "S3_ENDPOINT": None,  # e.g. "https://s3.example.org"; None: AWS's own endpoints
    "S3_BUCKET": None,  # required with EVIDENCE_STORE = "s3"
    "S3_REGION": None,
    # None: boto3 finds the credentials itself (AWS_ACCESS_KEY_ID and
    # AWS_SECRET_ACCESS_KEY in the environment, a profile, an instance role).
    "S3_ACCESS_KEY_ID": None,
    "S3_SECRET_ACCESS_KEY": None,
    # Above 0: every blob is written under S3 Object Lock (COMPLIANCE) for this many
    # days; nobody can delete it before then (the bucket needs Object Lock enabled).
    "S3_RETENTION_DAYS": 0,
    # PDF evidence: how many of its first pages get a preview (shown in dossiers).
    "EVIDENCE_PDF_PREVIEW_PAGES": 20,
    # Text recognition (decision 0030): tesseract reads the viewing copy of image
    # evidence and the page previews of a PDF, in the media sandbox; the text is kept
    # as a sealed rendition, indexed for search and mined for phone numbers.
    "OCR_ENABLED": True,
    # Tesseract's language models, "+"-joined; each needs its Debian package
    # (tesseract-ocr-fas, tesseract-ocr-eng...). Persian first.
    "OCR_LANGUAGES": "fas+eng",
    # A resumable upload (decision 0025) that received nothing for this many hours is
    # abandoned: `flask evidence expire-uploads` deletes it and its parts.
    "RESUMABLE_UPLOAD_HOURS": 24,
    # The signing PKI of exported dossiers (`flask signing init`; portal/pdf/pki.py).
    "SIGNING_DIR": None,  # None: instance/signing
    # Dossier export (the job in portal/jobs/dossier_jobs.py): the name the PDF
    # prints as the submitter and its signature's reason names.
    "PDF_SUBMITTER": "Association of Families of Flight PS752 Victims",
    # Debian's fonts-noto-core; the export fails naming the files when one is missing.
    "PDF_FONT_DIR": DEFAULT_FONT_DIR,
    # The render runs in a child process with these limits (portal/pdf/worker.py), so a
    # hostile or huge dossier cannot take the worker down. False: in the worker itself,
    # for debugging only.
    "PDF_RENDER_ISOLATED": True,
    "PDF_RENDER_MAX_MEMORY_BYTES": 2 * 1024**3,  # address space of the render child
    "PDF_RENDER_MAX_SECONDS": 600,  # wall clock; `flask dossier export` waits 2 min more
    # "Verify a dossier": the uploaded files together (held in memory, never on disk), and
    # the limits of the child process that reads them (portal/pdf/verify_child.py).
    "DOSSIER_VERIFY_MAX_UPLOAD_BYTES": 256 * 1024**2,
    "DOSSIER_VERIFY_MAX_MEMORY_BYTES": 1024**3,
    "DOSSIER_VERIFY_MAX_SECONDS": 120,
    # Jobs (portal/jobs): "thread" (in each app process), "rq" (RQ workers through
    # Redis: JOBS_REDIS_URL, else REDIS_URL), "eager" (tests) or "manual".
    "JOBS_BACKEND": "thread",
    "JOBS_REDIS_URL": None,
    "JOBS_QUEUE": "portal",  # the RQ queue's name
    # A job still "running" this long after it was claimed is presumed crashed.
    "JOBS_LEASE_SECONDS": 600,
    "JOBS_POLL_SECONDS": 5,  # how often a thread runner or `flask jobs worker` looks
    "LOG_LEVEL": "INFO",  # of the app's logger (messages are scrubbed of addresses)
    # Content-free notices by e-mail (decision 0018; portal/jobs/notice_jobs.py), sent by a
    # job through SMTP. No host: notices are off and none is ever queued, whatever people
    # chose. The host, port, user and password usually come from the environment
    # (PORTAL_NOTICE_SMTP_HOST, ...). NOTICE_SMTP_TLS: "starttls", "ssl" (implicit TLS,
    # usually port 465) or "none" (a relay on the same machine only).
    "NOTICE_SMTP_HOST": None,
    "NOTICE_SMTP_PORT": 587,
    "NOTICE_SMTP_USERNAME": None,
    "NOTICE_SMTP_PASSWORD": None,
    "NOTICE_SMTP_TLS": "starttls",
    "NOTICE_SMTP_TIMEOUT_SECONDS": 30,
    "NOTICE_SENDER": None,  # the From address of notices; needed once a host is set
    # At most one notice per person in this many minutes: a burst of messages gives one
    # mail, and the timing of mails says less about what happens on the portal.
    "NOTICE_COALESCE_MINUTES": 30,
}

NOTICE_TLS_MODES = ("starttls", "ssl", "none")

# Keys Flask, its extensions or `create_app` own: derived from DEFAULTS by
# `_derive_flask_settings`, set by tests, or Flask's own. No PORTAL_* variable sets
# them; every other key the portal reads is in DEFAULTS (tests/test_config.py checks).
DERIVED_SETTINGS: frozenset[str] = frozenset({
    "TESTING", "PROPAGATE_EXCEPTIONS", "PREFERRED_URL_SCHEME", "MAX_CONTENT_LENGTH",
    "TRUSTED_HOSTS", "SERVER_NAME",
    "INSTANCE_PATH", "MIGRATIONS_DIR",
    "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS",
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "SESSION_REFRESH_EACH_REQUEST",
    "WTF_CSRF_TIME_LIMIT", "WTF_CSRF_SSL_STRICT",
    "RATELIMIT_STORAGE_URI", "RATELIMIT_HEADERS_ENABLED",
    "BABEL_DEFAULT_LOCALE", "BABEL_DEFAULT_TIMEZONE",
})


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
        validate_notice_settings(app.config)
        validate_evidence_store(app.config)
        validate_onion_only(app.config)


def validate_notice_settings(cfg: Mapping[str, Any]) -> None:
    """With an SMTP host, the notices need a sender and a known TLS mode (ConfigError)."""
    if not cfg.get("NOTICE_SMTP_HOST"):
        return
    if cfg.get("NOTICE_SMTP_TLS") not in NOTICE_TLS_MODES:
        raise ConfigError("NOTICE_SMTP_TLS must be one of " + ", ".join(NOTICE_TLS_MODES)
                          + " (PORTAL_NOTICE_SMTP_TLS).")
    sender = cfg.get("NOTICE_SENDER")
    if not isinstance(sender, str) or "@" not in sender:
        raise ConfigError("NOTICE_SENDER (the From address of notices, e.g. "
                          "notices@portal.example.org) is needed once NOTICE_SMTP_HOST is set.")


# A v3 onion service's host name: 56 base32 letters (its public key, checksum, version).
ONION_HOST = re.compile(r"[a-z2-7]{56}\.onion")


def validate_onion_only(cfg: Mapping[str, Any]) -> None:
    """Onion-only mode needs BASE_URL to be the onion address (ConfigError otherwise):
    links are built on BASE_URL, and only its host is answered."""
    if not cfg.get("ONION_ONLY"):
        return
    problem = ("ONION_ONLY is on, so BASE_URL (PORTAL_BASE_URL) must be the onion "
               "service's address, such as http://<56 letters>.onion: every link is built "
               "for it and no other host is answered.")
    if not cfg.get("BASE_URL"):
        raise ConfigError(problem)
    _scheme, _netloc, hostname = _origin_of(cfg["BASE_URL"])
    if ONION_HOST.fullmatch(hostname) is None:
        raise ConfigError(problem)


EVIDENCE_STORES = ("local", "s3")


def validate_evidence_store(cfg: Mapping[str, Any]) -> None:
    """A known store; the S3 store needs its bucket and a retention of 0 or more days."""
    store = cfg.get("EVIDENCE_STORE")
    if store not in EVIDENCE_STORES:
        raise ConfigError("EVIDENCE_STORE must be one of " + ", ".join(EVIDENCE_STORES)
                          + " (PORTAL_EVIDENCE_STORE).")
    if store != "s3":
        return
    if not cfg.get("S3_BUCKET"):
        raise ConfigError("EVIDENCE_STORE is s3 but S3_BUCKET is not set (PORTAL_S3_BUCKET): "
                          "name the bucket that keeps the evidence.")
    if int(cfg.get("S3_RETENTION_DAYS") or 0) < 0:
        raise ConfigError("S3_RETENTION_DAYS must be 0 (no Object Lock) or a number of days.")


def environment_variable(key: str) -> str:
    """The variable that sets `key`: PORTAL_<KEY> (PORTAL_NAME, not PORTAL_PORTAL_NAME)."""
    return ENV_PREFIX + key.removeprefix(ENV_PREFIX)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read PORTAL_<KEY> for every key of DEFAULTS, typed like its default."""
    found: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = environ.get(environment_variable(key))
        if raw is None:
            continue
        if isinstance(default, bool):
            found[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, dict):
            found[key] = _json_object(environment_variable(key), raw)
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
    # hide_parameters: a failed statement's error (and so the log line of a 500) would
    # otherwise print its bound values, the clear text of everything the request wrote.
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "hide_parameters": True}
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
    _derive_host_settings(cfg)


# What a development machine and the tests call the portal when BASE_URL is unset
# (`flask run --host 127.0.0.1`, Flask's test client). IPv6 literals are left out:
# Werkzeug's host check cannot match them.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _derive_host_settings(cfg: dict[str, Any]) -> None:
    """Flask answers only requests whose Host is BASE_URL's host (400 otherwise; the
    loopback names while BASE_URL is unset), and builds external links with BASE_URL's
    host and port (SERVER_NAME), never the Host a request named; outside a request,
    with its scheme too (PREFERRED_URL_SCHEME)."""
    base_url = cfg["BASE_URL"]
    if not base_url:
        cfg["TRUSTED_HOSTS"] = list(LOOPBACK_HOSTS)
        return
    scheme, netloc, hostname = _origin_of(base_url)
    cfg["TRUSTED_HOSTS"] = [hostname]
    cfg["SERVER_NAME"] = netloc
    cfg["PREFERRED_URL_SCHEME"] = scheme


def _origin_of(base_url: object) -> tuple[str, str, str]:
    """BASE_URL's scheme, host[:port] and host name; ConfigError unless it is an origin.

    A path is refused: the session cookie is pinned to "/" (`__Host-`), so the portal
    is served at the root of its host."""
    problem = ("BASE_URL must be the address people reach the portal at: http:// or "
               "https:// and a host name, with an optional port and no path, such as "
               "https://portal.example.org")
    if not isinstance(base_url, str):
        raise ConfigError(problem)
    parts = urlsplit(base_url.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ConfigError(problem) from None
    if (parts.scheme not in {"http", "https"} or not parts.hostname or ":" in parts.hostname
            or parts.username is not None or parts.path not in {"", "/"}
            or parts.query or parts.fragment):
        raise ConfigError(problem)
    return parts.scheme, parts.netloc.lower(), parts.hostname


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


def render_instance_config(*, development: bool = False) -> str:
    """The text of a fresh instance/config.py with newly generated secrets.

    A production instance unless `development` is asked for: demo accounts, whose
    passphrases are in the source, can be loaded only into a development instance."""
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
        "# 'development' allows demo data (its passphrases are public): never on a server.\n"
        f"ENV = {'development' if development else 'production'!r}\n"
        "# The address people reach the portal at; until it is set, only 127.0.0.1 and\n"
        "# localhost are answered.\n"
        "# BASE_URL = 'https://portal.example.org'\n"
    )
