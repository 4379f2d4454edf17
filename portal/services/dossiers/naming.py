"""Agency labels for the assembly: the one way every caller gets them.

The translated labels live in the web layer (`portal.web.vocabulary`), which services
and the command line may not import (the layers contract). The dossiers blueprint
publishes its label function on the app when it is registered; the review page, the
export job and the CLI (the demo's approval, `flask dossier export`) all ask for it
here, so they assemble, and hash, exactly the same document.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from portal.services.dossiers.facts import NameOf

EXTENSION = "portal.dossier_agency_namer"


def agency_namer(language: str) -> NameOf:
    """Agency labels in `language` (the app must have the dossiers blueprint)."""
    factory: Callable[[str], NameOf] | None = current_app.extensions.get(EXTENSION)
    if factory is None:
        raise RuntimeError("the dossiers blueprint is not registered on this app")
    return factory(language)
