"""`flask victims import FILE.csv`: load the victims register, all rows or none."""

from __future__ import annotations

import sys
from typing import BinaryIO

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.models import Role, User, db
from portal.services.register import CSV_COLUMNS, import_victims_csv

victims_cli = AppGroup("victims", help="The register of the people killed on PS752.")


@victims_cli.command("import")
@click.argument("csv_file", metavar="FILE", type=click.File("rb"))
@click.option("--as", "username", default=None,
              help="Username of the admin recorded as the importer (default: the first admin).")
def import_command(csv_file: BinaryIO, username: str | None) -> None:
    """Import victims from a UTF-8 CSV file whose first line is the header
    name_latin,name_persian,age,ties_countries,ties_note.

    Every row is checked first; if any is wrong, each problem is printed with its
    line number and nothing is imported (exit status 1).
    """
    actor = _importer(username)
    try:
        text = csv_file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        click.echo("line 1: the file is not UTF-8 text; save it as CSV UTF-8", err=True)
        sys.exit(1)
    report = import_victims_csv(actor, text)
    if report.problems:
        db.session.rollback()
        for problem in report.problems:
            click.echo(f"line {problem.line}: {problem.reason}", err=True)
        click.echo(f"nothing imported: {len(report.problems)} problem(s); "
                   f"expected columns {','.join(CSV_COLUMNS)}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"imported {report.imported} victims")


def _importer(username: str | None) -> User:
    """The admin the import is recorded under: the one named, else the first one."""
    query = select(User).where(User.role == Role.ADMIN, User.is_active.is_(True))
    if username:
        query = query.where(User.username == username.strip().lower())
    actor = db.session.scalar(query.order_by(User.id).limit(1))
    if actor is None:
        raise click.ClickException(
            "no active admin account to record the import under "
            "(create one with `flask users create-admin`, or check --as)")
    return actor
