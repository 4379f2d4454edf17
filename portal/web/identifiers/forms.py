"""Recording and removing an identifier. The choices only shape the page: the service
reads the kind, the platform and the value again and refuses what it cannot read."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField

from portal.models import IdentifierKind, Platform
from portal.web.forms import PortalForm, strip_text
from portal.web.vocabulary import blank, choices

# Its fields are prefixed: the form sits on pages that have fields of their own.
PREFIX = "identifier"


class IdentifierForm(PortalForm):
    kind = SelectField(_l("What it is"), validate_choice=False)
    platform = SelectField(_l("Where the account is"), validate_choice=False,
                           description=_l("Only for a messaging or social-media account."))
    value = StringField(_l("Number, account, address or name"), filters=[strip_text],
                        description=_l(
        "As you have it: a phone number in any form (0912…, +98…, Persian digits), an "
        "account as @name or the address of its page, an e-mail address, a name or "
        "title, an address, a vehicle plate."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=PREFIX, **kwargs)
        self.kind.choices = choices(IdentifierKind)
        self.platform.choices = [blank(_l("Not an account")), *choices(Platform)]


class RemoveIdentifierForm(PortalForm):
    identifier = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix=PREFIX, **kwargs)
