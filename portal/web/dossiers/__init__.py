"""Dossiers: the builder for advocates, the review for legal reviewers, the preview,
the narrative sections and the pattern analysis."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

# Routes register on import.
from portal.web.dossiers import (  # noqa: E402,F401
    exports,
    occurrences,
    patterns,
    redact_image,
    sections,
    verify,
    views,
)
