"""Filling in the incident form as a family member does."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

from tests.support.client import BrowserClient

BASE_FORM: dict[str, Any] = {
    "calendar": "solar_hijri", "timezone": "Asia/Tehran", "country": "IR",
    "type_codes": ["summons"], "narrative": "They called me to the office.",
    "reporter_is_target": "y",
}


def start_report(client: BrowserClient) -> int:
    response = client.submit("/reports", {}, action="/reports/new")
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert location.endswith("/steps/when"), location  # one question per page (0024)
    return int(location.split("/")[2])


def send_report(client: BrowserClient, incident_id: int, action: str,
                **fields: Any) -> TestResponse:
    """POST the form with `action` (save, submit, amend); fields override BASE_FORM.
    A field given as None is left out, as an empty box would be."""
    data = {**BASE_FORM, **fields, "action": action}
    data = {k: v for k, v in data.items() if v is not None}
    return client.submit(f"/reports/{incident_id}/edit", data)
