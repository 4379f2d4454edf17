"""Security headers on every response, set here rather than by an unmaintained extension."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()" for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
        "payment", "usb", "interest-cohort", "browsing-topics",
    )
)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def page_content_security_policy(quick_exit_url: str) -> str:
    """The CSP of our pages: browsers check `form-action` on every redirect after a form
    is sent, so the quick-exit form (POST /exit, then 303 to the neutral site) needs that
    one origin beside our own (decision 0017). Nothing else may receive a form."""
    parts = urlsplit(quick_exit_url)
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc):
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", page_content_security_policy(
        current_app.config["QUICK_EXIT_URL"]))
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages may show a family's private details: never keep them in any cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if current_app.config["HTTPS"]:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response
