"""The pattern analysis of a dossier as an HTML preview (the PDF renders the same data)."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale

from portal.models.dossiers import Dossier
from portal.policy import Permission
from portal.services.dossiers.patterns import ELEMENTS, pattern_analysis
from portal.web.access import load_or_deny
from portal.web.dossiers import bp


@bp.route("/<int:dossier_id>/patterns")
def patterns_preview(dossier_id: int) -> str:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_READ, "dossier")
    analysis = pattern_analysis(dossier)
    marked = [index for index, month in enumerate(analysis.timeline) if month.moments]
    return render_template("dossiers/patterns.html", dossier=dossier, patterns=analysis,
                           marked=marked, elements=ELEMENTS, as_text=str,
                           locale=str(get_locale() or "en"))
