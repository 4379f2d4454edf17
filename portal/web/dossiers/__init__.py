"""Dossiers: the builder for advocates, the review for legal reviewers, the preview,
the narrative sections and the pattern analysis."""

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")

# Routes register on import.
from portal.services.dossiers.naming import EXTENSION as _AGENCY_NAMER  # noqa: E402
from portal.web.dossiers import exports, patterns, sections, verify, views  # noqa: E402,F401

# The command line assembles dossiers too (portal/services/dossiers/naming.py).
bp.record_once(lambda state: state.app.extensions.setdefault(_AGENCY_NAMER,
                                                            views.agency_labels))
