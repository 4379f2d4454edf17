"""Streaming uploads: files are hashed and encrypted while Werkzeug parses the body.

Werkzeug would spool a large multipart file to a plaintext temporary file. The
portal's Request class replaces that stream factory: on the evidence upload
endpoint each file part goes straight into a `Spool` (SHA-256 and per-file
encryption into a pending blob); on every other endpoint file parts are refused.
Whatever is not committed by the view is discarded when the request ends.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask.wrappers import Request
from flask_login import current_user
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

from portal.dependencies import blob_store
from portal.models import Incident, db
from portal.policy import Permission, can
from portal.services.evidence import Spool, begin_spool

UPLOAD_ENDPOINT = "evidence.upload"


class LimitedSpool:
    """The file object Werkzeug writes a part into: counts bytes against the limit."""

    def __init__(self, spool: Spool, limit: int) -> None:
        self.spool, self.limit = spool, limit

    def write(self, data: bytes) -> int:
        if self.spool.writer.size + len(data) > self.limit:
            raise RequestEntityTooLarge()
        return self.spool.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.spool.writer.seek(offset, whence)

    def tell(self) -> int:
        return self.spool.writer.tell()

    def close(self) -> None:
        """Werkzeug closes the part when the request ends; the view already finished it."""

    def flush(self) -> None:
        self.spool.writer.flush()


class PortalRequest(Request):
    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> Any:
        if request.endpoint != UPLOAD_ENDPOINT:
            raise BadRequest("files are accepted only by the evidence upload")
        _check_upload_target()
        spool = begin_spool(blob_store(), filename or "", content_type or "")
        g.setdefault("spools", []).append(spool)
        return LimitedSpool(spool, int(current_app.config["MAX_UPLOAD_BYTES"]))


def _check_upload_target() -> None:
    """Before the first byte is kept: the report must be one the user may add to."""
    incident_id = (request.view_args or {}).get("incident_id")
    incident = db.session.get(Incident, incident_id) if incident_id else None
    if incident is None or not current_user.is_authenticated or not can(
            current_user, Permission.EVIDENCE_ADD, incident):
        raise NotFound()


def spools_of_request() -> list[Spool]:
    spools: list[Spool] = g.get("spools", [])
    return spools


def discard_unfinished(_error: BaseException | None = None) -> None:
    """Request over: anything not committed is unfinished ciphertext, removed here."""
    for spool in g.pop("spools", []):
        if not spool.writer.finished:
            spool.writer.abort()
        spool.pending.discard()  # a no-op for blobs the view committed


def install(app: Flask) -> None:
    app.request_class = PortalRequest
    app.teardown_request(discard_unfinished)
