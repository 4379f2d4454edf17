"""`flask evidence expire-uploads`: abandoned resumable uploads are removed (decision 0025).

Run it from cron (hourly is plenty). An upload that received nothing for
`RESUMABLE_UPLOAD_HOURS` (24 by default) is deleted with its parts: the rows first
(one commit), then the part blobs no committed row points to. Starting a new upload
also purges expired ones on the way.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app

from portal.cli.evidence import evidence_cli
from portal.dependencies import blob_store
from portal.models import db
from portal.services.resumable_uploads import delete_released_parts, expire_uploads


@evidence_cli.command("expire-uploads")
def expire() -> None:
    """Delete resumable uploads that received nothing for RESUMABLE_UPLOAD_HOURS."""
    lifetime = timedelta(hours=float(current_app.config["RESUMABLE_UPLOAD_HOURS"]))
    released = expire_uploads(lifetime)
    db.session.commit()
    delete_released_parts(blob_store(), released)
    click.echo(f"{len(released)} parts of expired uploads removed")
