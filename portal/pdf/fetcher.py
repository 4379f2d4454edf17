"""The only way WeasyPrint reaches anything outside the HTML string it is given.

An internal scheme serves what the caller authorised before rendering: derived images
(viewing copies, posters, page previews, already re-encoded without metadata) and the
font files. Every other URL (file://, http(s)://, data:, a relative URL made absolute
by an attacker's <base>) is refused, and the refusal stops the render: a dossier with
a silently missing image or font is worse than no dossier.

This module imports WeasyPrint: only `layout` imports it, inside the render. The
assets themselves (`Asset`, `asset_url`) are plain data in `assets.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from portal.pdf.assets import PREFIX, SCHEME, Asset, asset_url

__all__ = ["PREFIX", "SCHEME", "Asset", "AssetFetcher", "RefusedURL", "asset_url"]


class RefusedURL(FatalURLFetchingError):
    """WeasyPrint asked for a URL outside the authorised assets."""


class AssetFetcher(URLFetcher):
    """Serves `portal-asset:<name>` from `assets`; refuses everything else.

    `FatalURLFetchingError` is the one exception WeasyPrint does not swallow into a
    warning, so a refused URL fails the render instead of leaving a hole.
    """

    def __init__(self, assets: Mapping[str, Asset]) -> None:
        # No handlers are used: `fetch` never reaches urllib.
        super().__init__(allowed_protocols=(SCHEME,), allow_redirects=False,
                         fail_on_errors=True)
        self._assets = dict(assets)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        name = url[len(PREFIX):] if url.startswith(PREFIX) else None
        asset = self._assets.get(name) if name is not None else None
        if asset is None:
            self.refused.append(url[:200])
            raise RefusedURL(f"refused URL: {url[:200]}")
        return URLFetcherResponse(url, asset.data, {"Content-Type": asset.media_type})
