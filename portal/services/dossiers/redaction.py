"""Redaction: what the public variant removes, and the names no variant may show.

In every variant, the real name of a person who chose a pseudonym or anonymity is
replaced by their code wherever it was typed. In the public variant, the names of
everyone else in the dossier's families ([REDACTED – R1]), precise places (province,
city: R2), reference numbers (R1: they lead to the reporter) and every string an
advocate marked (with its own reason) are removed. Removed means the text is not in
the document at all: the marker replaces it.

Matching ignores case and the Arabic/Persian spellings of yeh and kaf, so a name
typed with an Arabic keyboard is found too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierRedaction, Person, User, db
from portal.models.dossiers import RedactionReason
from portal.policy import Permission
from portal.services.dossiers.builder import require
from portal.services.dossiers.consent_gate import shown_by_code
from portal.services.errors import ValidationFailed
from portal.services.sealing import open_text, seal_text

MAX_REDACTION = 300
_VARIANTS = {"ی": "[یيى]", "ي": "[یيى]", "ى": "[یيى]", "ک": "[کك]", "ك": "[کك]"}


def marker(reason: str) -> str:
    return f"[REDACTED – {reason}]"


def _pattern(text: str) -> str:
    return "".join(_VARIANTS.get(ch, re.escape(ch)) for ch in text)


@dataclass
class Redactor:
    public: bool
    # (pattern, replacement), longest strings first so "Sara Ahmadi" wins over "Sara".
    rules: list[tuple[re.Pattern[str], str, str]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def add(self, text: str, replacement: str, reason: str = "") -> None:
        text = text.strip()
        if len(text) >= 2:
            self.rules.append((re.compile(_pattern(text), re.IGNORECASE), replacement, reason))
            self.rules.sort(key=lambda rule: -len(rule[0].pattern))

    def text(self, value: str) -> str:
        for pattern, replacement, reason in self.rules:
            value, count = pattern.subn(replacement, value)
            if count and reason:
                self.used.add(reason)
        return value

    def place(self, value: str) -> str:
        """Province and city: kept in the confidential variant, removed in the public one."""
        return self._remove(value, RedactionReason.R2) if self.public else self.text(value)

    def reference(self, value: str) -> str:
        return self._remove(value, RedactionReason.R1) if self.public else self.text(value)

    def reasons_used(self) -> tuple[str, ...]:
        return tuple(sorted(self.used))

    def _remove(self, value: str, reason: RedactionReason) -> str:
        if not value.strip():
            return ""
        self.used.add(reason.value)
        return marker(reason.value)


def build_redactor(kit: CryptoKit, dossier: Dossier, public: bool) -> Redactor:
    redactor = Redactor(public=public)
    families = {entry.incident.family_id for entry in dossier.incidents}
    people: list[Person] = list(db.session.scalars(
        select(Person).where(Person.family_id.in_(families)))) if families else []
    for person in people:
        names = (open_text(kit, person, "name_latin_sealed"),
                 open_text(kit, person, "name_persian_sealed"))
        by_code = shown_by_code(person)
        for name in names:
            if by_code:
                redactor.add(name, person.code)
            elif public:
                redactor.add(name, marker(RedactionReason.R1.value), RedactionReason.R1.value)
    if public:
        for redaction in redactions_of(dossier):
            text = open_text(kit, redaction, "text_sealed")
            redactor.add(text, marker(redaction.reason.value), redaction.reason.value)
    return redactor


def redactions_of(dossier: Dossier) -> list[DossierRedaction]:
    return list(db.session.scalars(select(DossierRedaction).where(
        DossierRedaction.dossier_id == dossier.id).order_by(DossierRedaction.id)))


def add_redaction(kit: CryptoKit, actor: User, dossier: Dossier, text: str,
                  reason: str) -> DossierRedaction:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    text = text.strip()
    if len(text) < 2 or len(text) > MAX_REDACTION:
        raise ValidationFailed(_l("Enter the exact text to remove (2 to %(max)d characters).",
                                  max=MAX_REDACTION), field="text")
    if reason not in {r.value for r in RedactionReason}:
        raise ValidationFailed(_l("Choose a reason."), field="reason")
    redaction = DossierRedaction(dossier_id=dossier.id, reason=RedactionReason(reason),
                                 created_by_id=actor.id)
    db.session.add(redaction)
    db.session.flush()
    seal_text(kit, redaction, "text_sealed", text)
    record_event(AuditAction.DOSSIER_REDACTION_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"reason": reason})
    return redaction


def remove_redaction(actor: User, dossier: Dossier, redaction: DossierRedaction) -> None:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    db.session.delete(redaction)
    db.session.flush()
    record_event(AuditAction.DOSSIER_REDACTION_REMOVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id)
