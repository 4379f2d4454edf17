"""`flask search reindex`: rebuilding the blind search index (decisions 0005, 0021)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.dependencies import crypto_kit
from portal.models import db
from portal.services.incidents import load_content
from portal.services.search_index import reindex_all

search_cli = AppGroup("search", help="The blind index advocates search through.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild the index of every submitted report from its decrypted text.

    Needed once after an upgrade that changes what is indexed (decision 0021: stems
    of Persian and Latin words); safe to run again at any time. One transaction:
    searches see the old index until it commits.
    """
    count = 0
    for _incident_id in reindex_all(crypto_kit(), load_content):
        count += 1
        if count % 1000 == 0:
            click.echo(f"{count} reports indexed…")
    db.session.commit()
    click.echo(f"search index rebuilt: {count} submitted reports.")
