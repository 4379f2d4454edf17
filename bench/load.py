"""The portal under load: 50 people at once on gunicorn, PostgreSQL and an RQ worker.

    python -m bench.load                          # 100,000 incidents, 50 users, 3 minutes
    python -m bench.load --incidents 2000 --users 10 --duration 30   # a quick look

What it does, and undoes whatever happens (Ctrl-C too):

1. a throw-away PostgreSQL database (tests/support/pgdb.py) and instance folder; the
   migrations; the demo data (its approved dossier PS752-0002 is the one exported); the
   100,000 fictional incidents of the workspace benchmark (bench/workspace.py); one
   account per simulated person, with production Argon2 settings: advocates assigned to
   the same 50 family files, family members with a submitted report each, and the demo
   legal reviewer with a TOTP secret;
2. the production stack on loopback: `gunicorn wsgi:app` (sync workers, 2 × CPUs + 1),
   Redis for the login throttle and the job queue, one `flask jobs worker` (RQ);
3. Locust, headless, with the users of bench/load_users.py: advocates, family members
   who upload small files, and one legal reviewer who exports the dossier while everyone
   else works. It stops by itself after --duration seconds;
4. the figures: p50, p95, p99 and max per request and per group, errors, throughput,
   CPU and memory of the server, the worker and Locust; then `flask audit verify` and
   `flask evidence verify` on what the run left behind.

It exits 1 when a request failed, when the pages' p95 is over --target-ms, or when a
verification fails. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import URL

from bench.machine import describe_machine
from bench.upload import free_port, stop_server
from bench.workspace import PAGE_SIZE, build_world, scenarios, vacuum_analyze
from portal import create_app
from portal.cli.demo import DEMO_USERS
from portal.models import Assignment, Dossier, Role, db
from portal.services.accounts import find_user
from portal.setup_instance import ensure_instance_config
from tests.support.client import BrowserClient
from tests.support.factories import enrol_second_factor, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.pgdb import create_database, drop_database
from tests.support.reports import send_report, start_report

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("PORTAL_LOAD_REDIS_URL", "redis://127.0.0.1:6379/0")
GROUPS = ("page", "upload", "login", "export", "download")


# --- the world ------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50, help="simulated people at once")
    parser.add_argument("--family-share", type=float, default=0.3,
                        help="the share of family members among them (one is the reviewer)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="people signing in per s")
    parser.add_argument("--think", action="append", help="pause between a person's steps, "
                        "min:max seconds; again for more rounds on the same data: the first "
                        "round is judged against --target-ms, the others measure capacity "
                        "(default: 5:15, then 2:6)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn worker processes")
    parser.add_argument("--target-ms", type=float, default=300.0, help="p95 target of pages")
    parser.add_argument("--summary", type=Path, help="also write the figures here as JSON")
    parser.add_argument("--seed", type=int, default=752)
    args = parser.parse_args(argv)
    args.think = args.think or ["5:15", "2:6"]
    # What build_world needs besides the incidents (the workspace benchmark's defaults).
    args.families, args.assigned, args.vocabulary, args.words = 200, 50, 4000, 30
    return args


def headcount(args: argparse.Namespace) -> dict[str, int]:
    family = max(1, round((args.users - 1) * args.family_share))
    return {"reviewers": 1, "family": family, "advocates": max(1, args.users - 1 - family)}


def sample_files(folder: Path) -> list[dict[str, str]]:
    """Small evidence files of the kinds families send: a photo, a screenshot, a letter."""
    photo, screenshot, letter = io.BytesIO(), io.BytesIO(), io.BytesIO()
    Image.effect_noise((640, 480), 60).convert("RGB").save(photo, "JPEG", quality=85)
    Image.effect_noise((390, 844), 30).convert("RGB").save(screenshot, "PNG")
    # A scanned letter: one page holding a greyscale image, as a scanner app writes it.
    Image.effect_noise((620, 877), 20).save(letter, "PDF", resolution=75)
    files = [("photo.jpg", "image/jpeg", "photo", photo.getvalue()),
             ("screenshot.png", "image/png", "screenshot", screenshot.getvalue()),
             ("letter.pdf", "application/pdf", "document", letter.getvalue())]
    out = []
    for name, media_type, kind, content in files:
        (folder / name).write_bytes(content)
        out.append({"path": str(folder / name), "name": name, "type": media_type, "kind": kind,
                    "bytes": str(len(content))})
    return out


def seed(app: Flask, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Everything the simulated people need; returns what bench/load_users.py reads."""
    counts = headcount(args)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
    runner = app.test_cli_runner()
    for command in (["demo", "seed"], ["signing", "init"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output)
    print(f"loading {args.incidents:,} incidents", flush=True)
    world = build_world(app, args)
    advocates = [world.advocate] + [make_account(app, Role.ADVOCATE, locale="en")
                                    for _ in range(counts["advocates"] - 1)]
    with app.app_context():
        for advocate in advocates[1:]:
            db.session.add_all(Assignment(family_id=family_id, advocate_id=advocate.id,
                                          assigned_by_id=advocate.id)
                               for family_id in world.scope_family_ids)
        db.session.commit()
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    family = []
    for n in range(counts["family"]):
        member = make_account(app, Role.FAMILY_MEMBER, locale=("fa", "en", "fr")[n % 3])
        make_family(app, members=[member])
        sign_in(client, member)
        incident_id = start_report(client)
        response = send_report(client, incident_id, "submit", start_text="1399/10/18")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        sign_out(client)
        family.append({"username": member.username, "passphrase": member.passphrase,
                       "incident_id": incident_id})
    with app.app_context():
        reviewer = find_user("reviewer")
        assert reviewer is not None
        reviewer_secret = enrol_second_factor(reviewer)
        db.session.commit()
        # The demo's PS752-0002, approved by the demo reviewer.
        dossier_id = db.session.scalar(select(Dossier.id).where(
            Dossier.reviewer_id == reviewer.id, Dossier.approved_at.is_not(None)))
    vacuum_analyze(app)
    passphrase = next(p for name, _, _, p, _ in DEMO_USERS if name == "reviewer")
    filters = [{"name": s.name.split(": ", 1)[1], "params": s.params}
               for s in scenarios(world) if s.name.startswith("filter")]
    common = [w for w, _ in world.document_frequency.most_common(200)]
    return {
        "counts": counts,
        "advocates": [{"username": a.username, "passphrase": a.passphrase,
                       "totp_secret": a.totp_secret} for a in advocates],
        "family": family,
        "reviewers": [{"username": "reviewer", "passphrase": passphrase,
                       "totp_secret": reviewer_secret, "dossier_id": dossier_id}],
        "filters": filters,
        "words": common,
        "last_page": max(1, math.ceil(world.scope_size / PAGE_SIZE)),
        "files": sample_files(folder),
        "scope_size": world.scope_size,
    }


# --- the servers ----------------------------------------------------------------------------

@dataclass
class Stack:
    gunicorn: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]


def start_stack(env: dict[str, str], port: int, workers: int, logs: Path) -> Stack:
    with open(logs / "gunicorn.log", "wb") as out:
        # No access log: it would hold client addresses (docs/operations.md).
        gunicorn = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--timeout", "120", "--graceful-timeout", "10", "wsgi:app"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    with open(logs / "worker.log", "wb") as out:
        worker = subprocess.Popen([str(BIN / "flask"), "jobs", "worker"],  # noqa: S603
                                  env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    stack = Stack(gunicorn, worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None or worker.poll() is not None:
            stop_stack(stack)
            raise RuntimeError("the stack exited:\n" + tail(logs))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                        timeout=2) as answer:
                if answer.status == 200:
                    return stack
        except OSError:
            time.sleep(0.2)
    stop_stack(stack)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s:\n" + tail(logs))


def stop_stack(stack: Stack) -> None:
    for process in (stack.gunicorn, stack.worker):
        stop_server(process)


def tail(logs: Path) -> str:
    return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                     for path in sorted(logs.glob("*.log")))


def reaped_cpu_seconds() -> float:
    """User and system CPU of every child process (and its descendants) reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Sampler(threading.Thread):
    """Every second: the memory of each process tree, the CPU of this database's PostgreSQL
    backends (not our children, so not in reaped_cpu_seconds), and how many of those
    backends are running a statement or waiting for a lock (pg_stat_activity)."""

    def __init__(self, trees: dict[str, int], database: str, url: URL) -> None:
        super().__init__(daemon=True)
        import psutil  # type: ignore[import-untyped]  # with Locust (requirements-load.txt)

        self.psutil = psutil
        self.trees, self.database, self.url = trees, database, url
        self.peak_rss_mib: dict[str, float] = defaultdict(float)
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid: (first seen, last)
        self.active: list[int] = []
        self.waiting: list[int] = []
        self.halt = threading.Event()

    def tree(self, pid: int) -> list[Any]:
        try:
            root = self.psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except self.psutil.Error:
            return []

    def sample(self, first: bool) -> None:
        for party, pid in self.trees.items():
            rss = 0.0
            for process in self.tree(pid):
                try:
                    rss += process.memory_info().rss / 2**20
                except self.psutil.Error:
                    continue
            self.peak_rss_mib[party] = max(self.peak_rss_mib[party], rss)
        marker = f" {self.database} "
        for process in self.psutil.process_iter(["cmdline"]):
            if marker not in " ".join(process.info["cmdline"] or []) + " ":
                continue
            try:
                times = process.cpu_times()
            except self.psutil.Error:
                continue
            used = times.user + times.system
            begun = self.backend_cpu.get(process.pid, (used if first else 0.0, 0.0))[0]
            self.backend_cpu[process.pid] = (begun, used)

    def watch_locks(self, cursor: Any) -> None:
        cursor.execute("SELECT count(*) FILTER (WHERE state = 'active'), "
                       "count(*) FILTER (WHERE wait_event_type = 'Lock') "
                       "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                       (self.database,))
        active, waiting = cursor.fetchone()
        self.active.append(active)
        self.waiting.append(waiting)

    def run(self) -> None:
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as connection:
            cursor = connection.cursor()
            self.sample(first=True)
            while not self.halt.wait(1.0):
                self.sample(first=False)
                self.watch_locks(cursor)

    def stop(self) -> None:
        self.halt.set()
        self.join()

    @property
    def postgres_cpu_seconds(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())


def run_locust(args: argparse.Namespace, think: str, env: dict[str, str], port: int,
               accounts: Path, samples: Path, logs: Path) -> int:
    low, high = think.split(":")
    locust_env = {**env, "LOAD_ACCOUNTS": str(accounts), "LOAD_SAMPLES": str(samples),
                  "LOAD_THINK_MIN": low, "LOAD_THINK_MAX": high}
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
               "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
               "--run-time", f"{args.duration}s", "--stop-timeout", "30",
               "--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING"]
    with open(logs / "locust.log", "wb") as out:  # its own summary rounds; ours does not
        locust = subprocess.Popen(command, env=locust_env, cwd=ROOT,  # noqa: S603
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        return locust.wait(timeout=args.duration + 300)
    except subprocess.TimeoutExpired:
        locust.kill()
        locust.wait()
        return -9


# --- the figures ----------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else 0.0


@dataclass
class Line:
    name: str
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"name": self.name, "requests": len(self.timings), "errors": len(self.errors),
                "p50": percentile(self.timings, .5), "p95": percentile(self.timings, .95),
                "p99": percentile(self.timings, .99),
                "max": max(self.timings) if self.timings else 0.0}


def summarise(samples: list[list[Any]]) -> dict[str, Any]:
    """Percentiles per request name and per group (the part of the name before the colon)."""
    by_name: dict[str, Line] = {}
    by_group: dict[str, Line] = {group: Line(group) for group in GROUPS}
    for name, milliseconds, error, _ended in samples:
        group = name.split(":")[0]
        for line in (by_name.setdefault(name, Line(name)),
                     by_group.setdefault(group, Line(group))):
            line.timings.append(float(milliseconds))
            if error:
                line.errors.append(error)
    ended = [sample[3] for sample in samples]
    seconds = max(ended) - min(ended) if len(ended) > 1 else 0.0
    return {"requests": len(samples), "seconds": seconds,
            "throughput_rps": len(samples) / seconds if seconds else 0.0,
            "groups": [line.row() for line in by_group.values() if line.timings],
            "names": [line.row() for line in sorted(by_name.values(), key=lambda x: x.name)]}


def phases(recorded: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The sign-in rush (until the last person is signed in: 50 Argon2 hashes at 64 MiB
    on 2 CPUs) and the steady state after it, apart; and every error of both."""
    samples = recorded["samples"]
    steady_from = max(recorded["signed_in"], default=0.0)
    errors = [f"{name}: {error}" for name, _ms, error, _ended in samples if error]
    return (summarise([x for x in samples if x[3] <= steady_from]),
            summarise([x for x in samples if x[3] > steady_from]), errors)


def table(rows: list[dict[str, Any]], first: str) -> str:
    out = [f"| {first} | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {r['name']} | {r['requests']:,} | {r['errors']} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} |" for r in rows]
    return "\n".join(out)


def verify(env: dict[str, str]) -> dict[str, str]:
    """The integrity checks an operator runs, on what the load run left behind."""
    found = {}
    for command in (["audit", "verify"], ["evidence", "verify"]):
        result = subprocess.run([str(BIN / "flask"), *command], env=env, cwd=ROOT,  # noqa: S603
                                capture_output=True, text=True, timeout=900, check=False)
        last = (result.stdout.strip().splitlines() or [""])[-1]
        found[" ".join(command)] = ("ok: " if result.returncode == 0 else "FAILED: ") + last
    return found


def forget_queue(queue: str) -> None:
    """Remove the run's RQ keys from the shared Redis."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    for key in connection.scan_iter(match=f"rq:*{queue}*"):
        connection.delete(key)


# --- the run --------------------------------------------------------------------------------

def run_round(args: argparse.Namespace, think: str, env: dict[str, str], url: URL,
              folder: Path) -> dict[str, Any]:
    """One round: the stack started afresh, Locust for --duration, the stack stopped."""
    logs = folder / f"logs-{think.replace(':', '-')}"
    logs.mkdir()
    port = free_port()
    cpu_before = reaped_cpu_seconds()
    stack = start_stack(env, port, args.workers, logs)
    print(f"gunicorn on 127.0.0.1:{port} ({args.workers} workers); {args.users} people, "
          f"{think} s between steps, for {args.duration} s", flush=True)
    try:
        sampler = Sampler({"gunicorn": stack.gunicorn.pid, "jobs worker": stack.worker.pid},
                          str(url.database), url)
        sampler.start()
        wall = time.monotonic()
        samples_path = logs / "samples.json"
        code = run_locust(args, think, env, port, folder / "accounts.json", samples_path, logs)
        sampler.stop()
    finally:
        cpu_locust = reaped_cpu_seconds()
        stop_server(stack.gunicorn)
        cpu_gunicorn = reaped_cpu_seconds()
        stop_server(stack.worker)
        cpu_worker = reaped_cpu_seconds()
    wall = time.monotonic() - wall
    if not samples_path.exists():
        raise RuntimeError(f"Locust wrote no samples (exit {code}):\n{tail(logs)}")
    ramp_up, steady, errors = phases(json.loads(samples_path.read_text()))
    if errors:
        print(tail(logs))
    return {
        "think_s": think, "ramp_up": ramp_up, "steady": steady,
        "requests": ramp_up["requests"] + steady["requests"], "errors": len(errors),
        "error_lines": errors[:20],
        "cpu": {"gunicorn (all workers)": (cpu_gunicorn - cpu_locust) / wall,
                "PostgreSQL (this database's connections)": sampler.postgres_cpu_seconds / wall,
                "jobs worker (previews, the PDF)": (cpu_worker - cpu_gunicorn) / wall,
                "Locust (the client)": (cpu_locust - cpu_before) / wall},
        "peak_rss_mib": dict(sampler.peak_rss_mib),
        "postgres": {"active_mean": statistics.fmean(sampler.active or [0]),
                     "lock_waiting_mean": statistics.fmean(sampler.waiting or [0]),
                     "lock_waiting_max": max(sampler.waiting or [0])},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("gunicorn", "locust"):
        if not (BIN / tool).exists():
            print(f"{tool} is missing: `make load` installs requirements-load.txt",
                  file=sys.stderr)
            return 2
    started = time.monotonic()
    url: URL = create_database(prefix="portal_load")
    folder = Path(tempfile.mkdtemp(prefix="portal-load-"))
    queue = f"load-{secrets.token_hex(4)}"
    print(f"load database {url.database}, instance {folder}", flush=True)
    try:
        instance = folder / "instance"
        ensure_instance_config(instance, development=True)  # it seeds the demo data
        env = {**os.environ, "PORTAL_INSTANCE_PATH": str(instance),
               "PORTAL_DATABASE_URL": url.render_as_string(hide_password=False),
               "PORTAL_REDIS_URL": REDIS_URL, "PORTAL_JOBS_BACKEND": "rq",
               "PORTAL_JOBS_QUEUE": queue, "FLASK_APP": "portal", "PYTHONPATH": str(ROOT)}
        os.environ.update({k: v for k, v in env.items() if k.startswith("PORTAL_")})
        app = create_app({"JOBS_BACKEND": "eager", "LOG_LEVEL": "WARNING"})
        app.test_client_class = BrowserClient
        accounts = seed(app, args, folder)
        with app.app_context():
            db.engine.dispose()
        (folder / "accounts.json").write_text(json.dumps(accounts))
        print(f"seeded in {time.monotonic() - started:.0f} s: {accounts['counts']}", flush=True)
        rounds = [run_round(args, think, env, url, folder) for think in args.think]
        checks = verify(env)
        pages = next((row for row in rounds[0]["steady"]["groups"] if row["name"] == "page"),
                     None)
        passed = (not any(r["errors"] for r in rounds) and pages is not None
                  and pages["p95"] <= args.target_ms
                  and all(v.startswith("ok") for v in checks.values()))
        summary = {
            "date": time.strftime("%Y-%m-%d"), "machine": describe_machine(),
            "incidents": args.incidents, "scope": accounts["scope_size"],
            "users": accounts["counts"], "duration_s": args.duration, "workers": args.workers,
            "target_ms": args.target_ms,
            "files": {f["name"]: int(f["bytes"]) for f in accounts["files"]},
            "rounds": rounds, "requests": sum(r["requests"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds), "checks": checks, "passed": passed,
        }
        print(report(summary))
        if args.summary:
            args.summary.write_text(json.dumps(summary, indent=1))
        return 0 if passed else 1
    finally:
        drop_database(url)
        forget_queue(queue)
        shutil.rmtree(folder, ignore_errors=True)
        print(f"dropped {url.database}; {time.monotonic() - started:.0f} s in all", flush=True)


def report(s: dict[str, Any]) -> str:
    users = s["users"]
    files = ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in s["files"].items())
    out = [
        f"\n## Load run, {s['date']}\n",
        f"- Machine: {s['machine']}; the server, the worker, the database and Locust share "
        "these CPUs.",
        f"- Data: {s['incidents']:,} incidents (each advocate's scope: {s['scope']:,}) and the "
        f"demo data; evidence files {files}.",
        f"- People: {users['advocates']} advocates, {users['family']} family members, "
        f"{users['reviewers']} legal reviewer; gunicorn with {s['workers']} sync workers, "
        f"one RQ worker; {len(s['rounds'])} rounds of {s['duration_s']} s on the same data.",
        f"- {s['requests']:,} requests, {s['errors']} errors. After the runs: "
        + "; ".join(f"`flask {k}` {v}" for k, v in s["checks"].items()) + "."]
    for number, r in enumerate(s["rounds"]):
        steady, ramp_up, waits = r["steady"], r["ramp_up"], r["postgres"]
        pages = next(row for row in steady["groups"] if row["name"] == "page")
        verdict = ("**met**" if pages["p95"] <= s["target_ms"] else "**missed**") \
            if number == 0 else "(capacity round, not judged)"
        out += [
            f"\n### {r['think_s']} s between a person's steps\n",
            f"- {r['requests']:,} requests, {r['errors']} errors. Steady state (after the last "
            f"sign-in, {steady['seconds']:.0f} s): {steady['requests']:,} requests, "
            f"{steady['throughput_rps']:.1f} per second; pages p95 {pages['p95']:.0f} ms "
            f"against a target of {s['target_ms']:.0f} ms: {verdict}.",
            "- CPUs used on average (of " + str(os.cpu_count()) + "): "
            + "; ".join(f"{party} {share:.2f}" for party, share in r["cpu"].items())
            + ". Peak memory: " + "; ".join(f"{party} {mib:.0f} MiB"
                                            for party, mib in r["peak_rss_mib"].items()) + ".",
            f"- PostgreSQL: {waits['active_mean']:.1f} statements running on average, "
            f"{waits['lock_waiting_mean']:.2f} waiting for a lock (at most "
            f"{waits['lock_waiting_max']}).",
            *[f"- error: {line}" for line in r["error_lines"]],
            "", f"Steady state ({steady['seconds']:.0f} s):", "",
            table(steady["groups"], "group"), "", table(steady["names"], "request"), "",
            f"The sign-in rush ({ramp_up['seconds']:.0f} s, until the last person was in):", "",
            table(ramp_up["groups"], "group")]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
