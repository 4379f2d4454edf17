"""`flask victims import FILE.csv`: every row is checked, every bad row is named by its
line number with a reason, and the register changes only when the whole file is good.
All names are fictional."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditAction
from portal.models import AuditEvent, Role, Victim, db
from portal.services.register import VictimInput, create_victim
from tests.support.factories import Account, make_account

HEADER = "name_latin,name_persian,age,ties_countries,ties_note\n"


@pytest.fixture
def admin(app: Flask) -> Account:
    return make_account(app, Role.ADMIN)


def run_import(app: Flask, tmp_path: Path, content: str | bytes) -> Result:
    path = tmp_path / "victims.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["victims", "import", str(path)])


def register() -> list[tuple[str, str, int | None, str, str]]:
    return [(v.name_latin, v.name_persian, v.age, v.ties_countries, v.ties_note)
            for v in db.session.scalars(select(Victim).order_by(Victim.id))]


def import_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == AuditAction.VICTIMS_IMPORTED)))


def test_a_good_file_imports_every_row(app: Flask, tmp_path: Path, admin: Account):
    content = (HEADER
               + "Sample Person One,نمونه یک,34,CA IR,Studied in Canada\n"
               + '"Sample Person Two, Junior",نمونه دو,۱۹,ca;gb,"Resident; student"\n'
               + "\n"
               + "Sample Person Three,,,,\n")
    result = run_import(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "imported 3 victims"
    with app.app_context():
        assert register() == [
            ("Sample Person One", "نمونه یک", 34, "CA IR", "Studied in Canada"),
            ("Sample Person Two, Junior", "نمونه دو", 19, "CA GB", "Resident; student"),
            ("Sample Person Three", "", None, "", ""),
        ]
        [event] = import_events()
        assert (event.actor_id, event.details) == (admin.id, {"count": 3})


def test_every_bad_row_is_named_by_line_and_nothing_is_imported(
        app: Flask, tmp_path: Path, admin: Account):
    with app.app_context():
        create_victim(admin.reload(), VictimInput(name_latin="Existing Sample Person"))
        db.session.commit()
    content = (HEADER                                                   # line 1
               + "Sample Person One,نمونه یک,34,CA IR,\n"               # 2: good
               + ",نمونه دو,20,CA,\n"                                   # 3: no name
               + "Sample Person Three,,abc,,\n"                         # 4
               + "Sample Person Four,,300,,\n"                          # 5
               + "Sample Person Five,,30,CA XX,\n"                      # 6
               + "SAMPLE person one,,,,\n"                              # 7: as line 2
               + "existing sample person,,,,\n"                         # 8: in the register
               + "Sample Person Six,Sample Six,,,\n"                    # 9: Latin script
               + 'Sample Person Seven,,,,"a note\n'                     # 10: good, and
               + 'on two lines"\n'                                      # 11: its 2nd line
               + "Sample Person Eight,,,\n")                            # 12: four values
    result = run_import(app, tmp_path, content)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert lines == [
        "line 3: Enter the name in Latin letters.",
        "line 4: Enter the age as a whole number, such as 34.",
        "line 5: Enter an age from 0 to 120.",
        "line 6: Not a country code: XX. Use two-letter ISO codes such as CA, IR or GB.",
        "line 7: The same person is already on line 2 of this file.",
        "line 8: This person is already in the register.",
        "line 9: Write the Persian name in Persian script, or leave it empty.",
        "line 12: Expected 5 values separated by commas, found 4.",
    ]
    assert "nothing imported" in result.output
    with app.app_context():
        assert [row[0] for row in register()] == ["Existing Sample Person"]
        assert import_events() == []


def test_a_row_with_several_problems_lists_each(app: Flask, tmp_path: Path, admin: Account):
    result = run_import(app, tmp_path, HEADER + ",Latin,999,QQ ZZ,\n")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert lines == [
        "line 2: Enter the name in Latin letters.",
        "line 2: Write the Persian name in Persian script, or leave it empty.",
        "line 2: Enter an age from 0 to 120.",
        "line 2: Not a country code: QQ, ZZ. Use two-letter ISO codes such as CA, IR or GB.",
    ]


def test_a_byte_order_mark_and_windows_line_endings_are_handled(
        app: Flask, tmp_path: Path, admin: Account):
    content = ("\ufeff" + HEADER + "Sample Person One,نمونه یک,34,CA,\n"
               + "Sample Person Two,,x,,\n").replace("\n", "\r\n")
    result = run_import(app, tmp_path, content.encode("utf-8"))
    assert result.exit_code == 1
    assert "line 3: Enter the age as a whole number, such as 34." in result.output
    fixed = content.replace(",x,", ",40,")
    result = run_import(app, tmp_path, fixed.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert "imported 2 victims" in result.output
    with app.app_context():
        assert [(row[0], row[2]) for row in register()] == [
            ("Sample Person One", 34), ("Sample Person Two", 40)]


def test_columns_may_come_in_any_order(app: Flask, tmp_path: Path, admin: Account):
    content = "age,Name_Latin,ties_note,ties_countries,name_persian\n41,Sample Person One,,IR,\n"
    result = run_import(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert register() == [("Sample Person One", "", 41, "IR", "")]


@pytest.mark.parametrize(("content", "reason"), [
    ("", "line 1: The file is empty or its first line is blank."),
    ("\ufeff", "line 1: The file is empty or its first line is blank."),
    ("\nSample Person One,,,,\n", "line 1: The file is empty or its first line is blank."),
    ("Sample Person One,نمونه یک,34,CA,\n", "line 1: The first line must be the header: "
     "name_latin,name_persian,age,ties_countries,ties_note"),
    ("name_latin,age\nSample Person One,34\n", "line 1: The first line must be the header"),
    (HEADER, "line 1: The file has a header but no victims."),
])
def test_an_empty_file_or_a_missing_header_is_refused(
        app: Flask, tmp_path: Path, admin: Account, content: str, reason: str):
    result = run_import(app, tmp_path, content)
    assert result.exit_code == 1
    assert reason in result.output
    with app.app_context():
        assert register() == []
        assert import_events() == []


def test_a_file_that_is_not_utf8_is_refused(app: Flask, tmp_path: Path, admin: Account):
    result = run_import(app, tmp_path, (HEADER + "Sample Persön One,,,,\n").encode("latin-1"))
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
    with app.app_context():
        assert register() == []


def test_control_characters_in_a_row_are_refused(app: Flask, tmp_path: Path, admin: Account):
    result = run_import(app, tmp_path, HEADER + "Sample\x00Person,,,,\n")
    assert result.exit_code == 1
    assert "line 2: Remove the invisible control characters from this text." in result.output
    with app.app_context():
        assert register() == []


def test_import_needs_an_admin_to_record_it_under(app: Flask, tmp_path: Path):
    result = run_import(app, tmp_path, HEADER + "Sample Person One,,,,\n")
    assert result.exit_code != 0
    assert "no active admin" in result.output
    with app.app_context():
        assert register() == []
