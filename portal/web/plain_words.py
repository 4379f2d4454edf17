"""Values as a family member reads them: times in their own time zone, sizes in
kilobytes and gigabytes, lists with the page's own comma, and people by their names.

Persian pages get Persian digits, the Solar Hijri calendar, "،" between list items
and " — " where English writes " · " (a middle dot beside Persian digits reads as a
zero: "۱۵ · ۲" looks like "۱۵۰۲").
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, get_timezone_location
from babel.numbers import format_decimal
from flask import g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.calendar import gregorian_to_jalali, jalali_month_name
from portal.dependencies import crypto_kit
from portal.localization import persian_digits
from portal.models import Person
from portal.services.sealing import open_text

# Where a Persian reader most often is when no report says otherwise.
PERSIAN_DEFAULT_ZONE = "Asia/Tehran"
_UNITS = ((1024**3, "GB"), (1024**2, "MB"), (1024, "KB"))


def _language() -> str:
    return str(get_locale() or "en").split("_", 1)[0]


def separator() -> str:
    """What stands between two short values on one line: " · ", or " — " in Persian."""
    return " — " if _language() == "fa" else " · "


def comma() -> str:
    """The comma between list items: "، " in Persian, ", " otherwise."""
    return "، " if _language() == "fa" else ", "



def _number(value: float) -> str:
    text = format_decimal(value, "#,##0.#", locale=_language())
    if _language() == "fa":
        text = persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def human_size(size_bytes: int) -> str:
    """A file size as people say it: "2 GB", "130.3 KB", "۲ گیگابایت"."""
    for factor, unit in _UNITS:
        if size_bytes >= factor:
            return _unit_label(unit, _number(size_bytes / factor))
    return str(_("%(size)s bytes", size=_number(size_bytes)))


def _unit_label(unit: str, size: str) -> str:
    if unit == "GB":
        return str(_("%(size)s GB", size=size))
    if unit == "MB":
        return str(_("%(size)s MB", size=size))
    return str(_("%(size)s KB", size=size))


def _zone(name: str | None) -> ZoneInfo | None:
    """The time zone to show times in: the one given, else Tehran for Persian, else UTC
    (None)."""
    chosen = name or (PERSIAN_DEFAULT_ZONE if _language() == "fa" else None)
    if not chosen or chosen == "UTC":
        return None
    try:
        return ZoneInfo(chosen)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def timezone_name(name: str) -> str:
    """A time zone as people name it: "Iran Time", "وقت ایران" (not "Asia/Tehran")."""
    if not name or name == "UTC":
        return str(_("UTC"))
    try:
        return str(get_timezone_location(name, locale=_language()))
    except LookupError:
        return name


def _day_text(moment: datetime) -> str:
    language = _language()
    if language == "fa":
        year, month, day = gregorian_to_jalali(moment.date())
        return persian_digits(f"{day} {jalali_month_name(month, persian=True)} {year}")
    return str(format_date(moment.date(), "d MMM y", locale=language))


def local_time(moment: datetime | None, zone: str | None = None, *,
               seconds: bool = False) -> Markup:
    """A stored UTC time as a `<time>` element in the reader's zone (see `_zone`), with
    the zone named: "14 Dec 2026, 09:30 (Canada (Toronto) Time)", or in Persian
    "۲۳ آذر ۱۴۰۵، ۱۸:۰۰ (وقت ایران)"."""
    if moment is None:
        return Markup("—")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    tz = _zone(zone)
    shown = aware.astimezone(tz) if tz else aware.astimezone(UTC)
    clock = shown.strftime("%H:%M:%S" if seconds else "%H:%M")
    zone_label = timezone_name(tz.key if tz else "UTC")
    if _language() == "fa":
        text = f"{_day_text(shown)}، {persian_digits(clock)} ({zone_label})"
    else:
        text = f"{_day_text(shown)}, {clock} ({zone_label})"
    return Markup('<time datetime="{}">{}</time>').format(
        aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), text)


def person_name(person: Person) -> str:
    """A person as their own family knows them, by name (Persian script first on
    Persian pages); staff see the pseudonym code. The code stands in when no name was
    given. Names are opened once per request."""
    if current_user.role.is_staff:
        return person.code
    if "person_names" not in g:
        g.person_names = {}
    if person.id not in g.person_names:
        kit = crypto_kit()
        names = [open_text(kit, person, "name_persian_sealed"),
                 open_text(kit, person, "name_latin_sealed")]
        if _language() != "fa":
            names.reverse()
        g.person_names[person.id] = next((n for n in names if n), person.code)
    return str(g.person_names[person.id])
