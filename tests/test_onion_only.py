"""Onion-only mode and /healthz (decision 0032): a request that did not come through the
onion service's listener is refused before the portal looks at it, links are built for
the onion address, and the health answer says "ok" or "degraded" and nothing else."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.config import ConfigError
from portal.storage import StorageUnavailable
from portal.web import health
from portal.web.onion import VIA_ONION_HEADER, is_loopback_peer

ONION = "a" * 52 + "2pqd.onion"
ONION_URL = f"http://{ONION}"
THROUGH_ONION = {VIA_ONION_HEADER: "1"}
KEY = base64.urlsafe_b64encode(b"o" * 32).decode()


def onion_app(instance: Path, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True, "INSTANCE_PATH": str(instance), "JOBS_BACKEND": "manual",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'onion.sqlite3'}",
        "SECRET_KEY": "s" * 40, "MASTER_KEY": KEY, "INDEX_KEY": KEY,
        "ONION_ONLY": True, "BASE_URL": ONION_URL}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="module")
def onion_only(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return onion_app(tmp_path_factory.mktemp("onion"))


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/portal.css", "/nowhere"])
def test_a_request_that_did_not_come_through_the_onion_service_is_refused(
        onion_only: Flask, path: str):
    response = onion_only.test_client().get(path, base_url=ONION_URL)
    assert response.status_code == 421
    assert response.get_data(as_text=True) == "Misdirected request.\n"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_the_onion_mark_from_a_peer_other_than_loopback_is_not_believed(onion_only: Flask):
    response = onion_only.test_client().get(
        "/healthz", base_url=ONION_URL, headers=THROUGH_ONION,
        environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 421


def test_a_request_through_the_onion_listener_is_answered(onion_only: Flask):
    client = onion_only.test_client()
    assert client.get("/healthz", base_url=ONION_URL, headers=THROUGH_ONION).status_code == 200
    page = client.get("/login", base_url=ONION_URL, headers=THROUGH_ONION)
    assert page.status_code == 200
    assert 'name="passphrase"' in page.get_data(as_text=True)


def test_another_host_is_refused_even_through_the_onion_listener(onion_only: Flask):
    response = onion_only.test_client().get("/login", base_url="http://portal.example.org",
                                            headers=THROUGH_ONION)
    assert response.status_code == 400


def test_every_link_is_built_for_the_onion_address(onion_only: Flask):
    with onion_only.test_request_context("/login", base_url=ONION_URL, headers=THROUGH_ONION):
        assert url_for("auth.login", _external=True) == f"{ONION_URL}/login"
    with onion_only.app_context():  # outside a request: an invitation link, a job
        assert url_for("auth.login", _external=True) == f"{ONION_URL}/login"


@pytest.mark.parametrize("base_url", [None, "https://portal.example.org",
                                      "http://short.onion", f"http://www.{ONION}"])
def test_onion_only_refuses_to_start_unless_base_url_is_the_onion_address(
        tmp_path: Path, base_url: str | None):
    with pytest.raises(ConfigError, match="ONION_ONLY"):
        onion_app(tmp_path, BASE_URL=base_url, TESTING=False)


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.9.8.7", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("", True), (None, True), ("10.0.0.1", False), ("203.0.113.7", False),
    ("::ffff:203.0.113.7", False), ("2001:db8::1", False), ("localhost", False)])
def test_only_loopback_peers_and_unix_sockets_count_as_the_local_proxy(
        address: str | None, loopback: bool):
    assert is_loopback_peer(address) is loopback


# -- /healthz --------------------------------------------------------------------------


def test_health_says_ok_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


class UnreachableStore:
    def exists(self, key: str) -> bool:
        raise StorageUnavailable("the endpoint does not answer")


def test_health_says_degraded_when_the_evidence_store_does_not_answer(
        client, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(health, "blob_store", UnreachableStore)
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "degraded")


def test_health_says_degraded_when_the_database_does_not_answer(
        client, monkeypatch: pytest.MonkeyPatch):
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("127.0.0.1:5432"))

    monkeypatch.setattr(health.db.session, "execute", refuse)
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "degraded")
    assert "5432" not in response.get_data(as_text=True)
