"""Countries: ISO 3166-1 alpha-2 codes and their names, from Babel's copy of CLDR."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

# Codes CLDR lists that are not countries: user-assigned ranges, EU, eurozone, UN, unknown.
_NOT_A_COUNTRY = re.compile(r"AA|Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN")


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 country code CLDR knows."""
    return frozenset(code for code in Locale("en").territories
                     if isinstance(code, str) and re.fullmatch("[A-Z]{2}", code)
                     and not _NOT_A_COUNTRY.fullmatch(code))


@cache
def country_names(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name in `locale`) for every country, sorted by name."""
    names = Locale.parse(locale).territories
    return tuple(sorted(((code, str(names.get(code, code))) for code in country_codes()),
                        key=lambda pair: pair[1]))
