"""How a staff member is named where a document must name a person: their full name
and professional capacity, which the confidential variant of a dossier they approved
prints (the public variant names staff by role only, never by these or the username).

Both are personal text, sealed like people's names (`users.*_sealed`); each person
edits their own on the account page. Family members have none: they are never named
as staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.crypto.kit import CryptoKit
from portal.models import User, db
from portal.services.errors import InvalidFields, PermissionDenied
from portal.services.sealing import open_text, seal_text

MAX_FULL_NAME = 120
MAX_CAPACITY = 200


@dataclass(frozen=True)
class StaffProfile:
    full_name: str = ""
    capacity: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.full_name and self.capacity)


def profile_of(kit: CryptoKit, user: User) -> StaffProfile:
    """The person's full name and capacity ("" where not given)."""
    return StaffProfile(full_name=open_text(kit, user, "full_name_sealed"),
                        capacity=open_text(kit, user, "professional_capacity_sealed"))


def has_profile(user: User) -> bool:
    """Whether both are given, without opening them (empty text is stored as NULL)."""
    return user.full_name_sealed is not None and user.professional_capacity_sealed is not None


def set_profile(kit: CryptoKit, actor: User, full_name: str, capacity: str) -> None:
    """Save the actor's own full name and capacity (either may be emptied). Raises
    PermissionDenied for a family member, InvalidFields for text that is too long."""
    if not actor.role.is_staff:
        raise PermissionDenied(_l("Only staff are named on dossiers."))
    full_name, capacity = " ".join(full_name.split()), " ".join(capacity.split())
    errors = {}
    if len(full_name) > MAX_FULL_NAME:
        errors["full_name"] = _l("Use at most %(max)d characters.", max=MAX_FULL_NAME)
    if len(capacity) > MAX_CAPACITY:
        errors["professional_capacity"] = _l("Use at most %(max)d characters.",
                                             max=MAX_CAPACITY)
    if errors:
        raise InvalidFields(errors)
    seal_text(kit, actor, "full_name_sealed", full_name)
    seal_text(kit, actor, "professional_capacity_sealed", capacity)
    db.session.flush()
