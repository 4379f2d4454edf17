"""`make proof` writes the last run's figures into docs/security.md: failures stand out,
missing runs say so, figures are carried over, and a second run replaces the first."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.proof_report import BEGIN, END, main

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.test_sqlmap" name="test_sqlmap_finds_nothing" time="61.5">
  <properties><property name="figures" value="29 endpoints scanned; 0 injectable"/></properties>
</testcase>
<testcase classname="tests.test_csrf" name="test_post_without_token" time="0.5">
  <failure message="boom">AssertionError</failure>
</testcase>
<testcase classname="tests.test_crawl" name="test_every_page[fa]" time="3.0">
  <skipped message="no browser"/>
</testcase>
</testsuite></testsuites>
"""
GROUPS = [{"name": "page", "requests": 900, "errors": 0, "p50": 40.0, "p95": 180.0,
           "p99": 260.0, "max": 400.0},
          {"name": "upload", "requests": 50, "errors": 0, "p50": 70.0, "p95": 120.0,
           "p99": 150.0, "max": 160.0}]
ROUND = {"think_s": "5:15", "errors": 0, "steady": {"groups": GROUPS, "throughput_rps": 5.2}}
LOAD = {"rounds": [ROUND, {**ROUND, "think_s": "2:6"}],
        "users": {"advocates": 34, "family": 15, "reviewers": 1}, "workers": 5,
        "incidents": 100000, "duration_s": 180, "requests": 950, "errors": 0,
        "target_ms": 300.0, "passed": True, "checks": {"audit verify": "ok: audit chain intact"}}


def write_run(folder: Path) -> None:
    folder.mkdir()
    (folder / "sqlite.xml").write_text(JUNIT)
    (folder / "load.json").write_text(json.dumps(LOAD))


def test_the_section_shows_failures_figures_and_what_did_not_run(tmp_path: Path) -> None:
    write_run(tmp_path / "proof")
    document = tmp_path / "security.md"
    document.write_text("# Security\n\nBy hand.\n")
    assert main(["proof_report", str(tmp_path / "proof"), str(document)]) == 0
    text = document.read_text()
    assert text.startswith("# Security\n\nBy hand.\n")
    section = text[text.index(BEGIN):text.index(END)]
    bad_input = next(line for line in section.splitlines() if line.startswith("| Bad input"))
    assert "**1 passed, 1 failed, 62 s**" in bad_input  # sqlmap and the failed CSRF test
    assert bad_input.endswith("| not run |")  # no PostgreSQL pass in this run
    assert "test_sqlmap.py::test_sqlmap_finds_nothing (SQLite): 29 endpoints scanned; " \
        "0 injectable" in section
    assert "1 skipped, 3 s" in section  # the crawl, counted as skipped, not as passed
    assert "5:15 s between steps, 0 errors, 5.2 requests/s in the steady state: pages p50 40 " \
        "ms, p95 180 ms, p99 260 ms (target p95 ≤ 300 ms: met)" in section
    assert "2:6 s between steps" in section
    assert "(capacity, not judged)" in section


def test_a_second_run_replaces_the_section_and_keeps_the_rest(tmp_path: Path) -> None:
    write_run(tmp_path / "proof")
    document = tmp_path / "security.md"
    document.write_text(f"# Security\n\nBefore.\n\n{BEGIN}\nold figures\n{END}\n\nAfter.\n")
    main(["proof_report", str(tmp_path / "proof"), str(document)])
    main(["proof_report", str(tmp_path / "proof"), str(document)])
    text = document.read_text()
    assert "old figures" not in text
    assert text.count(BEGIN) == 1
    assert text.count(END) == 1
    assert text.startswith("# Security\n\nBefore.\n\n")
    assert text.endswith("\n\nAfter.\n")
