"""Names of domain values in a dossier's language, for its assembly and its PDF.

`agency_namer` is the one way an assembly names agencies: the review page, the export
job and the command line (the demo's approval, `flask dossier export`) all call it, so
they assemble, and hash, exactly the same document.
"""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from portal.audit.custody import CustodyAction
from portal.models import EvidenceKind, IncidentTypeTerm, Role, db
from portal.models.dossiers import SectionKey
from portal.models.vocabulary import Agency
from portal.pdf.context import Vocabulary
from portal.services.countries import country_names
from portal.services.dossiers.facts import NameOf
from portal.vocabulary import every_label, namer, texts
from portal.vocabulary.dossiers import ABBREVIATION_EXPANSIONS


def agency_namer(language: str) -> NameOf:
    """Agency labels in `language`, whatever the locale of the request or command."""
    return namer(Agency, language)


def pdf_vocabulary(locale: str) -> Vocabulary:
    """Every label the PDF prints, in `locale`, as plain strings (the PDF templates get
    no lazy strings and no database). Closed-list values are keyed `name:value`, what
    an abbreviation stands for `abbreviation:ICC`."""
    with force_locale(locale):
        return Vocabulary(
            values={**every_label(), **{f"abbreviation:{short}": str(text)
                                        for short, text in ABBREVIATION_EXPANSIONS.items()}},
            types={t.code: t.label(locale) for t in db.session.scalars(select(IncidentTypeTerm))},
            countries=dict(country_names(locale)),
            sections=texts(SectionKey),
            exhibit_kinds=texts(EvidenceKind),
            custody_actions=texts(CustodyAction),
            roles=texts(Role))
