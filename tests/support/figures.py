"""The figures a proof test reports: printed (seen with `pytest -s`) and recorded as a
`figures` property in the JUnit XML, from which `python -m tests.support.proof_report`
writes the last run's figures into docs/security.md."""

from __future__ import annotations

from collections.abc import Callable

RecordProperty = Callable[[str, object], None]  # pytest's `record_property` fixture


def report_figures(record_property: RecordProperty, text: str) -> None:
    print(f"\n{text}")
    record_property("figures", text)
