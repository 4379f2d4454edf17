"""Dossiers: the builder for advocates, the review for legal reviewers, the preview,
the narrative sections and the pattern analysis."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

# Routes register on import.
from portal.web.dossiers import (  # noqa: E402,F401
    exhibit_messages,
    exports,
    occurrences,
    patterns,
    recognised_text,
    redact_image,
    section_translations,
    sections,
    verify,
    views,
)
