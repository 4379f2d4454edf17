"""Streaming uploads: files are hashed and encrypted while Werkzeug parses the body.

Werkzeug would spool a large multipart file to a plaintext temporary file. The
portal's Request class replaces that stream factory: on the evidence upload
endpoint each file part goes straight into a `Spool` (SHA-256 and per-file
encryption into a pending blob); the endpoints of `portal.web.memory_uploads` (they
only read a file and forget it) get an anonymous memory file each, within their own
byte limit, after a permission check; on every other endpoint file parts are refused.
Whatever is not committed by the view is discarded when the request ends, and so is
a blob the view committed for a row that was not (one file of the upload refused).
A part header that is not UTF-8 (a file name in a legacy encoding) gets a page
saying so, instead of an empty form that the CSRF check would call expired.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from flask import Flask, current_app, g, render_template, request
from flask.wrappers import Request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from portal.dependencies import blob_store
from portal.models import Incident, db
from portal.policy import Permission, can
from portal.services.evidence import Spool, begin_spool, discard_unrecorded
from portal.services.resumable_uploads import delete_released_parts
from portal.web.access import access_rule
from portal.web.memory_uploads import (
    MEMORY_UPLOAD_LIMITS,
    close_memory_parts,
    memory_part,
    memory_upload_limit,
)
from portal.web.unit_of_work import undo_unit_of_work

if TYPE_CHECKING:
    from werkzeug.formparser import t_parse_result

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


class UnreadableFileName(BadRequest):
    """A part header of a multipart body is not UTF-8: in practice a file name."""


class PortalFormDataParser(FormDataParser):
    """Werkzeug's parser, except that a part header it cannot decode is refused
    (`UnreadableFileName`) instead of silently leaving the whole form empty. Only
    headers are decoded strictly (field values are decoded with replacement)."""

    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> t_parse_result:
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except UnicodeDecodeError as error:
            raise UnreadableFileName() from error


class PortalRequest(Request):
    form_data_parser_class = PortalFormDataParser

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> Any:
        if request.endpoint in MEMORY_UPLOAD_LIMITS:
            _check_memory_upload(request.endpoint)
            return memory_part(request.endpoint)
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


def _check_memory_upload(endpoint: str) -> None:
    """Before the first byte is kept: only someone the endpoint's access rule lets in,
    and a body that can fit."""
    rule = access_rule(endpoint, request.method)
    if (rule is None or rule.permission is None or not current_user.is_authenticated
            or not can(current_user, rule.permission)):
        raise NotFound()
    limit = memory_upload_limit(endpoint)
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise RequestEntityTooLarge()


def spools_of_request() -> list[Spool]:
    spools: list[Spool] = g.get("spools", [])
    return spools


def discard_unfinished(_error: BaseException | None = None) -> None:
    """Request over: anything not committed is unfinished ciphertext, removed here; a
    committed blob whose row did not commit with the request is deleted."""
    spools: list[Spool] = []
    for spool in g.pop("spools", []):
        if not spool.writer.finished:
            spool.writer.abort()
        spool.pending.discard()  # a no-op for blobs the view committed
        spools.append(spool)
    if spools:
        discard_unrecorded(blob_store(), spools)


def release_after_request(blob_keys: list[str]) -> None:
    """Part blobs of resumable uploads to delete when the request is over, each only
    if no committed row points to it then (a part whose row was rolled back, the parts
    of an upload finished or abandoned by this request)."""
    g.setdefault("released_parts", []).extend(blob_keys)


def delete_released(_error: BaseException | None = None) -> None:
    keys: list[str] = g.pop("released_parts", [])
    if keys:
        delete_released_parts(blob_store(), keys)


def _unreadable_file_name(_error: UnreadableFileName) -> tuple[str, int]:
    undo_unit_of_work()
    return render_template(
        "errors/error.html", status=400, title=_("The name of a file cannot be read"),
        message=_("The name of a file you chose is not in a form the portal can read. "
                  "Rename the file on your device, then choose it again. Nothing was saved.")
    ), 400


def install(app: Flask) -> None:
    app.request_class = PortalRequest
    app.teardown_request(discard_unfinished)
    app.teardown_request(delete_released)
    app.teardown_request(close_memory_parts)
    app.register_error_handler(UnreadableFileName, _unreadable_file_name)
