"""Labels of what a family consents to: who may receive a report, how a person is
named, whether they would testify."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.vocabulary import Destination, Disclosure, Testify
from portal.vocabulary.table import Labels

DESTINATION_LABELS: Labels = {
    Destination.ICC_PROSECUTOR: _l("ICC Office of the Prosecutor"),
    Destination.ICC_REGISTRY: _l("ICC Registry (victims' participation)"),
    Destination.CANADIAN_POLICE: _l("RCMP or Canadian police"),
    Destination.OTHER_PROSECUTORS: _l("Prosecutors of other countries"),
    Destination.UN_MECHANISMS: _l("United Nations mechanisms"),
    Destination.MEDIA: _l("Journalists"),
    Destination.PUBLIC_REPORT: _l("A public report"),
}

DISCLOSURE_LABELS: Labels = {
    Disclosure.FULL_NAME: _l("With my full name"),
    Disclosure.PSEUDONYM: _l("With a pseudonym only"),
    Disclosure.ANONYMOUS: _l("Anonymously"),
}

TESTIFY_LABELS: Labels = {
    Testify.YES: _l("Yes"),
    Testify.NO: _l("No"),
    Testify.UNSURE: _l("Not sure yet"),
}
