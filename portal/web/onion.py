"""Onion-only mode: the portal answers only what came through its Tor onion service.

Tor hands the onion service's connections to a dedicated nginx listener on loopback
(deploy/tor/torrc, deploy/nginx/portal.conf). That listener, and no other, sets
`X-Portal-Via-Onion: 1` on what it passes to gunicorn; every other server block of the
shipped site clears the header. The portal believes it only from a loopback peer (nginx
on the same machine: gunicorn listens on loopback or a Unix socket), so nobody can
forge it from outside. With ONION_ONLY on, anything else gets a bare 421 before Flask
sees it: no page, no link, no cookie that would tie another address to the portal.
Links are built for the onion address because BASE_URL must be it (portal/config.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.wrappers import Response

from portal.web.headers import CONTENT_SECURITY_POLICY, STATIC_HEADERS

VIA_ONION_HEADER = "X-Portal-Via-Onion"
_VIA_ONION_ENVIRON = "HTTP_" + VIA_ONION_HEADER.upper().replace("-", "_")


def is_loopback_peer(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and a Unix socket (no address)."""
    if not address:
        return True  # a Unix socket: only processes on this machine can connect
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return peer.is_loopback


def came_through_onion(environ: dict[str, Any]) -> bool:
    """The onion listener's mark, from a peer that can only be the local nginx."""
    return (environ.get(_VIA_ONION_ENVIRON) == "1"
            and is_loopback_peer(environ.get("REMOTE_ADDR")))


def refusal() -> Response:
    """A bare 421 that says nothing about what answers at this address."""
    return Response("Misdirected request.\n", 421, mimetype="text/plain", headers={
        **STATIC_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Cache-Control": "no-store", "Pragma": "no-cache"})


def install(app: Flask) -> None:
    """With ONION_ONLY, wrap the WSGI app so that every other request is refused first
    (static files and /healthz included: the monitoring asks through the onion listener)."""
    if not app.config.get("ONION_ONLY"):
        return
    portal_app = app.wsgi_app

    def onion_only(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not came_through_onion(environ):
            return refusal()(environ, start_response)
        return portal_app(environ, start_response)

    app.wsgi_app = onion_only  # type: ignore[method-assign]
