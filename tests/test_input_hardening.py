"""What arrives with a request cannot turn into a forged link, demo data on a server, a
500 or clear text in the log: only the portal's own host is answered and links are built
on BASE_URL; a new instance is a production one, which refuses demo data; control
characters are refused beside the field on both databases; a failed statement's log line
holds no value."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy import func, select, text

import portal.web
from portal import create_app
from portal.config import ConfigError
from portal.dependencies import crypto_kit
from portal.models import Incident, Person, Role, db
from portal.services import incidents as incident_service
from portal.setup_instance import ensure_instance_config, main
from portal.web.forms import PortalForm
from tests.conftest import app_config
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

BASE_URL = "https://portal.example.org"
REFUSED_CHARACTER = "This text contains a hidden control character."


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown beside {field!r}"
    return match.group(1)


# --- Host header and BASE_URL ------------------------------------------------------------


@pytest.fixture
def based_app(app: Flask) -> Iterator[Flask]:
    """The test app's database and keys, served at BASE_URL."""
    config = app_config(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    based = create_app({**config, "BASE_URL": BASE_URL})
    based.test_client_class = BrowserClient
    yield based
    with based.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "evil.example:80"])
def test_a_request_for_another_host_is_refused_with_400(client: BrowserClient, host: str):
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "evil" not in response.get_data(as_text=True)


def test_without_base_url_loopback_names_are_answered(client: BrowserClient):
    for host in ("localhost", "127.0.0.1:5000"):
        assert client.get("/login", headers={"Host": host}).status_code == 200


def test_with_base_url_only_its_host_is_answered(based_app: Flask):
    client = based_app.test_client()
    assert client.get("/login").status_code == 200
    for host in ("evil.example", "127.0.0.1", "localhost"):
        assert client.get("/login", headers={"Host": host}).status_code == 400


def test_invitation_link_is_built_on_base_url_whatever_the_host_header_says(
        app: Flask, based_app: Flask):
    admin = make_account(app, Role.ADMIN)
    client: BrowserClient = based_app.test_client()  # type: ignore[assignment]
    sign_in(client, admin)
    forged = client.post_form("/invitations/new", {
        "display_name": "Bahar Nouri", "role": Role.ADVOCATE.value, "locale": "en"},
        headers={"Host": "evil.example"})
    assert forged.status_code == 400
    # A trusted name on another port still gets BASE_URL's address, not the request's.
    page = client.submit("/invitations/new", {
        "display_name": "Bahar Nouri", "role": Role.ADVOCATE.value, "locale": "en"},
        headers={"Host": "portal.example.org:8443"}).get_data(as_text=True)
    assert re.search(r'<p class="secret">https://portal\.example\.org/invite/[\w-]+</p>', page)
    assert "evil.example" not in page
    assert ":8443" not in page


@pytest.mark.parametrize("base_url", [
    "portal.example.org", "ftp://portal.example.org", "https://portal.example.org/portal",
    "https://portal.example.org:https", "https://user@portal.example.org",
    "https://portal.example.org/?next=x",
])
def test_a_base_url_that_is_not_an_origin_stops_the_start(app: Flask, base_url: str):
    config = app_config(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app({**config, "BASE_URL": base_url})


# --- a new instance is a production one -------------------------------------------------------


@pytest.fixture
def no_portal_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("PORTAL_ENV", "PORTAL_BASE_URL", "PORTAL_INSTANCE_PATH",
                     "PORTAL_SECRET_KEY", "PORTAL_MASTER_KEY", "PORTAL_INDEX_KEY"):
        monkeypatch.delenv(variable, raising=False)


def test_a_new_instance_is_production_and_refuses_demo_data(
        tmp_path: Path, no_portal_variables: None):
    assert main(["setup_instance", str(tmp_path)]) == 0
    assert "ENV = 'production'" in (tmp_path / "config.py").read_text(encoding="utf-8")
    server = create_app({"INSTANCE_PATH": str(tmp_path), "JOBS_BACKEND": "manual",
                         "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.sqlite3'}"})
    assert server.config["ENV"] == "production"
    result = server.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "development" in result.output
    with server.app_context():
        db.engine.dispose()


def test_a_development_instance_is_asked_for_by_name(tmp_path: Path, no_portal_variables: None):
    assert main(["setup_instance", "--development", str(tmp_path / "dev")]) == 0
    assert "ENV = 'development'" in (tmp_path / "dev" / "config.py").read_text(encoding="utf-8")
    assert ensure_instance_config(tmp_path / "server") is True
    assert "ENV = 'production'" in (tmp_path / "server" / "config.py").read_text(
        encoding="utf-8")


# --- control characters --------------------------------------------------------------------


def stored_content(app: Flask, incident_id: int) -> tuple[str, str]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        content = incident_service.load_content(crypto_kit(), incident)
        return content.narrative, content.city


@pytest.mark.parametrize(("field", "value"), [
    ("narrative", "They called me\x00 to the office."),
    ("narrative", "They called me\x1b[2J to the office."),
    ("city", "Kar\x00aj"),
    ("city", "Karaj\tnorth"),
    ("city", "Kara\u0085j"),
])
def test_a_control_character_in_a_report_is_refused_beside_its_field(
        app: Flask, client: BrowserClient, reporter: Account, field: str, value: str):
    incident_id = start_report(client)
    send_report(client, incident_id, "save", narrative="Kept.", city="Shiraz")
    response = send_report(client, incident_id, "save", **{
        "narrative": "Changed.", "city": "Tabriz", field: value})
    assert response.status_code == 200
    assert REFUSED_CHARACTER in field_error(response.get_data(as_text=True), field)
    assert stored_content(app, incident_id) == ("Kept.", "Shiraz")


def test_line_breaks_and_tabs_stay_allowed_in_a_narrative(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    narrative = "First they called.\r\n\tThen they came to the door.\nعلامت\u200cگذاری شد."
    response = send_report(client, incident_id, "save", narrative=narrative)
    assert response.status_code == 302
    stored, _ = stored_content(app, incident_id)
    assert stored.replace("\r\n", "\n") == narrative.replace("\r\n", "\n")


def test_a_control_character_in_a_person_is_refused_beside_its_field(
        app: Flask, client: BrowserClient):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    family_id = make_family(app, members=[member])
    sign_in(client, member)
    response = client.submit(f"/family/{family_id}/people/new", {
        "name_persian": "نام نمونه", "name_latin": "Sample Name", "residence": "iran",
        "relationship_note": "mother\x00 of the victim"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert REFUSED_CHARACTER in field_error(page, "relationship_note")
    with app.app_context():
        assert db.session.scalar(select(func.count(Person.id))) == 0


def portal_form_classes() -> list[type[Any]]:
    for module in pkgutil.walk_packages(portal.web.__path__, "portal.web."):
        importlib.import_module(module.name)
    found: list[type[Any]] = []
    pending: list[type[Any]] = [FlaskForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("portal.web."):
                found.append(subclass)
    return found


def test_every_form_of_the_portal_refuses_control_characters():
    forms = portal_form_classes()
    assert len(forms) > 20
    assert [f"{form.__module__}.{form.__qualname__}" for form in forms
            if not issubclass(form, PortalForm)] == []


# --- the log of a failed statement -------------------------------------------------------


def test_a_failed_statement_is_logged_without_its_values(
        app: Flask, client: BrowserClient, reporter: Account,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    def failing_save(kit: Any, actor: Any, incident: Incident, content: Any,
                     *args: Any, **kwargs: Any) -> None:
        # Refused by the database (the row lacks its other required columns).
        db.session.execute(text("INSERT INTO users (username) VALUES (:narrative)"),
                           {"narrative": content.narrative})

    monkeypatch.setattr(incident_service, "save_draft", failing_save)
    incident_id = start_report(client)
    with caplog.at_level(logging.ERROR):
        response = send_report(client, incident_id, "save",
                               narrative="NARRATIVE-IN-CLEAR-7f3a")
    assert response.status_code == 500
    assert "INSERT INTO users" in caplog.text  # the statement's error was logged...
    assert "parameters hidden" in caplog.text
    assert "NARRATIVE-IN-CLEAR-7f3a" not in caplog.text  # ...without its values
