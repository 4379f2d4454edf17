"""The fictional family file, people and reports that `flask demo seed` loads.

Every name and event here is invented for demonstration. None refers to a real
victim of PS752 or to a real family member.
"""

from __future__ import annotations

from datetime import date

from portal.services.dossiers.patterns import AdvocacyEventInput
from portal.services.incident_content import IncidentContent
from portal.services.people import PersonDetails
from portal.services.register import VictimInput

DEMO_VICTIMS = (
    VictimInput(name_latin="Sample Victim One", name_persian="قربانی نمونهٔ یک", age="34",
                ties_countries="CA IR", ties_note="Fictional record for the demo."),
    VictimInput(name_latin="Sample Victim Two", name_persian="قربانی نمونهٔ دو", age="29",
                ties_countries="CA IR", ties_note="Fictional record for the demo."),
)

# Invented names (a "story" and a "legend" family), not "Sample …": a real-looking name
# is what redaction must find, and a common word as a name would be redacted everywhere.
DEMO_PEOPLE = (
    PersonDetails(name_persian="مهتاب داستان‌زاده", name_latin="Mahtab Dastanzadeh",
                  relationship_note="Mother of the victim", residence="iran",
                  residence_country="IR", lives_in_iran=True),
    PersonDetails(name_persian="بهرام افسانه‌پور", name_latin="Bahram Afsanehpour",
                  relationship_note="Neighbour, witness", residence="canada",
                  residence_country="CA", travels_to_iran=True),
)

DEMO_REPORTS = (
    IncidentContent(
        start_text="۱۸ دی ۱۳۹۹", calendar="solar_hijri", country="IR", province="تهران",
        city="تهران", place_type="government_office", country_sent="IR", country_received="IR",
        country_carried_out="IR", type_codes=["summons", "interrogation"],
        narrative="(نمونه) در سالگرد سقوط هواپیما، مادرم را به دفتر اطلاعات احضار کردند و "
                  "چهار ساعت دربارهٔ مصاحبه‌های من پرسیدند.",
        narrative_language="fa", demands="(نمونه) گفتند پسرتان باید مصاحبه نکند.",
        trigger="anniversary", agencies=["ministry_of_intelligence"],
        reporter_is_target=False, harms=["fear_or_distress"]),
    IncidentContent(
        start_text="2023-03", calendar="gregorian", country="CA", city="Toronto",
        place_type="phone", online_platform="WhatsApp", country_sent="IR",
        country_received="CA", type_codes=["threat_by_phone", "threat_against_relatives_in_iran"],
        narrative="(Sample) An unknown caller said my relatives in Iran would 'pay' if I kept "
                  "speaking to journalists.",
        narrative_language="en", threat_wording="(Sample) Your family there will pay for this.",
        trigger="media_interview", agencies=["unknown"], harms=["fear_or_distress",
                                                                "self_censorship"]),
)

DEMO_TODAY = date(2026, 11, 1)  # a fixed "today" keeps the demo dates valid forever

# Public events of the families' advocacy, for the dossier timeline (dates of public record).
DEMO_ADVOCACY_EVENTS = (
    AdvocacyEventInput(occurred_on=date(2021, 1, 8), kind="anniversary",
                       title_en="First anniversary of the downing of PS752",
                       title_fr="Premier anniversaire de la destruction du vol PS752",
                       title_fa="نخستین سالگرد سرنگونی پرواز PS752"),
    AdvocacyEventInput(occurred_on=date(2023, 7, 4), kind="legal_filing",
                       title_en="Canada, Sweden, Ukraine and the United Kingdom apply to "
                                "the ICJ",
                       title_fr="Le Canada, la Suède, l'Ukraine et le Royaume-Uni saisissent "
                                "la CIJ",
                       title_fa="درخواست کانادا، سوئد، اوکراین و بریتانیا به "
                                "دیوان بین‌المللی دادگستری"),
)

# Two further reports, written in Persian, for the approved demo dossier PS752-0002,
# each with a fictional exhibit made at seed time (demo.py: a photo and a letter).
DEMO_PERSIAN_REPORTS = (
    IncidentContent(
        start_text="۱۴۰۰/۱۰/۱۸", calendar="solar_hijri", country="IR", province="اصفهان",
        city="اصفهان", place_type="home", country_sent="IR", country_received="IR",
        country_carried_out="IR", type_codes=["summons"],
        narrative="(نمونه) دو روز پیش از مراسم سالگرد، دو مأمور به خانهٔ پدرم آمدند و "
                  "گفتند اگر در مراسم سخنرانی کنم، برادرم احضار خواهد شد. آن‌ها از "
                  "درِ خانه عکس گرفتند.",
        narrative_language="fa", demands="(نمونه) در مراسم سالگرد سخنرانی نکنید.",
        trigger="anniversary", agencies=["ministry_of_intelligence"],
        reporter_is_target=False, harms=["fear_or_distress"]),
    IncidentContent(
        start_text="۱۴۰۱/۰۲/۰۵", calendar="solar_hijri", country="IR", province="تهران",
        city="تهران", place_type="government_office", country_sent="IR",
        country_received="IR", country_carried_out="IR", type_codes=["interrogation"],
        narrative="(نمونه) نامه‌ای رسمی به نشانی خانواده رسید که مرا برای «ادای توضیحات» "
                  "فراخواند. در بازجویی پرسیدند چرا با خبرنگاران خارجی گفت‌وگو کرده‌ام.",
        narrative_language="fa", demands="(نمونه) گفت‌وگو با رسانه‌ها را متوقف کنید.",
        trigger="media_interview", agencies=["ministry_of_intelligence"],
        reporter_is_target=True, harms=["fear_or_distress", "self_censorship"]),
)

# (filename, kind, description) of the exhibit made for each Persian report, in order.
DEMO_EXHIBITS = (
    ("sample-doorstep-photo.jpg", "photo",
     "(Sample) A fictional photograph made for the demo: no real place or person."),
    ("sample-summons-letter.pdf", "document",
     "(Sample) A fictional letter made for the demo: not a real summons."),
)

DEMO_APPROVED_TITLE = "(Sample) Summonses before memorials (demo, approved)"
