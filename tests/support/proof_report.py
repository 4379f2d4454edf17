"""Write the figures of the last `make proof` into docs/security.md.

    python -m tests.support.proof_report PROOF_DIR docs/security.md

PROOF_DIR holds what `make proof` wrote: `sqlite.xml` and `postgresql.xml` (pytest's
JUnit XML, with the `figures` property the proof tests record through
tests/support/figures.py) and `load.json` (bench/load.py --summary). The section between
the two PROOF markers of the document is replaced: each invariant of DESIGN.md §2, the
tests that prove it, how many passed on each database and in how long, and their figures.
A missing file is reported as "not run", never as a pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree  # our own pytest output
from dataclasses import dataclass, field
from pathlib import Path

from bench.machine import describe_machine

BEGIN = "<!-- PROOF:BEGIN (written by `make proof`: tests/support/proof_report.py) -->"
END = "<!-- PROOF:END -->"
PASSES = (("sqlite.xml", "SQLite"), ("postgresql.xml", "PostgreSQL"))

# DESIGN.md §2, in its order, and the tests that prove each invariant (a file, or a
# file and the start of a test name).
INVARIANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Deny by default: login unless on the allow-list; every object checked by one policy; "
     "another family's object answers 404", (
        "tests/test_access_control.py", "tests/test_object_scope.py",
        "tests/test_incident_scope.py")),
    ("Evidence is immutable: hashed as it streams in, never changed or silently deleted; "
     "withdrawal takes two people and leaves a tombstone", (
        "tests/test_evidence.py", "tests/test_evidence_media.py",
        "tests/test_custody_concurrency.py",
        "tests/test_backup.py::test_restore_drill",
        "tests/test_backup.py::test_a_dossier_exported_before_the_backup_still_verifies",
        "tests/test_verify.py")),
    ("Encrypted at rest: AES-256-GCM under per-object keys; a copy of the database and the "
     "blob store reveals no plaintext", (
        "tests/test_encryption_at_rest.py", "tests/test_keys.py",
        "tests/test_backup.py::test_a_backup_holds_no_key",
        "tests/test_backup.py::test_restore_without_the_master_key",
        "tests/unit/test_crypto_envelope.py")),
    ("Everything is accounted for: views, downloads, exports, changes and denials are audit "
     "events; audit log and custody events hash-chained and verified", (
        "tests/test_audit_chain.py", "tests/test_custody_concurrency.py",
        "tests/test_incident_scope.py::test_viewing_a_report_is_recorded",
        "tests/test_evidence.py::test_views_and_downloads_are_in_the_custody_log",
        "tests/test_evidence.py::test_edited_or_deleted_custody_events_are_caught",
        "tests/test_access_control.py::test_wrong_role_gets_404")),
    ("Staff need a second factor; sensitive actions a recent login; login throttled per "
     "account without revealing accounts", (
        "tests/test_second_factor.py", "tests/test_sessions.py", "tests/test_throttling.py",
        "tests/test_login.py", "tests/test_admin.py",
        "tests/test_export.py::test_export_needs_a_recent_login",
        "tests/test_dossiers.py::test_approval_needs_a_recent_login",
        "tests/browser/test_dossier_journeys.py")),
    ("No IP address stored, no third-party asset, strict CSP without inline script, pages "
     "work without JavaScript, quick exit on every family page", (
        "tests/test_crawl.py", "tests/test_quick_exit.py", "tests/unit/test_logs.py",
        "tests/browser/test_family_journey.py")),
    ("Bad input never loses data: a clear, translated error; nothing stored is touched; a "
     "crash leaves no partial evidence and no orphan rows", (
        "tests/test_properties.py", "tests/test_stored_xss.py", "tests/test_sqlmap.py",
        "tests/test_upload_faults.py", "tests/test_faults_disk.py",
        "tests/test_faults_commits.py", "tests/test_faults_export.py",
        "tests/test_faults_postgres.py", "tests/test_csrf.py")),
    ("Beyond §2: the main pages are accessible (axe-core) in English, Persian and French", (
        "tests/browser/test_main_pages.py",)),
)


@dataclass
class Case:
    node: str  # tests/test_x.py::test_name[param]
    outcome: str  # passed, failed, skipped
    seconds: float
    figures: list[str] = field(default_factory=list)


def read_cases(path: Path) -> list[Case]:
    cases = []
    for element in ElementTree.parse(path).iter("testcase"):  # noqa: S314  # our own file
        module = element.get("classname", "")
        node = module.replace(".", "/") + ".py::" + element.get("name", "")
        if element.find("failure") is not None or element.find("error") is not None:
            outcome = "failed"
        elif element.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        figures = [p.get("value", "") for p in element.iter("property")
                   if p.get("name") == "figures"]
        cases.append(Case(node, outcome, float(element.get("time", "0")), figures))
    return cases


def tally(cases: list[Case]) -> str:
    if not cases:
        return "no test ran"
    counts = {o: sum(1 for c in cases if c.outcome == o) for o in ("passed", "failed",
                                                                     "skipped")}
    words = [f"{n} {o}" for o, n in counts.items() if n]
    text = ", ".join(words) + f", {sum(c.seconds for c in cases):.0f} s"
    return f"**{text}**" if counts["failed"] else text


def chosen(cases: list[Case], selectors: tuple[str, ...]) -> list[Case]:
    return [c for c in cases if any(c.node == s or c.node.startswith(
        s if "::" in s else s + "::") for s in selectors)]


def load_lines(folder: Path) -> list[str]:
    path = folder / "load.json"
    if not path.exists():
        return ["- **Load** (`bench/load.py`): not run."]
    s = json.loads(path.read_text())
    rounds = []
    for number, r in enumerate(s["rounds"]):
        groups = r["steady"]["groups"]
        pages = next(row for row in groups if row["name"] == "page")
        other = "; ".join(f"{row['name']} p50 {row['p50']:.0f} / p95 {row['p95']:.0f} ms"
                          for row in groups if row["name"] != "page")
        judged = (f" (target p95 ≤ {s['target_ms']:.0f} ms: "
                  f"{'met' if pages['p95'] <= s['target_ms'] else '**missed**'})"
                  if number == 0 else " (capacity, not judged)")
        rounds.append(f"{r['think_s']} s between steps, {r['errors']} errors, "
                      f"{r['steady']['throughput_rps']:.1f} requests/s in the steady state: "
                      f"pages p50 {pages['p50']:.0f} ms, p95 {pages['p95']:.0f} ms, p99 "
                      f"{pages['p99']:.0f} ms{judged}; {other}")
    return [f"- **Load** (`bench/load.py`, details in `docs/benchmarks.md`): gunicorn "
            f"({s['workers']} workers), PostgreSQL with {s['incidents']:,} incidents, "
            f"{sum(s['users'].values())} people, rounds of {s['duration_s']} s: "
            + ". ".join(rounds) + ". Afterwards "
            + "; ".join(f"`flask {k}` {v}" for k, v in s["checks"].items()) + "."]


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              check=False).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes"
                                                   if git("status", "--porcelain") else "")


def render(folder: Path) -> str:
    runs = {label: read_cases(folder / name) for name, label in PASSES
            if (folder / name).exists()}
    out = [BEGIN, "", "## DESIGN.md §2, invariant by invariant: the last `make proof`", "",
           f"Written by `make proof` on {time.strftime('%Y-%m-%d')} from commit {commit()}, "
           f"on {describe_machine()}. Every test, the slow proofs included; figures are "
           "what the tests measured and recorded. Do not edit by hand: run `make proof`.", "",
           "| invariant | proved by | " + " | ".join(label for _, label in PASSES) + " |",
           "|---|---|" + "---|" * len(PASSES)]
    figures: list[str] = []
    for title, selectors in INVARIANTS:
        proofs = ", ".join(f"`{s.removeprefix('tests/')}`" for s in selectors)
        cells = [tally(chosen(runs[label], selectors)) if label in runs else "not run"
                 for _, label in PASSES]
        out.append(f"| {title} | {proofs} | " + " | ".join(cells) + " |")
        for label, cases in runs.items():
            for case in chosen(cases, selectors):
                figures += [f"- {case.node.removeprefix('tests/')} ({label}): {text}"
                            for text in case.figures]
    totals = [tally(runs[label]) if label in runs else "not run" for _, label in PASSES]
    out.append("| The whole suite | every file under `tests/` | " + " | ".join(totals) + " |")
    out += ["", "Figures recorded by the proofs:", "", *load_lines(folder),
            *dict.fromkeys(figures), "", END]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    folder, document = Path(argv[1]), Path(argv[2])
    text = document.read_text()
    section = render(folder)
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    document.write_text(text)
    print(f"{document}: the figures of {folder} written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
