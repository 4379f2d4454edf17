"""Labels of people and accounts: where a family member lives, a user's role."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.models import Role
from portal.models.vocabulary import Residence
from portal.vocabulary.table import Labels

RESIDENCE_LABELS: Labels = {
    Residence.IRAN: _l("Iran"),
    Residence.CANADA: _l("Canada"),
    Residence.ELSEWHERE: _l("Elsewhere"),
}

ROLE_LABELS: Labels = {
    Role.FAMILY_MEMBER: _l("Family member"),
    Role.ADVOCATE: _l("Advocate"),
    Role.LEGAL_REVIEWER: _l("Legal reviewer"),
    Role.ADMIN: _l("Administrator"),
}


def role_label(role: Role | str) -> LazyString:
    """A role's label, still lazy: forms build their role choices once, at import."""
    return ROLE_LABELS[Role(role)]
