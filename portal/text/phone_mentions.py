"""Phone numbers mentioned in free text (recognised text of a scan, a message), so
they can be proposed as identifiers (decision 0028; proposals, never recorded alone).

The text is first brought to the portal's normal form (Persian and Arabic-Indic
digits become ASCII, ZWNJ and bidi marks go), then `phonenumbers.PhoneNumberMatcher`
finds numbers written as people write them (``۰۹۱۲ ۱۲۳ ۴۵۶۷``, ``+98 21 1234 5678``,
``0098…``), reading a number without a country code as Iranian. Only numbers valid
for their region are kept, in E.164, in the order they appear, each once.
"""

from __future__ import annotations

import phonenumbers

from portal.text.identifiers import DEFAULT_REGION
from portal.text.normalise import normal_form

MAX_MENTIONS = 20
# PhoneNumberMatcher's own cap on candidates tried, so a long text stays cheap.
_MAX_TRIES = 500


def phone_numbers_in(text: str, limit: int = MAX_MENTIONS) -> list[str]:
    """The valid phone numbers in `text` as E.164 strings, at most `limit`."""
    found: list[str] = []
    matcher = phonenumbers.PhoneNumberMatcher(normal_form(text), DEFAULT_REGION,
                                              leniency=phonenumbers.Leniency.VALID,
                                              max_tries=_MAX_TRIES)
    for match in matcher:
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in found:
            found.append(e164)
        if len(found) >= limit:
            break
    return found
