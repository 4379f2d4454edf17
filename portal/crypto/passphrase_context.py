"""The words anyone guessing a passphrase on this portal tries first.

Whoever attacks an account here knows what the portal is for. Before any dictionary
they try the flight, the airline, the cities of the families and of the crash, the
slogans and names in the news around it, the years, in Latin and Persian script: a
family member asked for "something memorable" reaches for the same words
("ZanZendegiAzadi", "mahsa amini 1401", "Ukraine752Flight"), and zxcvbn's own lists
hold few of them. The passphrase policy (passwords.py) gives them to zxcvbn as extra
dictionary words (each phrase whole, word by word and joined without spaces, all
lowercased), and scores what is left of a passphrase once they are taken out.

Most likely first: zxcvbn ranks a word by its position. Before scoring, Persian and
Arabic-Indic digits become ASCII digits, Arabic yeh and kaf their Persian forms, and
the zero-width non-joiner is dropped, so each word is listed once, in Persian letters
(with the non-joiner where Persian writes one) and ASCII digits. The portal's own name
comes from the configuration (PORTAL_NAME) through the caller.
"""

from __future__ import annotations

__all__ = ["CONTEXT_WORDS"]

_ZWNJ = "\u200c"

_FLIGHT = (
    "PS752", "Flight PS752", "Flight 752", "752", "Justice for PS752", "PS752 Justice",
    "Ukraine International Airlines", "UIA", "Boeing 737", "Tor-M1", "shot down",
    "8 January 2020", "January 8", "18 Dey 1398",
    "پرواز 752", "پرواز پی اس 752", "هواپیمای اوکراینی",
    f"هواپیمایی بین{_ZWNJ}المللی اوکراین", "18 دی", "هجده دی",
    "Association of Families of Flight PS752 Victims", "families", "victims",
    "never forget",
)
_PLACES = (
    "Tehran", "Kyiv", "Kiev", "Ukraine", "Iran", "Canada", "Toronto", "Edmonton",
    "Vancouver", "Montreal", "Winnipeg", "Ottawa", "Calgary",
    "Imam Khomeini airport", "Imam Khomeini International Airport",
    "Parand", "Shahedshahr", "Sabashahr",
    "تهران", f"کی{_ZWNJ}یف", "اوکراین", "ایران", "کانادا", "تورنتو", "ادمونتون", "ونکوور",
    "مونترال", "وینیپگ", "اتاوا", "فرودگاه امام خمینی", "پرند", "شاهدشهر",
)
_NEWS = (
    "Zan Zendegi Azadi", "Woman Life Freedom", "Jin Jiyan Azadi", "Mahsa Amini",
    "Jina Amini", "justice", "freedom", "IRGC", "Sepah", "Pasdaran", "Soleimani",
    "Qasem Soleimani", "Khamenei", "Khomeini", "Hajizadeh", "Raisi", "Islamic Republic",
    "زن زندگی آزادی", "مهسا امینی", "ژینا امینی", "عدالت", "آزادی", "سپاه", "پاسداران",
    "سلیمانی", "قاسم سلیمانی", f"خامنه{_ZWNJ}ای", "خمینی", f"حاجی{_ZWNJ}زاده",
    "جمهوری اسلامی", "مرگ بر دیکتاتور",
)
# The Gregorian and Solar Hijri years of the crash, the protests and since
# (1398 runs from March 2019 to March 2020).
_YEARS = (*(str(year) for year in range(2019, 2027)),
          *(str(year) for year in range(1398, 1406)))

CONTEXT_WORDS: tuple[str, ...] = (*_FLIGHT, *_PLACES, *_NEWS, *_YEARS)
"""Phrases and words, most likely first; passwords.py expands and lowercases them."""
