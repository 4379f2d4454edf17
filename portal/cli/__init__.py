"""Command-line tools (`flask users|audit|demo|keys|victims|evidence|signing|dossier|search
...`): the second edge beside the web layer."""

from __future__ import annotations

from flask import Flask

from portal.cli import (
    dossier_export,  # noqa: F401 (adds `list` and `export` to the group)
    resumable_uploads,  # noqa: F401 (adds `evidence expire-uploads`)
)
from portal.cli.audit import audit_cli
from portal.cli.backup import backup_cli
from portal.cli.demo import demo_cli
from portal.cli.dossiers import dossiers_cli
from portal.cli.evidence import evidence_cli
from portal.cli.jobs import jobs_cli
from portal.cli.keys import keys_cli
from portal.cli.search import search_cli
from portal.cli.signing import signing_cli
from portal.cli.users import users_cli
from portal.cli.victims import victims_cli


def register_cli(app: Flask) -> None:
    for group in (users_cli, audit_cli, demo_cli, keys_cli, victims_cli, evidence_cli,
                  jobs_cli, backup_cli, signing_cli, dossiers_cli, search_cli):
        app.cli.add_command(group)
