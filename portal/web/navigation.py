"""Safe redirects after login and re-authentication."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, fallback_endpoint: str = "main.home") -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for(fallback_endpoint)
