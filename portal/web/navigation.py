"""Safe redirects: after login, re-authentication, a language change or an action."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, fallback_endpoint: str = "main.home",
              **fallback_values: Any) -> str:
    """`target` if it is a path of this site, else the fallback endpoint's URL.

    Never another host (no open redirect), and never a value a browser could read as
    one: `//host` and `/\\host` are other hosts to a browser, which also drops tabs and
    newlines from a URL (`/\\t/host`), and a control character cannot go into the
    Location header at all."""
    if target and _is_local_path(target):
        return target
    return url_for(fallback_endpoint, **fallback_values)


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(not ch.isprintable() or ch.isspace() for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
