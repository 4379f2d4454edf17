"""Resumable uploads over the tus 1.0 protocol (core, creation, expiration,
termination), for the upload page's script (static/js/resumable-upload.js).

    POST   /reports/<id>/uploads        Upload-Length, Upload-Metadata -> 201 Location
    HEAD   /reports/<id>/uploads/<n>    -> Upload-Offset (what is kept)
    PATCH  /reports/<id>/uploads/<n>    Upload-Offset + bytes -> 204 Upload-Offset
    DELETE /reports/<id>/uploads/<n>    -> 204 (abandoned)

Every request carries the CSRF token in a header (X-CSRFToken) and is checked like
any page: the report must be one the person may add evidence to, and the upload
theirs and of that report (otherwise 404). The finished upload becomes an ordinary
evidence item; the last PATCH (and any later HEAD) names its receipt in
`Portal-Receipt`. Without JavaScript the plain form (views.upload) is used instead.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from email.utils import format_datetime
from typing import IO

from flask import Response, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import ClientDisconnected

from portal.crypto.kit import CryptoKit
from portal.dependencies import blob_store, crypto_kit
from portal.media.sniff import detect_media_type
from portal.models import Incident, ResumableUpload, ResumableUploadPart, db, utcnow
from portal.policy import Permission
from portal.services import evidence as evidence_service
from portal.services import renditions
from portal.services import resumable_uploads as resumable
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.web.access import deny, load_or_deny
from portal.web.evidence import bp
from portal.web.forms import strip_text
from portal.web.plain_words import human_size
from portal.web.unit_of_work import undo_unit_of_work
from portal.web.uploads import release_after_request

TUS_VERSION = "1.0.0"
MAX_METADATA_CHARS = 64 * 1024
METADATA_KEYS = {"filename", "filetype", "kind", *resumable.METADATA_TEXT}


def _lifetime() -> timedelta:
    """How long an upload waits for its next bytes before it is abandoned."""
    return timedelta(hours=float(current_app.config["RESUMABLE_UPLOAD_HOURS"]))


def _tus(status: int, body: str = "", **headers: str) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _refused(status: int, body: str = "") -> Response:
    """A refusal: nothing the request did is kept."""
    undo_unit_of_work()
    return _tus(status, body)


def _protocol_error() -> Response | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _refused(412)
    return None


def _header_int(name: str) -> int | None:
    value = request.headers.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _metadata(header: str) -> resumable.UploadMetadata | None:
    """tus Upload-Metadata: comma-separated "key base64(value)" pairs; None if malformed."""
    if len(header) > MAX_METADATA_CHARS:
        return None
    values: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _space, encoded = pair.partition(" ")
        try:
            value = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if key in METADATA_KEYS:
            values[key] = value
    details = evidence_service.EvidenceDetails(
        kind=values.get("kind") or "other",
        **{name: strip_text(values.get(name)) or "" for name in resumable.METADATA_TEXT})
    return resumable.UploadMetadata(values.get("filename", ""), values.get("filetype", ""),
                                    details)


def _load_upload(incident_id: int, upload_id: int) -> tuple[Incident, ResumableUpload]:
    """The report (404 unless the person may add evidence to it), then the upload
    (404 unless it is theirs and of that report)."""
    incident = load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")
    upload = db.session.get(ResumableUpload, upload_id)
    if upload is None or upload.incident_id != incident.id or upload.user_id != current_user.id:
        deny("resumable_upload", upload_id)
    assert upload is not None
    return incident, upload


def _state_headers(incident: Incident, upload: ResumableUpload) -> dict[str, str]:
    headers = {"Upload_Offset": str(upload.offset_bytes),
               "Upload_Length": str(upload.length_bytes),
               "Upload_Expires": format_datetime(resumable.expires_at(upload, _lifetime()),
                                                 usegmt=True)}
    if upload.item_id is not None:
        headers["Portal_Receipt"] = url_for("evidence.receipt", incident_id=incident.id,
                                            items=str(upload.item_id))
    return headers


@bp.route("/reports/<int:incident_id>/uploads", methods=["POST"])
def start_upload(incident_id: int) -> Response:
    incident = load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")
    if (refused := _protocol_error()) is not None:
        return refused
    length = _header_int("Upload-Length")
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    if length is None or metadata is None:
        return _refused(400)
    max_bytes = int(current_app.config["MAX_UPLOAD_BYTES"])
    release_after_request(resumable.expire_uploads(_lifetime()))  # purged on the way
    try:
        upload = resumable.start_upload(crypto_kit(), current_user, incident, length,
                                        metadata, max_bytes)
    except PermissionDenied:
        deny("incident", incident_id)
    except resumable.UploadTooLarge as error:
        return _refused(413, " ".join((str(error.message), _(
            "Files up to %(size)s each. If a file is larger, ask your advocate.",
            size=human_size(max_bytes)))))
    except ValidationFailed as error:
        return _refused(400, str(error.message))
    location = url_for("evidence.upload_part", incident_id=incident.id, upload_id=upload.id)
    return _tus(201, Location=location, Tus_Max_Size=str(max_bytes),
                **_state_headers(incident, upload))


@bp.route("/reports/<int:incident_id>/uploads/<int:upload_id>", methods=["HEAD"])
def upload_offset(incident_id: int, upload_id: int) -> Response:
    incident, upload = _load_upload(incident_id, upload_id)
    if (refused := _protocol_error()) is not None:
        return refused
    if upload.item_id is None and resumable.expires_at(upload, _lifetime()) <= utcnow():
        return _refused(410)
    return _tus(200, **_state_headers(incident, upload))


class BodyReader:
    """The request body as it arrives; a connection cut off is its end (what arrived
    is kept, and HEAD says how much)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.cut = stream, False

    def read(self, size: int) -> bytes:
        if self.cut:
            return b""
        try:
            return self.stream.read(size)
        except (ClientDisconnected, OSError):
            self.cut = True
            return b""


@bp.route("/reports/<int:incident_id>/uploads/<int:upload_id>", methods=["PATCH"])
def upload_part(incident_id: int, upload_id: int) -> Response:
    incident, upload = _load_upload(incident_id, upload_id)
    if (refused := _protocol_error()) is not None:
        return refused
    if request.mimetype != "application/offset+octet-stream":
        return _refused(415)
    offset = _header_int("Upload-Offset")
    if offset is None:
        return _refused(400)
    try:
        resumable.check_open(upload, offset, _lifetime())
    except resumable.OffsetMismatch:
        return _refused(409)
    except resumable.UploadGone:
        return _refused(410)
    if (request.content_length or 0) > upload.length_bytes - upload.offset_bytes:
        return _refused(413)
    kit, store = crypto_kit(), blob_store()
    target = resumable.part_target(kit, upload)
    # A body can take hours: no transaction (nor lock, nor connection) is held while
    # it arrives. Nothing was changed yet; this only ends the reads.
    db.session.commit()
    part = resumable.receive_part(store, target, BodyReader(request.stream).read)
    incident, upload = _load_upload(incident_id, upload_id)
    if part is None:
        return _tus(204, **_state_headers(incident, upload))
    release_after_request([part.blob_key])  # kept only if its row commits
    return _record(kit, incident, upload, part)


def _record(kit: CryptoKit, incident: Incident, upload: ResumableUpload,
            part: ResumableUploadPart) -> Response:
    """Keep the part; when it is the last, turn the upload into an evidence item."""
    spool = None
    if part.offset_bytes + part.size_bytes == upload.length_bytes:
        spool = resumable.assemble(kit, blob_store(), upload, [*upload.parts, part],
                                   resumable.metadata_of(kit, upload))
        g.setdefault("spools", []).append(spool)  # discarded unless its row commits
    try:
        resumable.record_part(upload.id, part)
    except resumable.OffsetMismatch:
        return _refused(409)
    db.session.refresh(upload)
    if spool is not None:
        item, released = resumable.complete(kit, current_user, upload, incident, spool,
                                            detect_media_type)
        release_after_request(released)
        renditions.request_derivation(item, current_user)
        evidence_service.record_upload_audit(current_user, incident, 1)
    return _tus(204, **_state_headers(incident, upload))


@bp.route("/reports/<int:incident_id>/uploads/<int:upload_id>", methods=["DELETE"])
def abandon_upload(incident_id: int, upload_id: int) -> Response:
    _incident, upload = _load_upload(incident_id, upload_id)
    if (refused := _protocol_error()) is not None:
        return refused
    release_after_request(resumable.abandon(upload))
    return _tus(204)
