"""Labels of identifiers: what kind of identifier, and on which platform an account is."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.identifiers import IdentifierKind, Platform
from portal.vocabulary.table import Labels

IDENTIFIER_KIND_LABELS: Labels = {
    IdentifierKind.PHONE: _l("Phone number"),
    IdentifierKind.ACCOUNT: _l("Messaging or social-media account"),
    IdentifierKind.EMAIL: _l("E-mail address"),
    IdentifierKind.OFFICIAL: _l("Official's name or title"),
    IdentifierKind.PLACE: _l("Place of summons or detention"),
    IdentifierKind.VEHICLE_PLATE: _l("Vehicle plate"),
}

PLATFORM_LABELS: Labels = {
    Platform.WHATSAPP: _l("WhatsApp"),
    Platform.TELEGRAM: _l("Telegram"),
    Platform.INSTAGRAM: _l("Instagram"),
    Platform.X: _l("X (Twitter)"),
    Platform.FACEBOOK: _l("Facebook"),
    Platform.OTHER: _l("Another platform"),
}
