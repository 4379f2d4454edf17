"""The advocate's workspace with 100,000 incidents on PostgreSQL: how long the list,
its filters, the blind-index search and the statistics take, measured through the
real app (routing, session check, access rule, queries, templates) as the
signed-in advocate.

    python -m bench.workspace                    # the whole run (make bench)
    python -m bench.workspace --explain          # and EXPLAIN ANALYZE each slowest query
    python -m bench.workspace --index "CREATE INDEX ..."   # try an index first (repeatable)

A throw-away database is created on the server the tests use (tests/support/pgdb.py;
PORTAL_TEST_PG_SERVER), migrated, filled with COPY, measured, and dropped whatever
happens. The data are fictional and deterministic (--seed). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import bisect
import io
import itertools
import math
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jdatetime  # type: ignore[import-untyped]
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import URL

from portal import create_app
from portal.dependencies import crypto_kit
from portal.models import Incident, IncidentTypeTerm, Role, db
from portal.models.sealed import sealed_context
from portal.models.vocabulary import Agency, Verification
from portal.services.search_index import index_terms, token_for, words
from tests.conftest import app_config
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.pgdb import create_database, drop_database

PAGE_SIZE = 25
TARGET_PAGE_MS = 300.0
TARGET_SEARCH_MS = 500.0
FIRST_DAY = date(2020, 1, 8)
LAST_DAY = date(2026, 11, 20)

YEAR_WEIGHTS = {2020: 25, 2021: 20, 2022: 16, 2023: 13, 2024: 11, 2025: 9, 2026: 6}
COUNTRY_WEIGHTS = {"IR": 55, "CA": 28, "US": 4, "GB": 3, "DE": 3, "SE": 2, "TR": 2,
                   "AE": 1.5, "AU": 1, "FR": 0.5}
AGENCY_WEIGHTS = {Agency.IRGC_INTELLIGENCE: 30, Agency.MINISTRY_OF_INTELLIGENCE: 20,
                  Agency.POLICE: 10, Agency.JUDICIARY: 8, Agency.CYBER_POLICE: 8,
                  Agency.STATE_MEDIA: 5, Agency.CONSULATE_OR_EMBASSY: 4, Agency.UNKNOWN: 12,
                  Agency.OTHER: 3}
VERIFICATION_WEIGHTS = {Verification.UNVERIFIED: 70, Verification.PARTIALLY_CORROBORATED: 20,
                        Verification.CORROBORATED: 10}
PERSIAN_SYLLABLES = ["ما", "مو", "را", "نه", "سا", "پا", "دی", "کو", "تا", "شی", "گا", "زه",
                     "به", "فر", "خو", "یا", "لی", "جو", "حس", "ور", "بی", "نو", "کی", "ده"]
LATIN_SYLLABLES = ["ka", "lo", "mer", "sa", "tin", "vo", "ra", "del", "pi", "nor", "el",
                   "ban", "ti", "gro", "su", "fen", "da", "mil", "or", "qu", "hes", "ly"]


# --- the data -----------------------------------------------------------------------------

def vocabulary(rng: random.Random, size: int) -> tuple[list[str], list[str]]:
    """Fictional words, half in Persian script and half in Latin, in frequency rank order."""
    def make(syllables: list[str], count: int) -> list[str]:
        found: dict[str, None] = {}
        while len(found) < count:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            if words(word) == {word}:  # already normalised, so its token is the query's
                found[word] = None
        return list(found)
    return make(PERSIAN_SYLLABLES, size // 2), make(LATIN_SYLLABLES, size - size // 2)


def zipf_cumulative(count: int, exponent: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1 / (rank ** exponent) for rank in range(1, count + 1)))


def pick(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Period:
    first: date
    last: date
    precision: str
    text: str


def when(rng: random.Random, calendar: str) -> Period:
    """A start date: more reports soon after the crash and around each anniversary."""
    year = pick(rng, YEAR_WEIGHTS)
    if rng.random() < 0.2:  # the anniversary, 8 January
        day = date(year, 1, 1) + timedelta(days=rng.randint(0, 25))
    else:
        day = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
    day = min(max(day, FIRST_DAY), LAST_DAY)
    roll = rng.random()
    precision = "day" if roll < 0.75 else "month" if roll < 0.93 else "year"
    if calendar == "gregorian":
        if precision == "day":
            return Period(day, day, precision, day.isoformat())
        if precision == "month":
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return Period(first, following - timedelta(days=1), precision, f"{first:%Y-%m}")
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), precision, str(day.year))
    jalali = jdatetime.date.fromgregorian(date=day)
    if precision == "day":
        return Period(day, day, precision, f"{jalali.year}/{jalali.month:02d}/{jalali.day:02d}")
    if precision == "month":
        first = jdatetime.date(jalali.year, jalali.month, 1)
        following = (jdatetime.date(jalali.year, jalali.month + 1, 1) if jalali.month < 12
                     else jdatetime.date(jalali.year + 1, 1, 1))
        return Period(first.togregorian(), following.togregorian() - timedelta(days=1),
                      precision, f"{jalali.year}/{jalali.month:02d}")
    return Period(jdatetime.date(jalali.year, 1, 1).togregorian(),
                  jdatetime.date(jalali.year + 1, 1, 1).togregorian() - timedelta(days=1),
                  precision, str(jalali.year))


@dataclass
class World:
    advocate: Account
    scope_family_ids: list[int]
    scope_size: int
    type_codes: list[str]  # by frequency, most common first
    persian_words: list[str]
    latin_words: list[str]
    document_frequency: Counter[str] = field(default_factory=Counter)  # within the scope
    load_seconds: float = 0.0


def build_world(app: Flask, args: argparse.Namespace) -> World:
    rng = random.Random(args.seed)  # noqa: S311  # deterministic fictional data, not secrets
    started = time.perf_counter()
    advocate = make_account(app, Role.ADVOCATE, locale="en", username="benchadvocate")
    others = [make_account(app, Role.ADVOCATE, locale="en") for _ in range(3)]
    families: list[tuple[int, int]] = []  # (family id, reporter id)
    scope_family_ids: list[int] = []
    for n in range(args.families):
        reporter = make_account(app, Role.FAMILY_MEMBER, locale=rng.choice(["fa", "fa", "en"]))
        mine = n % max(1, args.families // args.assigned) == 0 and \
            len(scope_family_ids) < args.assigned
        family_id = make_family(app, members=[reporter],
                                advocates=[advocate if mine else others[n % 3]])
        families.append((family_id, reporter.id))
        if mine:
            scope_family_ids.append(family_id)
    print(f"  {len(families)} families, {len(scope_family_ids)} assigned to the advocate",
          flush=True)

    with app.app_context():
        kit = crypto_kit()
        types = list(db.session.execute(select(IncidentTypeTerm.id, IncidentTypeTerm.code)
                                        .order_by(IncidentTypeTerm.position)))
        persian, latin = vocabulary(rng, args.vocabulary)
        # Each word and its stems (decision 0021), as reindex_incident stores them.
        terms = {w: index_terms(w) for w in persian + latin}
        tokens = {t: token_for(kit, t) for found in terms.values() for t in found}
        persian_cum, latin_cum = zipf_cumulative(len(persian)), zipf_cumulative(len(latin))
        type_order = types[:]
        rng.shuffle(type_order)  # which kinds are common is arbitrary
        type_cum = zipf_cumulative(len(type_order), 0.9)
        family_weights = [rng.lognormvariate(0, 0.6) for _ in families]
        family_cum = list(itertools.accumulate(family_weights))
        scope = set(scope_family_ids)
        world = World(advocate, scope_family_ids, 0, [code for _, code in type_order],
                      persian, latin)
        filler = " ".join(rng.choice(persian) for _ in range(3000))

        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            incident_rows: list[tuple[Any, ...]] = []
            type_lines: list[str] = []
            agency_lines: list[str] = []
            token_lines: list[str] = []
            type_counter: Counter[str] = Counter()
            # After any incidents already there (the load run seeds the demo data first).
            first = db.session.scalar(select(func.max(Incident.id))) or 0
            for loaded, incident_id in enumerate(range(first + 1, first + args.incidents + 1),
                                                 start=1):
                family_id, reporter_id = families[bisect.bisect(family_cum,
                                                                rng.random() * family_cum[-1])]
                submitted = rng.random() >= 0.02  # a few drafts, never listed
                farsi = rng.random() < 0.65
                calendar = "solar_hijri" if rng.random() < 0.7 else "gregorian"
                start = when(rng, calendar)
                end: Period | None = None
                if rng.random() < 0.25:
                    last = min(start.last + timedelta(days=rng.randint(1, 90)), LAST_DAY)
                    end = Period(last, last, "day", last.isoformat())
                vocab, cum = (persian, persian_cum) if farsi else (latin, latin_cum)
                chosen = list(dict.fromkeys(
                    rng.choices(vocab, cum_weights=cum, k=args.words * 3 // 2)))[:args.words]
                length = rng.randint(200, 1800)
                offset = rng.randint(0, len(filler) - length)
                narrative = " ".join(chosen) + " " + filler[offset:offset + length]
                created = datetime.combine(start.last, datetime.min.time(), UTC) \
                    + timedelta(days=rng.randint(0, 30), seconds=rng.randint(0, 86399))
                verification = pick(rng, VERIFICATION_WEIGHTS) if submitted else \
                    Verification.UNVERIFIED
                incident_rows.append((
                    incident_id, family_id, reporter_id, "submitted" if submitted else "draft",
                    created, created, created if submitted else None,
                    start.first, start.last, start.precision, start.text, calendar,
                    end.first if end else None, end.last if end else None,
                    end.precision if end else None, end.text if end else "",
                    calendar if end else "", start.precision != "day", "Asia/Tehran",
                    pick(rng, COUNTRY_WEIGHTS), "", "", "",
                    kit.cipher.seal(narrative.encode(), sealed_context(
                        "incidents", incident_id, "narrative_sealed")),
                    "fa" if farsi else "en", True, verification.value,
                    advocate.id if verification is not Verification.UNVERIFIED else None,
                ))
                kinds = {type_order[bisect.bisect(type_cum, rng.random() * type_cum[-1])]
                         for _ in range(rng.choices([1, 2, 3], weights=[60, 30, 10])[0])}
                type_lines += [f"{incident_id}\t{type_id}\n" for type_id, _ in kinds]
                agencies = {pick(rng, AGENCY_WEIGHTS)
                            for _ in range(rng.choices([1, 2], weights=[75, 25])[0])}
                agency_lines += [f"{incident_id}\t{a.value}\n" for a in agencies]
                if submitted:  # drafts are not indexed until submitted, as in the app
                    indexed = set().union(*(terms[w] for w in chosen))
                    token_lines += [f"{tokens[t]}\t{incident_id}\n" for t in sorted(indexed)]
                    if family_id in scope:
                        world.scope_size += 1
                        world.document_frequency.update(indexed)  # what a search finds
                        type_counter.update(code for _, code in kinds)
                if loaded % 20_000 == 0 or loaded == args.incidents:
                    copy_rows(cursor, incident_rows, type_lines, agency_lines, token_lines)
                    raw.commit()
                    incident_rows, type_lines, agency_lines, token_lines = [], [], [], []
                    print(f"  {loaded} incidents loaded "
                          f"({time.perf_counter() - started:.0f} s)", flush=True)
            cursor.execute("SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                           "(SELECT max(id) FROM incidents))")
            raw.commit()
        finally:
            raw.close()
        world.type_codes = [code for code, _ in type_counter.most_common()]
    print("  VACUUM ANALYZE", flush=True)
    vacuum_analyze(app)
    world.load_seconds = time.perf_counter() - started
    return world


INCIDENT_COLUMNS = (
    "id, family_id, reporter_id, status, created_at, updated_at, submitted_at, "
    "start_first_day, start_last_day, start_precision, start_text, start_calendar, "
    "end_first_day, end_last_day, end_precision, end_text, end_calendar, approximate, "
    "timezone, country, country_sent, country_received, "
    "country_carried_out, narrative_sealed, narrative_language, reporter_is_target, "
    "verification, verified_by_id")


def copy_rows(cursor: Any, incidents: list[tuple[Any, ...]], types: list[str],
              agencies: list[str], tokens: list[str]) -> None:
    with cursor.copy(f"COPY incidents ({INCIDENT_COLUMNS}) FROM STDIN") as copy:
        for row in incidents:
            copy.write_row(row)
    for table, columns, lines in (("incident_types", "incident_id, type_id", types),
                                  ("incident_agencies", "incident_id, agency", agencies),
                                  ("search_tokens", "token, incident_id", tokens)):
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            buffer = io.StringIO()
            buffer.writelines(lines)
            copy.write(buffer.getvalue())


def vacuum_analyze(app: Flask) -> None:
    with app.app_context():
        engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))


# --- measuring ----------------------------------------------------------------------------

@dataclass
class QueryLog:
    """SQL run during one request: total time, and each statement with its parameters."""

    active: bool = False
    seconds: float = 0.0
    statements: list[tuple[float, str, Any]] = field(default_factory=list)


QUERIES = QueryLog()


def watch_queries(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        if QUERIES.active:
            QUERIES.seconds += elapsed
            QUERIES.statements.append((elapsed, statement, parameters))


@dataclass
class Scenario:
    name: str
    params: dict[str, str]
    target_ms: float
    results: int = 0
    timings: list[float] = field(default_factory=list)
    db_timings: list[float] = field(default_factory=list)
    statements: int = 0

    def percentile(self, values: list[float], fraction: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def scenarios(world: World) -> list[Scenario]:
    pages = max(1, -(-world.scope_size // PAGE_SIZE))
    by_df = [w for w, _ in world.document_frequency.most_common()]
    persian_df = [w for w in by_df if w in set(world.persian_words)]
    latin_df = [w for w in by_df if w in set(world.latin_words)]
    common, common2, common3 = persian_df[0], persian_df[1], persian_df[2]
    middle = persian_df[len(persian_df) // 20]
    # Rare: in about 10 reports of the scope (a name, a place).
    rare = min(persian_df, key=lambda w: abs(world.document_frequency[w] - 10))
    rare2 = min(latin_df, key=lambda w: abs(world.document_frequency[w] - 10))
    latin_common = latin_df[0]
    family = str(world.scope_family_ids[0])
    page = TARGET_PAGE_MS
    search = TARGET_SEARCH_MS
    return [
        Scenario("list, page 1", {}, page),
        Scenario("list, page 10", {"page": "10"}, page),
        Scenario(f"list, page {pages // 2} (middle)", {"page": str(pages // 2)}, page),
        Scenario(f"list, page {pages} (last)", {"page": str(pages)}, page),
        Scenario("filter: one family", {"family": family}, page),
        Scenario("filter: since 2025-01 (Gregorian)", {"since": "2025-01"}, page),
        Scenario("filter: until 1399/06 (Solar Hijri)", {"until": "1399/06"}, page),
        Scenario("filter: period 1400/01 to 1400/12", {"since": "1400/01", "until": "1400/12"},
                 page),
        Scenario("filter: kind (most common)", {"type_code": world.type_codes[0]}, page),
        Scenario("filter: kind (rarest)", {"type_code": world.type_codes[-1]}, page),
        Scenario("filter: agency (IRGC)", {"agency": "irgc_intelligence"}, page),
        Scenario("filter: country IR", {"country": "IR"}, page),
        Scenario("filter: country FR (rare)", {"country": "FR"}, page),
        Scenario("filter: corroborated", {"verification": "corroborated"}, page),
        Scenario("filters: country + kind + since", {"country": "CA",
                 "type_code": world.type_codes[1], "since": "2022"}, page),
        Scenario("filters: all six", {"family": family, "since": "2021", "until": "2024-06",
                 "type_code": world.type_codes[0], "agency": "irgc_intelligence",
                 "country": "IR", "verification": "unverified"}, page),
        Scenario("search: 1 common word", {"q": common}, search),
        Scenario("search: 1 common word, page 20", {"q": common, "page": "20"}, search),
        Scenario("search: 1 mid-frequency word", {"q": middle}, search),
        Scenario("search: 1 rare word", {"q": rare}, search),
        Scenario("search: 1 common Latin word (upper case)", {"q": latin_common.upper()},
                 search),
        Scenario("search: 2 common words", {"q": f"{common} {common2}"}, search),
        Scenario("search: 3 common words", {"q": f"{common} {common2} {common3}"}, search),
        Scenario("search: common + rare", {"q": f"{common} {rare}"}, search),
        Scenario("search: 2 rare words", {"q": f"{rare} {rare2}"}, search),
        Scenario("search: word not indexed", {"q": "zzqxv"}, search),
        Scenario("search + filters", {"q": common, "country": "IR", "since": "1401"}, search),
        Scenario("statistics", {"path": "/workspace/statistics"}, page),
    ]


def request_once(client: BrowserClient, scenario: Scenario) -> tuple[float, float, int, str]:
    params = dict(scenario.params)
    path = params.pop("path", "/workspace")
    QUERIES.active, QUERIES.seconds, QUERIES.statements = True, 0.0, []
    started = time.perf_counter()
    response = client.get(path, query_string=params)
    elapsed = time.perf_counter() - started
    QUERIES.active = False
    assert response.status_code == 200, (scenario.name, response.status_code)
    return elapsed * 1000, QUERIES.seconds * 1000, len(QUERIES.statements), \
        response.get_data(as_text=True)


def measure(client: BrowserClient, items: list[Scenario], runs: int, warmup: int) -> None:
    for scenario in items:
        for _ in range(warmup):
            *_, page = request_once(client, scenario)
        scenario.results = results_of(page)
        for _ in range(runs):
            total, in_db, statements, _page = request_once(client, scenario)
            scenario.timings.append(total)
            scenario.db_timings.append(in_db)
            scenario.statements = statements
        print(f"  {scenario.name}: p50 {scenario.percentile(scenario.timings, .5):.0f} ms, "
              f"p95 {scenario.percentile(scenario.timings, .95):.0f} ms", flush=True)


def results_of(page: str) -> int:
    match = re.search(r'<p class="muted">(\d+) reports?</p>', page) or re.search(
        r"(\d+) submitted reports? in your family files", page)
    return int(match.group(1)) if match else -1


def explain(app: Flask, client: BrowserClient, items: list[Scenario]) -> None:
    """EXPLAIN ANALYZE the slowest statement of one request of each scenario."""
    for scenario in items:
        request_once(client, scenario)
        statements = sorted(QUERIES.statements, key=lambda s: s[0], reverse=True)[:2]
        for elapsed, statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            with app.app_context():
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    raw.rollback()
                finally:
                    raw.close()
            print(f"\n### {scenario.name} ({elapsed * 1000:.1f} ms in the request)\n")
            print(statement if len(statement) < 3000 else statement[:3000] + " …")
            print(plan)


# --- reporting ----------------------------------------------------------------------------

def machine(app: Flask) -> list[str]:
    memory = "?"
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
            memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    with app.app_context():
        settings = {name: db.session.scalar(text(f"SHOW {name}")) for name in
                    ("server_version", "shared_buffers", "work_mem", "effective_cache_size",
                     "random_page_cost")}
        sizes = db.session.execute(text(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)), reltuples::bigint "
            "FROM pg_class WHERE relname IN ('incidents', 'search_tokens', 'incident_types', "
            "'incident_agencies') ORDER BY relname")).all()
    lines = [f"- CPU: {os.cpu_count()} logical CPUs ({platform.machine()}), memory {memory}, "
             f"Python {platform.python_version()}",
             "- PostgreSQL " + ", ".join(f"{k} {v}" for k, v in settings.items())]
    lines += [f"- table {name}: {size}, ~{rows:,} rows" for name, size, rows in sizes]
    return lines


def report(items: list[Scenario]) -> str:
    out = ["| scenario | results | p50 ms | p95 ms | max ms | SQL p50 ms | queries | target | |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in items:
        p95 = s.percentile(s.timings, .95)
        out.append(f"| {s.name} | {s.results:,} | {s.percentile(s.timings, .5):.0f} | "
                   f"{p95:.0f} | {max(s.timings):.0f} | {s.percentile(s.db_timings, .5):.0f} | "
                   f"{s.statements} | {s.target_ms:.0f} | "
                   f"{'ok' if p95 <= s.target_ms else '**missed**'} |")
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--assigned", type=int, default=50,
                        help="family files assigned to the measured advocate")
    parser.add_argument("--vocabulary", type=int, default=4000)
    parser.add_argument("--words", type=int, default=30, help="distinct words per incident")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=752)
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the slowest statements of each scenario")
    parser.add_argument("--index", action="append", default=[], metavar="SQL",
                        help="a CREATE INDEX statement to run on the bench database first")
    parser.add_argument("--only", default="",
                        help="run only the scenarios whose names contain one of these "
                        "comma-separated parts")
    return parser.parse_args(argv)


def bench_app(url: URL, instance: Path) -> Flask:
    config = app_config(instance, url.render_as_string(hide_password=False))
    config["LOG_LEVEL"] = "WARNING"  # one log line per request is not what we measure
    app = create_app(config)
    app.test_client_class = BrowserClient
    return app


@dataclass
class Timer:
    started: float = field(default_factory=time.perf_counter)

    def __call__(self) -> str:
        return f"{time.perf_counter() - self.started:.0f} s"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    timer = Timer()
    url = create_database(prefix="portal_bench")
    print(f"bench database {url.database}", flush=True)
    try:
        with tempfile.TemporaryDirectory() as instance:
            app = bench_app(url, Path(instance))
            with app.app_context():
                upgrade(directory=app.config["MIGRATIONS_DIR"])
            print(f"loading {args.incidents:,} incidents ({timer()})", flush=True)
            world = build_world(app, args)
            for statement in args.index:
                print(f"  {statement}", flush=True)
                with app.app_context():
                    db.session.execute(text(statement))
                    db.session.commit()
            if args.index:
                vacuum_analyze(app)
            print(f"loaded in {world.load_seconds:.0f} s; the advocate's scope: "
                  f"{world.scope_size:,} submitted incidents", flush=True)
            watch_queries(app)
            client: BrowserClient = app.test_client()  # type: ignore[assignment]
            sign_in(client, world.advocate)
            wanted = [part.strip() for part in args.only.split(",")]
            items = [s for s in scenarios(world) if any(part in s.name for part in wanted)]
            measure(client, items, args.runs, args.warmup)
            print("\n## Machine\n")
            print("\n".join(machine(app)))
            print("\n## Query words (document frequency in the advocate's scope)\n")
            for s in items:
                if "q" in s.params:
                    counts = ", ".join(f"{w}={world.document_frequency[w.lower()]:,}"
                                       for w in s.params["q"].split())
                    print(f"- {s.name}: {counts}")
            print(f"\n## Results ({args.runs} runs after {args.warmup} warm-up, "
                  f"{args.incidents:,} incidents, scope {world.scope_size:,})\n")
            print(report(items))
            if args.explain:
                print("\n## Plans\n")
                explain(app, client, items)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        drop_database(url)
        print(f"\ndropped {url.database} ({timer()} in all)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
