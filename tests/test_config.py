"""Configuration: real secrets or no start, the layers in the documented order, fresh
secrets from setup_instance, HTTPS-only cookies and HSTS when HTTPS is on, and every
setting the code reads documented with one default that its PORTAL_* variable sets."""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import runpy
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import portal
from portal import create_app
from portal.config import (
    DEFAULTS,
    DERIVED_SETTINGS,
    ConfigError,
    environment_variable,
    load_config,
)
from portal.dependencies import crypto_kit
from portal.models import db
from portal.setup_instance import ensure_instance_config
from portal.web.memory_uploads import MEMORY_UPLOAD_LIMITS
from tests.support.client import BrowserClient

GOOD_SECRET = "s" * 20 + "-a-real-random-secret-key-0123456789"
GOOD_MASTER = base64.urlsafe_b64encode(b"m" * 32).decode()
GOOD_INDEX = base64.urlsafe_b64encode(b"n" * 32).decode()
GOOD_RETIRED = base64.urlsafe_b64encode(b"r" * 32).decode()
KEYS = {"MASTER_KEY": GOOD_MASTER, "INDEX_KEY": GOOD_INDEX}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PORTAL_* variable from the shell may leak into these tests."""
    for key in DEFAULTS:
        monkeypatch.delenv(environment_variable(key), raising=False)
    monkeypatch.delenv("PORTAL_INSTANCE_PATH", raising=False)


def build(instance: Path, **overrides: Any) -> Flask:
    # No job runner thread: it would poll this throw-away database for the rest of the run.
    config: dict[str, Any] = {"INSTANCE_PATH": str(instance),
                              "SQLALCHEMY_DATABASE_URI": "sqlite://", "JOBS_BACKEND": "manual"}
    config.update(overrides)
    return create_app(config)


def browser(app: Flask) -> BrowserClient:
    app.test_client_class = BrowserClient
    return app.test_client()  # type: ignore[return-value]


# --- secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize("secret_key", [
    None, "", "change-me", "CHANGE-ME", "changeme", "dev", "secret", "x" * 31, 12345,
], ids=["missing", "empty", "placeholder", "placeholder-upper", "changeme", "dev", "secret",
        "too-short", "not-text"])
def test_app_refuses_to_start_without_a_real_secret_key(tmp_path: Path, secret_key: object):
    overrides: dict[str, Any] = dict(KEYS)
    if secret_key is not None:
        overrides["SECRET_KEY"] = secret_key
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build(tmp_path, **overrides)


@pytest.mark.parametrize("master_key", [
    None, "", "change-me", "not base64 at all!",
    base64.urlsafe_b64encode(b"k" * 16).decode(),
    base64.urlsafe_b64encode(b"k" * 33).decode(),
    "k" * 32,
], ids=["missing", "empty", "placeholder", "not-base64", "16-bytes", "33-bytes", "raw-text"])
def test_app_refuses_to_start_without_a_valid_master_key(tmp_path: Path, master_key: str | None):
    overrides: dict[str, Any] = {"SECRET_KEY": GOOD_SECRET, "INDEX_KEY": GOOD_INDEX}
    if master_key is not None:
        overrides["MASTER_KEY"] = master_key
    with pytest.raises(ConfigError, match="MASTER_KEY"):
        build(tmp_path, **overrides)


def test_app_starts_with_real_secrets(tmp_path: Path):
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS)
    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.config["ENV"] == "production"
    assert browser(app).get("/healthz").status_code == 200


def test_secrets_from_the_environment_are_enough_to_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("PORTAL_MASTER_KEY", GOOD_MASTER)
    monkeypatch.setenv("PORTAL_INDEX_KEY", GOOD_INDEX)
    app = build(tmp_path)
    assert app.config["MASTER_KEY"] == GOOD_MASTER
    assert app.config["INDEX_KEY"] == GOOD_INDEX
    assert app.config["MASTER_KEY_ID"] == "k1"
    assert app.config["RETIRED_MASTER_KEYS"] == {}


@pytest.mark.parametrize("index_key", [
    None, "", "change-me", "not base64 at all!",
    base64.urlsafe_b64encode(b"i" * 16).decode(),
    base64.urlsafe_b64encode(b"i" * 33).decode(),
    "i" * 32,
], ids=["missing", "empty", "placeholder", "not-base64", "16-bytes", "33-bytes", "raw-text"])
def test_app_refuses_to_start_without_a_valid_index_key(tmp_path: Path, index_key: str | None):
    overrides: dict[str, Any] = {"SECRET_KEY": GOOD_SECRET, "MASTER_KEY": GOOD_MASTER}
    if index_key is not None:
        overrides["INDEX_KEY"] = index_key
    with pytest.raises(ConfigError, match="INDEX_KEY") as refused:
        build(tmp_path, **overrides)
    if index_key:
        assert index_key not in str(refused.value)


def test_retired_master_keys_come_from_the_environment_as_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PORTAL_RETIRED_MASTER_KEYS", json.dumps({"k1": GOOD_RETIRED}))
    monkeypatch.setenv("PORTAL_MASTER_KEY_ID", "k2")
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS)
    assert app.config["RETIRED_MASTER_KEYS"] == {"k1": GOOD_RETIRED}
    assert app.config["MASTER_KEY_ID"] == "k2"
    with app.app_context():
        cipher = crypto_kit().cipher
    assert cipher.active_key_id == "k2"
    assert cipher.key_ids == ("k1", "k2")


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"k1"'],
                         ids=["not-json", "a-list", "a-string"])
def test_retired_master_keys_from_the_environment_must_be_a_json_object(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str):
    monkeypatch.setenv("PORTAL_RETIRED_MASTER_KEYS", raw)
    with pytest.raises(ConfigError, match="PORTAL_RETIRED_MASTER_KEYS"):
        build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS)


@pytest.mark.parametrize(("retired", "active_id", "problem"), [
    ({"k1": "change-me"}, "k2", "'k1' is invalid"),
    ({"k1": base64.urlsafe_b64encode(b"r" * 16).decode()}, "k2", "'k1' is invalid"),
    ({"k1": 42}, "k2", "'k1' is invalid"),
    ({"bad id!": GOOD_RETIRED}, "k2", "key id is invalid"),
    ({"k2": GOOD_RETIRED}, "k2", "also MASTER_KEY_ID"),
    ({"k1": GOOD_MASTER}, "k2", "same as MASTER_KEY"),
    ("k1", "k2", "must map key ids"),
], ids=["placeholder", "16-bytes", "not-text", "bad-id", "id-is-active", "same-as-active",
        "not-a-mapping"])
def test_app_refuses_to_start_with_an_invalid_retired_master_key(
        tmp_path: Path, retired: object, active_id: str, problem: str):
    with pytest.raises(ConfigError, match="RETIRED_MASTER_KEYS") as refused:
        build(tmp_path, SECRET_KEY=GOOD_SECRET, MASTER_KEY_ID=active_id,
              RETIRED_MASTER_KEYS=retired, **KEYS)
    assert problem in str(refused.value)
    assert GOOD_MASTER not in str(refused.value)
    assert GOOD_RETIRED not in str(refused.value)


@pytest.mark.parametrize("key_id", ["", "k 2", "k" * 33, 2], ids=["empty", "space", "long", "int"])
def test_app_refuses_to_start_with_an_invalid_master_key_id(tmp_path: Path, key_id: object):
    with pytest.raises(ConfigError, match="MASTER_KEY_ID"):
        build(tmp_path, SECRET_KEY=GOOD_SECRET, MASTER_KEY_ID=key_id, **KEYS)


# --- layers -------------------------------------------------------------------------------


def write_instance_config(instance: Path, **values: object) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} = {value!r}\n" for key, value in values.items()]
    (instance / "config.py").write_text("".join(lines), encoding="utf-8")


def test_environment_overrides_instance_file_which_overrides_defaults(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    write_instance_config(
        tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS,
        QUICK_EXIT_URL="https://weather.example/", STAFF_IDLE_MINUTES=10,
        REAUTH_MINUTES=3, HTTPS=True,
    )
    monkeypatch.setenv("PORTAL_QUICK_EXIT_URL", "https://news.example/today")
    monkeypatch.setenv("PORTAL_REAUTH_MINUTES", "7")
    monkeypatch.setenv("PORTAL_HTTPS", "0")
    monkeypatch.setenv("PORTAL_LOGIN_FAILURES_PER_MINUTE", "4")

    app = build(tmp_path)
    cfg = app.config
    # Environment wins over the file, typed like the default.
    assert cfg["QUICK_EXIT_URL"] == "https://news.example/today"
    assert cfg["REAUTH_MINUTES"] == 7
    assert cfg["HTTPS"] is False
    assert cfg["LOGIN_FAILURES_PER_MINUTE"] == 4
    # The file wins over the defaults.
    assert cfg["STAFF_IDLE_MINUTES"] == 10
    assert cfg["SECRET_KEY"] == GOOD_SECRET
    # Defaults fill the rest.
    assert cfg["FAMILY_IDLE_MINUTES"] == DEFAULTS["FAMILY_IDLE_MINUTES"] == 30
    assert cfg["INVITATION_TTL_HOURS"] == 72
    # The configured exit is where quick exit leads.
    left = browser(app).post("/exit")
    assert (left.status_code, left.headers["Location"]) == (303, "https://news.example/today")


def test_instance_file_overrides_defaults_when_no_variable_is_set(tmp_path: Path):
    write_instance_config(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS,
                          QUICK_EXIT_URL="https://weather.example/", ENV="development")
    app = build(tmp_path)
    assert app.config["QUICK_EXIT_URL"] == "https://weather.example/"
    assert app.config["ENV"] == "development"
    assert app.config["HTTPS"] is False


def test_environment_can_supply_the_instance_path(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    write_instance_config(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS,
                          PORTAL_NAME="Test Portal Name")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.instance_path == str(tmp_path)
    assert app.config["PORTAL_NAME"] == "Test Portal Name"


# --- setup_instance -------------------------------------------------------------------------


def read_config(path: Path) -> dict[str, Any]:
    return runpy.run_path(str(path))


def test_setup_instance_writes_fresh_secrets_readable_only_by_the_owner(tmp_path: Path):
    instance = tmp_path / "instance"
    assert ensure_instance_config(instance) is True
    target = instance / "config.py"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(instance.stat().st_mode) & 0o077 == 0

    values = read_config(target)
    assert len(base64.urlsafe_b64decode(values["MASTER_KEY"])) == 32
    assert len(base64.urlsafe_b64decode(values["INDEX_KEY"])) == 32
    assert values["INDEX_KEY"] != values["MASTER_KEY"]
    assert isinstance(values["SECRET_KEY"], str)
    assert len(values["SECRET_KEY"]) >= 48
    # The app starts from this file alone.
    app = build(instance)
    assert app.config["SECRET_KEY"] == values["SECRET_KEY"]
    assert app.config["MASTER_KEY"] == values["MASTER_KEY"]
    assert app.config["INDEX_KEY"] == values["INDEX_KEY"]


def test_setup_instance_never_overwrites_existing_secrets(tmp_path: Path):
    assert ensure_instance_config(tmp_path) is True
    target = tmp_path / "config.py"
    first = target.read_bytes()
    assert ensure_instance_config(tmp_path) is False
    assert target.read_bytes() == first

    target.write_text(f"SECRET_KEY = {GOOD_SECRET!r}\n", encoding="utf-8")
    assert ensure_instance_config(tmp_path) is False
    assert target.read_text(encoding="utf-8") == f"SECRET_KEY = {GOOD_SECRET!r}\n"


def test_setup_instance_makes_different_secrets_for_each_instance(tmp_path: Path):
    ensure_instance_config(tmp_path / "one")
    ensure_instance_config(tmp_path / "two")
    one = read_config(tmp_path / "one" / "config.py")
    two = read_config(tmp_path / "two" / "config.py")
    assert one["SECRET_KEY"] != two["SECRET_KEY"]
    assert one["MASTER_KEY"] != two["MASTER_KEY"]
    assert one["INDEX_KEY"] != two["INDEX_KEY"]


def test_setup_instance_module_can_be_run_with_a_directory(tmp_path: Path):
    from portal.setup_instance import main

    assert main(["setup_instance", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "config.py").exists()
    assert os.stat(tmp_path / "cli" / "config.py").st_mode & 0o077 == 0


# --- HTTPS --------------------------------------------------------------------------------


def test_with_https_the_session_cookie_is_secure_host_only_and_hsts_is_sent(tmp_path: Path):
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS, HTTPS=True)
    client = browser(app)
    response = client.get("/login", base_url="https://localhost")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    max_age = int(response.headers["Strict-Transport-Security"].split(";")[0].split("=")[1])
    assert max_age >= 31536000
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal=")
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "secure" in parts
    assert "httponly" in parts
    assert "path=/" in parts
    assert "samesite=lax" in parts
    assert not any(p.startswith("domain=") for p in parts)
    assert not any(p.startswith("expires=") or p.startswith("max-age=") for p in parts)
    # Even errors carry HSTS.
    assert "Strict-Transport-Security" in client.get("/nowhere",
                                                      base_url="https://localhost").headers


def test_without_https_no_hsts_and_no_secure_cookie(tmp_path: Path):
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS, HTTPS=False)
    response = browser(app).get("/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("portal=")
    assert "secure" not in [p.strip().lower() for p in cookie.split(";")]


def test_https_can_be_switched_on_from_the_environment(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PORTAL_HTTPS", "true")
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-portal"
    assert "Strict-Transport-Security" in browser(app).get(
        "/healthz", base_url="https://localhost").headers


def test_setup_instance_makes_an_existing_folder_private_and_the_database_0600(tmp_path: Path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    ensure_instance_config(instance)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    database = instance / "portal.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    master_key = read_config(instance / "config.py")["MASTER_KEY"]
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "s" * 40, "MASTER_KEY": master_key})
    with app.app_context():
        db.create_all()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600  # SQLite kept our mode


# --- every setting the code reads has one default, and its variable works -----------------

PORTAL_DIR = Path(portal.__file__).resolve().parent
ROOT = PORTAL_DIR.parent
# Names that hold a configuration mapping wherever they appear (`validate_secrets(cfg)`,
# `create_app(overrides)`); any `<expr>.config` and any name assigned from one count too.
CONFIG_NAMES = frozenset({"config", "cfg", "conf", "overrides", "DEFAULTS"})
KEY_METHODS = frozenset({"get", "setdefault", "pop"})
TEMPLATE_READ = re.compile(r"\bconfig(?:\.get\(\s*|\[\s*)['\"](\w+)['\"]|\bconfig\.([A-Z]\w*)")


@dataclass(frozen=True)
class SettingUse:
    key: str | None  # None: a computed key, which the scanner cannot name
    where: str  # path:line
    inline_default: bool = False  # `.get(key, default)`: a second default beside DEFAULTS


def _holds_config(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "config"
    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.BoolOp):  # `(overrides or {})`
        return any(_holds_config(value, names) for value in node.values)
    return False


def _config_names(tree: ast.Module) -> set[str]:
    """CONFIG_NAMES plus every name bound to a configuration (`config = app.config`)."""
    names = set(CONFIG_NAMES)
    while True:
        found = set(names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _holds_config(node.value, names):
                    found.update(t.id for t in targets if isinstance(t, ast.Name))
        if found == names:
            return names
        names = found


def _key(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def settings_used(source: str, where: str) -> list[SettingUse]:
    """Every configuration key Python `source` reads or writes: subscripts, `in`, and
    get/setdefault/pop on a configuration (see CONFIG_NAMES), in source order."""
    tree = ast.parse(source)
    names = _config_names(tree)
    found: list[tuple[int, int, SettingUse]] = []
    for node in ast.walk(tree):
        use = None
        if isinstance(node, ast.Subscript) and _holds_config(node.value, names):
            use = SettingUse(_key(node.slice), f"{where}:{node.lineno}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in KEY_METHODS and _holds_config(node.func.value, names)
              and node.args):
            # setdefault(key, value) sets the key; get and pop with a fallback read it.
            fallback = node.func.attr != "setdefault" and (len(node.args) > 1
                                                          or bool(node.keywords))
            use = SettingUse(_key(node.args[0]), f"{where}:{node.lineno}", fallback)
        elif (isinstance(node, ast.Compare) and len(node.ops) == 1
              and isinstance(node.ops[0], ast.In | ast.NotIn)
              and _holds_config(node.comparators[0], names)):
            use = SettingUse(_key(node.left), f"{where}:{node.lineno}")
        if use is not None:
            found.append((node.lineno, node.col_offset, use))
    return [use for *_, use in sorted(found, key=lambda item: item[:2])]


def template_settings_used(text: str, where: str) -> list[SettingUse]:
    """`config.KEY`, `config["KEY"]` and `config.get("KEY")` in a Jinja template."""
    return [SettingUse(match.group(1) or match.group(2),
                       f"{where}:{text.count(chr(10), 0, match.start()) + 1}")
            for match in TEMPLATE_READ.finditer(text)]


def portal_settings_used() -> list[SettingUse]:
    uses = [use for path in sorted(PORTAL_DIR.rglob("*.py"))
            for use in settings_used(path.read_text(encoding="utf-8"),
                                     str(path.relative_to(ROOT)))]
    return uses + [use for path in sorted((ROOT / "templates").rglob("*.html"))
                   for use in template_settings_used(path.read_text(encoding="utf-8"),
                                                     str(path.relative_to(ROOT)))]


def unknown_settings(uses: list[SettingUse]) -> list[str]:
    """Keys neither in DEFAULTS (so their PORTAL_* variable would be ignored) nor derived."""
    return [f"{use.key} ({use.where})" for use in uses
            if use.key is not None and use.key not in DEFAULTS
            and use.key not in DERIVED_SETTINGS]


SNIPPET = '''
from flask import current_app

def limits(app, cfg, name):
    config = current_app.config
    same = config
    return (app.config["LOG_LEVEL"], current_app.config.get("NOT_A_SETTING"),
            cfg["NOR_THIS"], same.get("HTTPS", False), "TESTING" in app.config,
            config[name], app.extensions["babel"])
'''


def test_the_scanner_finds_settings_read_through_every_spelling():
    uses = settings_used(SNIPPET, "snippet.py")
    assert [(use.key, use.inline_default) for use in uses] == [
        ("LOG_LEVEL", False), ("NOT_A_SETTING", False), ("NOR_THIS", False),
        ("HTTPS", True), ("TESTING", False), (None, False)]
    page = '<a href="{{ config.QUICK_EXIT_URL }}">\n{{ config["NO_SUCH_URL"] }}</a>'
    assert template_settings_used(page, "base.html") == [
        SettingUse("QUICK_EXIT_URL", "base.html:1"), SettingUse("NO_SUCH_URL", "base.html:2")]


def test_the_guard_names_each_setting_missing_from_the_defaults():
    assert unknown_settings(settings_used(SNIPPET, "snippet.py")) == [
        "NOT_A_SETTING (snippet.py:7)", "NOR_THIS (snippet.py:8)"]


def test_every_setting_the_portal_reads_is_in_the_defaults_or_derived():
    assert unknown_settings(portal_settings_used()) == [], (
        "add these keys to DEFAULTS in portal/config.py (with a comment, and a row in "
        "docs/operations.md), or to DERIVED_SETTINGS if Flask or an extension owns them")


def test_no_setting_has_a_second_default_where_it_is_read():
    assert [use.where for use in portal_settings_used() if use.inline_default] == []


def test_the_one_setting_read_by_a_computed_key_names_known_settings():
    computed = {use.where.partition(":")[0] for use in portal_settings_used() if use.key is None}
    assert computed == {"portal/web/memory_uploads.py"}
    assert set(MEMORY_UPLOAD_LIMITS.values()) <= DEFAULTS.keys()


def test_derived_settings_are_ones_the_portal_really_sets_or_reads():
    used = {use.key for use in portal_settings_used()}
    assert DERIVED_SETTINGS - used == set()
    assert DERIVED_SETTINGS & DEFAULTS.keys() == set()


def test_the_settings_table_lists_every_default():
    table = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8").partition(
        "| key | default | meaning |")[2].partition("\n\n")[0]
    listed = {key for row in table.splitlines() if row.startswith("| `")
              for key in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    assert sorted(DEFAULTS.keys() - listed) == []


def sample_setting(key: str, default: object) -> tuple[str, object]:
    """A value for PORTAL_<key> other than the default, and what app.config must hold."""
    if isinstance(default, bool):
        return ("0", False) if default else ("yes", True)
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, dict):
        return json.dumps({"k0": GOOD_RETIRED}), {"k0": GOOD_RETIRED}
    if key == "BASE_URL":  # checked at start: it must be an origin
        return "https://portal.example.org", "https://portal.example.org"
    return f"sample-{key.lower()}", f"sample-{key.lower()}"


def test_a_render_time_limit_from_the_environment_reaches_the_export_job(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from portal.jobs.dossier_jobs import export_settings

    monkeypatch.setenv("PORTAL_PDF_RENDER_MAX_SECONDS", "1200")
    app = build(tmp_path, SECRET_KEY=GOOD_SECRET, **KEYS)
    assert app.config["PDF_RENDER_MAX_SECONDS"] == 1200
    with app.app_context():
        assert export_settings().max_seconds == 1200


@pytest.mark.parametrize("key", list(DEFAULTS))
def test_each_setting_comes_from_its_environment_variable_typed_like_its_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str):
    raw, expected = sample_setting(key, DEFAULTS[key])
    assert expected != DEFAULTS[key]
    monkeypatch.setenv(environment_variable(key), raw)
    app = Flask(__name__, instance_path=str(tmp_path))
    load_config(app, {"TESTING": True})
    assert app.config[key] == expected
    assert type(app.config[key]) is type(expected)
