"""The advocate's workspace over a seeded set of incidents: every filter alone and
combined, the blind-index search (Persian spellings, digits, English case, AND),
pages, statistics, and who may see any of it.

The set is seeded through the real services (drafts, submission, verification)
in two family files assigned to the advocate and one assigned to someone else.
The expected results below are written out by hand from the seed, never derived
from the code under test. All content is fictional.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pytest
from babel import Locale
from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Family, Incident, IncidentTypeTerm, Role, User, db
from portal.services import incidents as incident_service
from portal.services.countries import country_codes
from portal.services.incident_content import IncidentContent
from portal.services.review import set_verification
from portal.web.vocabulary import TIMEZONES
from tests.conftest import CAPTURED
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in

PAGE_SIZE = 25


@dataclass(frozen=True)
class Seed:
    key: str
    family: str  # "A" and "B" are assigned to the advocate, "C" to another advocate
    start: str
    calendar: str
    first_day: date  # converted by hand: the Gregorian first day the start covers
    country: str
    types: tuple[str, ...]
    agencies: tuple[str, ...]
    narrative: str
    verification: str = "unverified"
    city: str = ""
    end: str = ""
    submitted: bool = True


SH, GR = "solar_hijri", "gregorian"

SPECIAL = [
    Seed("A1", "A", "۱۸ دی ۱۳۹۸", SH, date(2020, 1, 8), "IR", ("summons", "interrogation"),
         ("irgc_intelligence",),
         "مأموران سپاه مرا به دفتر احضار کردند و درباره‌ی مصاحبه با رسانه‌ها پرسیدند.",
         verification="corroborated"),
    # Month precision (Mordad 1399 = 2020-07-22..2020-08-21) to the end of Aban 1399
    # (2020-11-20); Arabic ي and ك in the text.
    Seed("A2", "A", "1399/05", SH, date(2020, 7, 22), "IR", ("threat_by_phone",),
         ("ministry_of_intelligence",),
         "يك تماس تلفني از شماره ناشناس داشتم؛ گفتند ساکت بمانید.", end="1399/08"),
    # Year precision: the whole of 2021.
    Seed("A3", "A", "2021", GR, date(2021, 1, 1), "CA", ("online_harassment", "threat_online"),
         ("cyber_police", "unknown"),
         "Anonymous accounts posted threats on Instagram after the memorial in Toronto.",
         verification="partially_corroborated"),
    # ZWNJ inside a word, and Persian digits.
    Seed("A4", "A", "۱۴۰۱/۰۷/۱۵", SH, date(2022, 10, 7), "TR", ("surveillance",),
         ("irgc_intelligence", "consulate_or_embassy"),
         "در استانبول دو مرد ما را تعقیب می‌کردند و در سال ۱۴۰۱ عکس می‌گرفتند."),
    Seed("A5", "A", "8 January 2023", GR, date(2023, 1, 8), "CA",
         ("threat_against_relatives_in_iran",), ("ministry_of_intelligence",),
         "On the anniversary the Ministry summoned my brother in Iran and called 1401 a warning."),
    Seed("B1", "B", "2020-02", GR, date(2020, 2, 1), "CA", ("threat_online", "hacking_or_phishing"),
         ("cyber_police",),
         "A phishing EMAIL pretending to be from the ministry asked for my password."),
    # Year precision (1400 = 2021-03-21..2022-03-20): ends the day before 1401 starts.
    Seed("B2", "B", "۱۴۰۰", SH, date(2021, 3, 21), "IR",
         ("travel_ban", "passport_or_device_confiscation"),
         ("judiciary", "police"),
         "گذرنامه‌ام را در فرودگاه ضبط کردند و گفتند ممنوع‌الخروج هستم.",
         verification="corroborated"),
    # A Persian month name (Tir 1402 = 2023-06-22..2023-07-22); a word only in the city.
    Seed("B3", "B", "تیر ۱۴۰۲", SH, date(2023, 6, 22), "CA", ("summons", "threat_by_phone"),
         ("police", "ministry_of_intelligence"),
         "A police officer phoned: the ministry wants me at the office on Tuesday.",
         city="Mississauga"),
]
# Routine reports filling 2024: F00 is 2024-01-10, F01 2024-01-20, ... F23 2024-12-20.
FILLER = [
    Seed(f"F{k:02d}", "B", f"2024-{k // 2 + 1:02d}-{10 if k % 2 == 0 else 20}", GR,
         date(2024, k // 2 + 1, 10 if k % 2 == 0 else 20), "DE", ("surveillance",), ("unknown",),
         f"Routine note {k}: a grey car was parked outside the house again.")
    for k in range(24)
]
# Never visible to the advocate: the other family's reports, and drafts of their own families.
OUT_OF_SCOPE = [
    Seed("C1", "C", "۱۸ دی ۱۳۹۸", SH, date(2020, 1, 8), "IR", ("summons",), ("irgc_intelligence",),
         "مأموران سپاه در خرمشهر مرا احضار کردند.", verification="corroborated"),
    Seed("C2", "C", "2021-05-05", GR, date(2021, 5, 5), "CA", ("online_harassment",),
         ("cyber_police",), "Threats on Instagram after the vigil in Toronto, the ministry says."),
    Seed("DA", "A", "1399/01/01", SH, date(2020, 3, 20), "IR", ("summons",), ("irgc_intelligence",),
         "Draft: the ministry called, احضار, Mississauga.", submitted=False),
    Seed("DB", "B", "2024-05-05", GR, date(2024, 5, 5), "DE", ("surveillance",), ("unknown",),
         "Draft: a grey car again.", submitted=False),
]
SEEDS = SPECIAL + FILLER + OUT_OF_SCOPE
SCOPE = frozenset(s.key for s in SPECIAL + FILLER)
F = frozenset(s.key for s in FILLER)


def keys(*names: str, also: Iterable[str] = ()) -> frozenset[str]:
    return frozenset(names) | frozenset(also)


@dataclass
class World:
    advocate: Account
    other_advocate: Account
    members: dict[str, Account]
    family_ids: dict[str, int]
    ids: dict[str, int] = field(default_factory=dict)

    def key_of(self, incident_id: int) -> str:
        names = {v: k for k, v in self.ids.items()}
        return names.get(incident_id, f"unknown#{incident_id}")

    def params(self, raw: dict[str, str]) -> dict[str, str]:
        """Query parameters, with "@A" etc. standing for a family file's id."""
        return {k: str(self.family_ids[v[1:]]) if v.startswith("@") else v
                for k, v in raw.items()}


def seed_world(app: Flask) -> World:
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    other = make_account(app, Role.ADVOCATE, locale="en")
    members = {name: make_account(app, Role.FAMILY_MEMBER, locale="en") for name in "ABC"}
    family_ids = {
        "A": make_family(app, members=[members["A"]], advocates=[advocate]),
        "B": make_family(app, members=[members["B"]], advocates=[advocate]),
        "C": make_family(app, members=[members["C"]], advocates=[other]),
    }
    world = World(advocate, other, members, family_ids)
    with app.app_context():
        kit = crypto_kit()
        for spec in SEEDS:
            family = db.session.get(Family, family_ids[spec.family])
            reporter = db.session.get(User, members[spec.family].id)
            assert family is not None
            assert reporter is not None
            incident = incident_service.start_draft(reporter, family)
            content = IncidentContent(
                start_text=spec.start, end_text=spec.end, calendar=spec.calendar,
                country=spec.country, city=spec.city, type_codes=list(spec.types),
                agencies=list(spec.agencies), narrative=spec.narrative,
                narrative_language="fa" if spec.calendar == SH else "en")
            choices = incident_service.Choices(family, country_codes(), TIMEZONES)
            if spec.submitted:
                incident_service.submit(kit, reporter, incident, content, date.today(), choices)
            else:
                incident_service.save_draft(kit, reporter, incident, content, date.today(),
                                            choices)
            if spec.verification != "unverified":
                reviewer = db.session.get(User, (advocate if spec.family != "C" else other).id)
                assert reviewer is not None
                set_verification(kit, reviewer, incident, spec.verification,
                                 "Checked against a fictional witness statement.")
            world.ids[spec.key] = incident.id
        db.session.commit()
        # The seed itself is what the expectations below assume.
        for spec in SEEDS:
            row = db.session.get(Incident, world.ids[spec.key])
            assert row is not None
            assert row.start_first_day == spec.first_day, spec.key
            assert row.status.value == ("submitted" if spec.submitted else "draft"), spec.key
    return world


@pytest.fixture
def world(app: Flask, client: BrowserClient) -> World:
    seeded = seed_world(app)
    sign_in(client, seeded.advocate)
    return seeded


# --- reading the pages ---------------------------------------------------------------

INCIDENT_LINK = re.compile(r'href="/reports/(\d+)"')
COUNT_LINE = re.compile(r'<p class="muted">(\d+) reports?</p>')
PAGE_LINE = re.compile(r"Page (\d+) of (\d+)")


@dataclass
class Listing:
    ids: list[int]
    total: int
    page: str

    @property
    def page_line(self) -> tuple[int, int] | None:
        match = PAGE_LINE.search(self.page)
        return (int(match.group(1)), int(match.group(2))) if match else None


def list_page(client: BrowserClient, params: dict[str, str]) -> Listing:
    response = client.get("/workspace", query_string=params)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    count = COUNT_LINE.search(page)
    assert count, "no count line on the page"
    return Listing([int(i) for i in INCIDENT_LINK.findall(page)], int(count.group(1)), page)


def listed_keys(client: BrowserClient, world: World, raw: dict[str, str]) -> tuple[set[str], int]:
    """Every incident listed over all pages, by seed key, and the count line."""
    params = world.params(raw)
    first = list_page(client, params)
    pages = -(-first.total // PAGE_SIZE)
    seen = list(first.ids)
    assert len(first.ids) == min(first.total, PAGE_SIZE)
    for number in range(2, pages + 1):
        more = list_page(client, {**params, "page": str(number)})
        assert more.total == first.total
        assert more.page_line == (number, pages)
        seen += more.ids
    assert len(seen) == len(set(seen)), "an incident listed twice"
    return {world.key_of(i) for i in seen}, first.total


def assert_lists(client: BrowserClient, world: World, raw: dict[str, str],
                 expected: frozenset[str]) -> None:
    found, total = listed_keys(client, world, raw)
    assert found == set(expected), (
        f"missing {sorted(set(expected) - found)}, unexpected {sorted(found - set(expected))}")
    assert total == len(expected)


def mismatches(client: BrowserClient, world: World,
               cases: list[tuple[str, dict[str, str], frozenset[str]]]) -> list[str]:
    """Each case whose listing differs from what was expected, described; [] when all match."""
    problems = []
    for name, raw, expected in cases:
        found, total = listed_keys(client, world, raw)
        if found != set(expected) or total != len(expected):
            problems.append(f"{name} {raw}: missing {sorted(set(expected) - found)}, "
                            f"unexpected {sorted(found - set(expected))}, count line {total}")
    return problems


# --- filters ---------------------------------------------------------------------------

SCOPE_CASES: list[tuple[str, dict[str, str], frozenset[str]]] = [
    ("nothing", {}, SCOPE),
    ("family A", {"family": "@A"}, keys("A1", "A2", "A3", "A4", "A5")),
    ("family B", {"family": "@B"}, keys("B1", "B2", "B3", also=F)),
    ("family not assigned", {"family": "@C"}, keys()),
]
# An incident is listed when the period it covers overlaps the filter's period.
DATE_CASES: list[tuple[str, dict[str, str], frozenset[str]]] = [
    ("since Gregorian year", {"since": "2021"}, keys("A3", "B2", "A4", "A5", "B3", also=F)),
    ("since Solar Hijri year", {"since": "1401"}, keys("A4", "A5", "B3", also=F)),
    ("since Persian digits", {"since": "۱۴۰۱"}, keys("A4", "A5", "B3", also=F)),
    ("since the last day of A2's end", {"since": "2020-11-20"},
     keys("A2", "A3", "B2", "A4", "A5", "B3", also=F)),
    ("since the day after A2's end", {"since": "1399/09/01"},
     keys("A3", "B2", "A4", "A5", "B3", also=F)),
    ("until Gregorian year", {"until": "2020"}, keys("A1", "B1", "A2")),
    ("until Solar Hijri month", {"until": "1398/12"}, keys("A1", "B1")),
    ("until Persian month name", {"until": "دی ۱۳۹۸"}, keys("A1")),
    ("until day-first Gregorian", {"until": "01/02/2020"}, keys("A1", "B1")),
    ("period Gregorian", {"since": "2020-02-15", "until": "2021-03-20"}, keys("B1", "A2", "A3")),
    ("period Solar Hijri", {"since": "1398/11/26", "until": "1399/12/30"},
     keys("B1", "A2", "A3")),
    ("period mixed calendars", {"since": "2024-11-15", "until": "1403/09"},
     keys("F21", "F22", "F23")),
    ("period empty", {"since": "2025", "until": "2026"}, keys()),
    ("period reversed", {"since": "2024", "until": "2020"}, keys()),
]
VALUE_CASES: list[tuple[str, dict[str, str], frozenset[str]]] = [
    ("type summons", {"type_code": "summons"}, keys("A1", "B3")),
    ("type threat online", {"type_code": "threat_online"}, keys("A3", "B1")),
    ("type surveillance", {"type_code": "surveillance"}, keys("A4", also=F)),
    ("type travel ban", {"type_code": "travel_ban"}, keys("B2")),
    ("type never used", {"type_code": "property_damage"}, keys()),
    ("agency IRGC", {"agency": "irgc_intelligence"}, keys("A1", "A4")),
    ("agency cyber police", {"agency": "cyber_police"}, keys("A3", "B1")),
    ("agency ministry", {"agency": "ministry_of_intelligence"}, keys("A2", "A5", "B3")),
    ("agency unknown", {"agency": "unknown"}, keys("A3", also=F)),
    ("country Iran", {"country": "IR"}, keys("A1", "A2", "B2")),
    ("country Canada", {"country": "CA"}, keys("A3", "A5", "B1", "B3")),
    ("country Turkey", {"country": "TR"}, keys("A4")),
    ("country Germany", {"country": "DE"}, F),
    ("country none", {"country": "FR"}, keys()),
    ("corroborated", {"verification": "corroborated"}, keys("A1", "B2")),
    ("partly corroborated", {"verification": "partially_corroborated"}, keys("A3")),
    ("unverified", {"verification": "unverified"}, SCOPE - {"A1", "B2", "A3"}),
]
COMBINED_CASES: list[tuple[str, dict[str, str], frozenset[str]]] = [
    ("country and type", {"country": "CA", "type_code": "threat_online"}, keys("A3", "B1")),
    ("four filters", {"country": "CA", "type_code": "threat_online", "agency": "cyber_police",
                      "family": "@B"}, keys("B1")),
    ("family, country, since", {"family": "@A", "country": "CA", "since": "2021"},
     keys("A3", "A5")),
    ("type and Solar Hijri since", {"type_code": "summons", "since": "1400"}, keys("B3")),
    ("agency and period", {"agency": "unknown", "since": "2021", "until": "1403/01"},
     keys("A3", "F00", "F01", "F02", "F03", "F04", "F05", "F06")),
    ("verification, country, words", {"verification": "corroborated", "country": "IR",
                                      "q": "احضار"}, keys("A1")),
    ("family and words", {"family": "@B", "q": "the"}, keys("B1", "B3", also=F)),
    ("type and words", {"type_code": "surveillance", "q": "۱۴۰۱"}, keys("A4")),
    ("everything at once", {"family": "@A", "since": "1399", "until": "2021-12-31",
                            "type_code": "threat_online", "agency": "cyber_police",
                            "country": "CA", "verification": "partially_corroborated",
                            "q": "instagram"}, keys("A3")),
]


def test_scope_is_the_submitted_incidents_of_the_assigned_families(
        client: BrowserClient, world: World):
    assert mismatches(client, world, SCOPE_CASES) == []


def test_date_filters_in_either_calendar_list_the_overlapping_incidents(
        client: BrowserClient, world: World):
    assert mismatches(client, world, DATE_CASES) == []


def test_kind_agency_country_and_verification_filters(client: BrowserClient, world: World):
    assert mismatches(client, world, VALUE_CASES) == []


def test_combined_filters_list_only_what_matches_all_of_them(client: BrowserClient,
                                                              world: World):
    assert mismatches(client, world, COMBINED_CASES) == []


# --- search ----------------------------------------------------------------------------

def search_cases(*cases: tuple[str, str, frozenset[str]]
                 ) -> list[tuple[str, dict[str, str], frozenset[str]]]:
    return [(name, {"q": query}, expected) for name, query, expected in cases]


PERSIAN_SEARCHES = search_cases(
    ("Persian word", "احضار", keys("A1")),
    ("hamza folded", "ماموران", keys("A1")),
    ("without ZWNJ finds word with ZWNJ", "رسانهها", keys("A1")),
    ("with ZWNJ", "رسانه\u200cها", keys("A1")),
    ("verb without ZWNJ", "میکردند", keys("A4")),
    ("Persian ی finds Arabic ي", "تلفنی", keys("A2")),
    ("Persian ی and ک find Arabic ي and ك", "یک تلفنی", keys("A2")),
    ("Arabic ك finds Persian ک", "كردند", keys("A1", "B2")),
    ("Arabic ك and a word without ZWNJ", "كردند گذرنامهام", keys("B2")),
    ("Persian digits find both", "۱۴۰۱", keys("A4", "A5")),
    ("ASCII digits find both", "1401", keys("A4", "A5")),
    ("Arabic-Indic digits find both", "١٤٠١", keys("A4", "A5")),
)
ENGLISH_SEARCHES = search_cases(
    ("English, any case", "MINISTRY", keys("A5", "B1", "B3")),
    ("English lower case", "ministry", keys("A5", "B1", "B3")),
    ("two words are AND", "Ministry phoned", keys("B3")),
    ("two words are AND again", "ministry summoned", keys("A5")),
    ("two English words", "instagram TORONTO", keys("A3")),
    ("a word only in the city", "mississauga", keys("B3")),
    ("no such word", "zebra", keys()),
    ("one word missing", "ministry zebra", keys()),
    ("words of two languages", "ministry احضار", keys()),
    ("common word over two pages", "the", keys("A3", "A5", "B1", "B3", also=F)),
)
OUT_OF_SCOPE_SEARCHES = search_cases(
    ("a word only in another family", "خرمشهر", keys()),
    ("words in another family and a draft", "mississauga", keys("B3")),
    ("a draft's words", "draft", keys()),
)


def test_search_matches_persian_words_whatever_their_spelling(client: BrowserClient,
                                                               world: World):
    assert mismatches(client, world, PERSIAN_SEARCHES) == []


def test_search_matches_english_words_in_any_case_and_all_words(client: BrowserClient,
                                                                world: World):
    assert mismatches(client, world, ENGLISH_SEARCHES) == []


def test_search_never_finds_other_families_or_drafts(client: BrowserClient, world: World):
    assert mismatches(client, world, OUT_OF_SCOPE_SEARCHES) == []


def test_search_is_recorded_without_the_words_searched_for(
        app: Flask, client: BrowserClient, world: World):
    words = ("mississauga", "احضار")
    for query in words:
        assert list_page(client, {"q": query}).total == 1
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "incidents.searched").order_by(AuditEvent.seq)).all()
        assert [(e.actor_id, e.outcome, e.details) for e in events] == [
            (world.advocate.id, "success", {"results": 1})] * 2
        everything = [json.dumps([e.actor_label, e.target_type, e.target_id, e.details],
                                 ensure_ascii=False)
                      for e in db.session.scalars(select(AuditEvent))]
    for word in words:
        assert not any(word in row for row in everything), f"{word!r} in the audit log"
        assert not any(word in line for line in CAPTURED.lines), f"{word!r} in the logs"


def test_filtering_without_words_records_no_search(app: Flask, client: BrowserClient,
                                                   world: World):
    list_page(client, {"country": "IR"})
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "incidents.searched")).all() == []


# --- pages -----------------------------------------------------------------------------

def expected_order(selection: Iterable[str], world: World) -> list[str]:
    """Newest first by the day the incident began, then the newest id."""
    specs = [s for s in SEEDS if s.key in set(selection)]
    return [s.key for s in sorted(specs, key=lambda s: (s.first_day, world.ids[s.key]),
                                  reverse=True)]


def test_more_than_one_page_is_split_in_date_order_with_working_links(
        client: BrowserClient, world: World):
    order = expected_order(SCOPE, world)
    assert len(order) == 32
    first = list_page(client, {})
    assert first.total == 32
    assert [world.key_of(i) for i in first.ids] == order[:25]
    assert first.page_line == (1, 2)
    assert 'href="?&amp;page=2"' in first.page or 'href="?page=2"' in first.page
    assert "Previous" not in first.page
    second = list_page(client, {"page": "2"})
    assert [world.key_of(i) for i in second.ids] == order[25:]
    assert second.page_line == (2, 2)
    assert "Previous" in second.page
    assert "Next" not in second.page
    # Out-of-range page numbers show the nearest page.
    for page, shown in [("0", 1), ("-3", 1), ("abc", 1), ("99", 2),
                        ("99999999999999999999", 2)]:
        listing = list_page(client, {"page": page})
        assert (listing.total, listing.page_line) == (32, (shown, 2)), page
        expected = order[:25] if shown == 1 else order[25:]
        assert [world.key_of(i) for i in listing.ids] == expected, page


def test_page_links_keep_the_filters(client: BrowserClient, world: World):
    exact = list_page(client, {"q": "the", "country": "", "agency": "unknown"})
    assert exact.total == 25  # A3 and the fillers: exactly one page, no page links
    assert exact.page_line is None
    listing = list_page(client, {"q": "the"})
    assert listing.total == 28
    next_link = re.search(r'href="\?([^"]*page=2)"', listing.page)
    assert next_link, "no link to page 2"
    link = html.unescape(next_link.group(1))
    assert "q=the" in link
    follow = client.get("/workspace?" + link)
    assert follow.status_code == 200
    ids = [world.key_of(int(i)) for i in INCIDENT_LINK.findall(follow.get_data(as_text=True))]
    assert ids == expected_order(keys("A3", "A5", "B1", "B3", also=F), world)[25:]


# --- bad input -------------------------------------------------------------------------

def test_a_bad_date_is_explained_beside_its_field_and_the_rest_still_filters(
        client: BrowserClient, world: World):
    for name, value in [("since", "next tuesday"), ("since", "1398/13/01"),
                        ("until", "2021-02-30"), ("until", "1399/12/31/7"),
                        ("since", "1500"), ("since", "9" * 300),
                        ("until", "2021-01-01 <b>x</b>")]:
        listing = list_page(client, {name: value, "country": "IR"})
        assert f'id="{name}-error"' in listing.page, value
        assert "Enter a date like 1398/10/18 or 2020-01-08" in listing.page, value
        assert "<b>x</b>" not in listing.page
        assert {world.key_of(i) for i in listing.ids} == {"A1", "A2", "B2"}, value


def test_one_bad_date_does_not_drop_the_other(client: BrowserClient, world: World):
    listing = list_page(client, {"since": "1401", "until": "soon"})
    assert 'id="until-error"' in listing.page
    assert 'id="since-error"' not in listing.page
    assert listing.total == len(keys("A4", "A5", "B3", also=F))


def test_unknown_values_never_crash_or_widen_the_scope(client: BrowserClient, world: World):
    for raw in [{"type_code": "no_such_kind"}, {"agency": "secret_service"},
                {"verification": "maybe"}, {"country": "XX"}, {"family": "not-a-number"},
                {"family": "999999"}, {"family": "-1"}, {"q": "a"}, {"q": "؟؟ !!"},
                {"q": "x" * 5000}, {"q": " ".join(f"w{n}" for n in range(300))}]:
        found, _total = listed_keys(client, world, raw)
        assert found <= SCOPE, raw


# --- statistics ------------------------------------------------------------------------

AGENCY_LABELS = {
    "irgc_intelligence": "IRGC Intelligence Organization",
    "ministry_of_intelligence": "Ministry of Intelligence", "judiciary": "Judiciary",
    "police": "Police", "cyber_police": "Cyber police (FATA)",
    "consulate_or_embassy": "Consulate or embassy", "unknown": "Unknown",
}
STAT_ROW = re.compile(r'<th scope="row">(.*?)</th>\s*<td class="chart__count">(\d+)</td>', re.S)


def statistics_sections(page: str) -> dict[str, dict[str, int]]:
    sections: dict[str, dict[str, int]] = {}
    for chunk in page.split('<h2 class="heading-l">')[1:]:
        title, _, body = chunk.partition("</h2>")
        rows = [(html.unescape(label).strip(), int(n)) for label, n in STAT_ROW.findall(body)]
        assert len(rows) == len({label for label, _ in rows}), f"a row twice in {title}"
        sections[html.unescape(title)] = dict(rows)
    return sections


def test_statistics_match_the_seeded_counts(app: Flask, client: BrowserClient, world: World):
    scope = [s for s in SEEDS if s.key in SCOPE]
    with app.app_context():
        type_labels = {t.code: t.label_en for t in db.session.scalars(select(IncidentTypeTerm))}
    countries = Locale("en").territories
    response = client.get("/workspace/statistics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "32 submitted reports in your family files." in page
    sections = statistics_sections(page)
    # Years and months are those of the first day the start covers (Dey 1398 is 2019-12).
    assert sections == {
        "By kind": dict(Counter(type_labels[t] for s in scope for t in s.types)),
        "By year": dict(Counter(str(s.first_day.year) for s in scope)),
        "By agency": dict(Counter(AGENCY_LABELS[a] for s in scope for a in s.agencies)),
        "By country": dict(Counter(str(countries[s.country]) for s in scope)),
        "Timeline (by month)": dict(Counter(f"{s.first_day:%Y-%m}" for s in scope)),
    }
    # Spot checks written out by hand.
    assert sections["By kind"]["Surveillance or following"] == 25
    assert sections["By kind"]["Summons"] == 2
    assert sections["By year"] == {"2020": 3, "2021": 2, "2022": 1, "2023": 2, "2024": 24}
    assert sections["By agency"]["Unknown"] == 25
    assert sections["By country"] == {"Germany": 24, "Canada": 4, "Iran": 3,
                                      countries["TR"]: 1}
    timeline = list(sections["Timeline (by month)"])
    assert timeline == sorted(timeline)
    assert timeline[0] == "2020-01"
    assert sections["Timeline (by month)"]["2024-12"] == 2


def test_statistics_of_an_advocate_without_families_are_empty(app: Flask, client: BrowserClient):
    loner = make_account(app, Role.ADVOCATE, locale="en")
    seed_world(app)
    sign_in(client, loner)
    assert list_page(client, {}).total == 0
    page = client.text("/workspace/statistics")
    assert "0 submitted reports in your family files." in page
    assert all(rows == {} for rows in statistics_sections(page).values())


def test_another_advocate_sees_only_their_own_family(
        client: BrowserClient, another_client: BrowserClient, world: World):
    sign_in(another_client, world.other_advocate)
    assert_lists(another_client, world, {}, keys("C1", "C2"))
    assert_lists(another_client, world, {"q": "احضار"}, keys("C1"))
    assert_lists(another_client, world, {"family": "@A"}, keys())
    stats = statistics_sections(another_client.text("/workspace/statistics"))
    assert stats["By year"] == {"2020": 1, "2021": 1}


# --- who may use the workspace ---------------------------------------------------------

@pytest.mark.parametrize("role", [Role.FAMILY_MEMBER, Role.LEGAL_REVIEWER, Role.ADMIN])
def test_other_roles_get_not_found(app: Flask, another_client: BrowserClient, world: World,
                                   role: Role):
    account = world.members["A"] if role is Role.FAMILY_MEMBER else make_account(
        app, role, locale="en")
    sign_in(another_client, account)
    for path in ("/workspace", "/workspace/statistics", "/workspace?q=احضار&country=IR"):
        response = another_client.get(path)
        assert response.status_code == 404, path
        assert not INCIDENT_LINK.search(response.get_data(as_text=True)), path
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "incidents.searched")).all() == []


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, another_client: BrowserClient):
    for path in ("/workspace", "/workspace/statistics"):
        response = another_client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
