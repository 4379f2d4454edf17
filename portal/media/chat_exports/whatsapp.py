"""WhatsApp's "Export chat" text, in the variants phones write.

- Android: ``12/31/23, 9:15 PM - Name: text`` (day or month first, 2- or 4-digit year,
  ``/``, ``.`` or ``-``; 12- or 24-hour clock; U+202F before AM/PM in recent versions).
- iPhone: ``[31/12/2023, 21:15:03] Name: text``, often after a U+200E mark.
- A Persian-language phone: Persian digits, the Persian comma, a Solar Hijri year and
  ``ق.ظ`` / ``ب.ظ`` for a.m./p.m.: ``۱۴۰۲/۱۰/۱۸، ۸:۱۵ ب.ظ - Name: text``.
- Dates with a month name: ``18 دی 1402`` (Solar Hijri names) or ``8 ژانویه 2024`` /
  ``8 Jan 2024`` (Gregorian names, in Persian or English).
- Attachments: ``IMG-20231231-WA0001.jpg (file attached)`` (Android) or
  ``<attached: 00000012-PHOTO-2023-12-31-21-15-03.jpg>`` (iPhone), in several languages.

A line that starts no message continues the one before (messages span lines). What
cannot be read is reported with its line number, never guessed: a header whose date
is impossible, and lines before the first message. Day/month order is taken from the
file (a first number above 12 means day first); when nothing tells, the times are kept
as printed and no date is inferred. The export carries no time zone: the phone's clock
at export, whatever zone it was in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .limits import ChatLimits, ExportRefused
from .text import ascii_digits, clean

_DATE = (r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
         r"|\d{1,2}\s+[^\W\d_][^\W\d_\u200c]*\.?\s+\d{4})")  # or "18 دی 1402"
# Month names as phones print them: Solar Hijri (Persian) and Gregorian (Persian, English).
_SOLAR_HIJRI_MONTHS = {name: number for number, names in enumerate((
    ("فروردین",), ("اردیبهشت",), ("خرداد",), ("تیر",), ("مرداد", "امرداد"), ("شهریور",),
    ("مهر",), ("آبان",), ("آذر",), ("دی",), ("بهمن",), ("اسفند",)), start=1)
    for name in names}
_GREGORIAN_MONTHS = {name: number for number, names in enumerate((
    ("ژانویه", "jan", "january"), ("فوریه", "feb", "february"), ("مارس", "mar", "march"),
    ("آوریل", "apr", "april"), ("مه", "می", "may"), ("ژوئن", "jun", "june"),
    ("ژوئیه", "جولای", "jul", "july"), ("اوت", "آگوست", "aug", "august"),
    ("سپتامبر", "sep", "sept", "september"), ("اکتبر", "oct", "october"),
    ("نوامبر", "nov", "november"), ("دسامبر", "dec", "december")), start=1)
    for name in names}
_TIME = r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
_MERIDIEM = r"(?:\s?(?P<meridiem>[AaPp]\.?\s?[Mm]\.?|ق\.?\s?ظ\.?|ب\.?\s?ظ\.?|ص|م))?"
_ANDROID = re.compile(rf"^{_DATE}[,،]?\s+{_TIME}{_MERIDIEM}\s+[-–]\s+(?P<rest>.*)$", re.S)
_IPHONE = re.compile(rf"^\[{_DATE}[,،]?\s+{_TIME}{_MERIDIEM}\]\s+(?P<rest>.*)$", re.S)
_PM = ("p", "ب", "م")
_ATTACHED_ANDROID = re.compile(
    r"^(?P<name>[^\s/\\<>:]+\.[A-Za-z0-9]{1,5})\s+\((?:file attached|فایل پیوست(?:\s?شد)?"
    r"|fichier joint|archivo adjunto|Datei angehängt|ملف مرفق)\)", re.I)
_ATTACHED_IPHONE = re.compile(
    r"^<(?:attached|پیوست|المرفق|المُرفق|pièce jointe|adjunto|Anhang)\s*:\s*"
    r"(?P<name>[^<>/\\]+)>", re.I)


@dataclass
class _Header:
    line: int
    printed: str
    parts: tuple[int, int, int]
    year_first: bool
    clock: tuple[int, int, int]
    meridiem: str
    rest: str
    named_calendar: str = ""  # the month was a name: its calendar, and day month year


@dataclass
class ParsedChat:
    messages: list[dict[str, object]] = field(default_factory=list)
    unreadable: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def looks_like_whatsapp(text: str) -> bool:
    """True if one of the first lines starts a WhatsApp message."""
    return any(_header_match(line) for line in text.splitlines()[:20])


def parse_whatsapp(text: str, limits: ChatLimits,
                   members: frozenset[str] | None = None) -> ParsedChat:
    """The messages of a WhatsApp export; `members` names the files of its zip (to say
    whether an attachment came with it), None for a bare .txt. Raises ExportRefused."""
    result = ParsedChat()
    entries: list[tuple[_Header, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean(raw)
        header = _header(number, line)
        if header is not None:
            entries.append((header, [header.rest]))
            if len(entries) > limits.max_messages:
                raise ExportRefused("too_many_messages")
        elif entries:
            entries[-1][1].append(line)
        elif line.strip():
            _unreadable(result, number, line, limits)
    if not entries:
        raise ExportRefused("not_a_chat_export")
    day_first = _day_first([header for header, _ in entries])
    if day_first is None:
        result.notes.append("date_order_unknown")
    for header, lines in entries:
        _add_message(result, header, "\n".join(lines), day_first, members, limits)
    return result


def _header_match(line: str) -> re.Match[str] | None:
    digits = ascii_digits(clean(line))
    return _IPHONE.match(digits) or _ANDROID.match(digits)


def _header(number: int, line: str) -> _Header | None:
    found = _header_match(line)
    if found is None:
        return None
    named = _named_date(found["date"])
    fields = named[1] if named else tuple(int(f) for f in re.split(r"[./-]", found["date"]))
    clock = [int(p) for p in re.split(r"[:.]", found["time"])] + [0]
    # ascii_digits keeps every offset: the rest is cut from the line as written.
    start = found.start("rest")
    return _Header(number, line[:start].strip(" -–[]"), (fields[0], fields[1], fields[2]),
                   not named and len(re.split(r"[./-]", found["date"])[0]) == 4,
                   (clock[0], clock[1], clock[2]), (found["meridiem"] or "").lower(),
                   line[start:], named[0] if named else "")


def _named_date(text: str) -> tuple[str, tuple[int, int, int]] | None:
    """"18 دی 1402" → ("solar_hijri", (18, 10, 1402)); an unknown month name gives
    month 0 (unreadable, never guessed); None for a date written in numbers only."""
    pieces = text.split()
    if len(pieces) != 3 or not pieces[0].isdigit():
        return None
    name = pieces[1].rstrip(".").replace("\u200c", "").lower()
    calendar = ("solar_hijri" if name in _SOLAR_HIJRI_MONTHS else "gregorian")
    month = _SOLAR_HIJRI_MONTHS.get(name) or _GREGORIAN_MONTHS.get(name, 0)
    return calendar, (int(pieces[0]), month, int(pieces[2]))


def _day_first(headers: list[_Header]) -> bool | None:
    """From the whole file: day first if a first number passes 12, month first if a
    second one does; None when nothing tells or both do (then no date is inferred)."""
    ordered = [h for h in headers if not h.year_first and not h.named_calendar]
    if not ordered:
        return True  # year first: year/month/day, the only order phones write
    first = any(h.parts[0] > 12 for h in ordered)
    second = any(h.parts[1] > 12 for h in ordered)
    if first == second:
        return None
    return first


def _when(header: _Header, day_first: bool | None) -> list[object] | None:
    if header.year_first:
        year, month, day = header.parts
    elif header.named_calendar:
        day, month, year = header.parts
    elif day_first is None:
        return None
    else:
        day, month, year = header.parts if day_first else (
            header.parts[1], header.parts[0], header.parts[2])
    if year < 100:
        year += 2000
    calendar = header.named_calendar or ("solar_hijri" if 1300 <= year < 1500 else "gregorian")
    hour, minute, second = header.clock
    if header.meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if header.meridiem.startswith(_PM) else 0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60
            and second < 60 and (1300 <= year < 1500 if calendar == "solar_hijri"
                                 else 1990 <= year <= 2100)):
        return None
    return [calendar, year, month, day, hour, minute, second]


def _add_message(result: ParsedChat, header: _Header, body: str, day_first: bool | None,
                 members: frozenset[str] | None, limits: ChatLimits) -> None:
    when = _when(header, day_first)
    if when is None and day_first is not None:
        _unreadable(result, header.line, f"{header.printed} {body}", limits)
        return
    sender, text = _sender_and_text(body)
    if len(text) > limits.max_message_chars:
        _unreadable(result, header.line, f"{header.printed} {sender}", limits)
        return
    attachment = _attachment(text)
    result.messages.append({
        "line": header.line, "sender": sender, "time_text": header.printed, "when": when,
        "text": text, "attachment": attachment, "system": not sender,
        "attachment_present": (attachment in members or any(
            m.endswith("/" + attachment) for m in members))
        if attachment and members is not None else None,
    })


def _sender_and_text(body: str) -> tuple[str, str]:
    """"Name: text"; a line without a colon is WhatsApp's own (encryption notice,
    someone added or left), with no sender."""
    first, _, more = body.partition("\n")
    if ": " in first:
        sender, _, text = first.partition(": ")
        return sender.strip(), text + ("\n" + more if more else "")
    if first.endswith(":") and more:
        return first[:-1].strip(), more
    return "", body


def _attachment(text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    found = _ATTACHED_ANDROID.match(first) or _ATTACHED_IPHONE.match(first)
    return found["name"].strip() if found else ""


def _unreadable(result: ParsedChat, number: int, line: str, limits: ChatLimits) -> None:
    result.unreadable.append({"line": number, "text": line[:300]})
    if len(result.unreadable) > limits.max_unreadable:
        raise ExportRefused("too_many_unreadable")
