"""What a render may fetch, as plain data: the `portal-asset:` scheme and its assets.

Kept apart from `fetcher.py` (the WeasyPrint URL fetcher that serves them) so that
building the assets and the HTML does not import WeasyPrint: only the layout does,
in the render child.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEME = "portal-asset"
PREFIX = f"{SCHEME}:"


@dataclass(frozen=True)
class Asset:
    media_type: str
    data: bytes


def asset_url(name: str) -> str:
    return PREFIX + name
