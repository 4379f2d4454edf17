"""Evidence pages. Uploaded bytes were already hashed and encrypted while the request
was parsed (portal/web/uploads.py); these views finish and record them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.audit.custody import CustodyAction, custody_of, purposes_of, record_custody
from portal.crypto.streaming import DecryptingReader, StreamIntegrityError
from portal.dependencies import blob_store, crypto_kit
from portal.media.sniff import detect_media_type
from portal.models import EvidenceItem, Incident, User, db
from portal.policy import Permission, can
from portal.services import evidence as evidence_service
from portal.services import renditions, withdrawal
from portal.services.errors import DomainError
from portal.services.sealing import open_text
from portal.services.submissions import claim_sending
from portal.vocabulary.evidence import EVIDENCE_KIND_LABELS as KIND_LABELS
from portal.web.access import deny, load_or_deny
from portal.web.evidence import bp
from portal.web.evidence.forms import (
    ConfirmForm,
    DescriptionForm,
    LinkForm,
    PurposeForm,
    UploadForm,
    WithdrawalForm,
)
from portal.web.forms import row_id
from portal.web.headers import CONTENT_SECURITY_POLICY
from portal.web.kept_posts import restore_kept_form
from portal.web.refusals import refusal_flashed, refusal_shown_on
from portal.web.uploads import spools_of_request


def _load_incident(incident_id: int) -> Incident:
    return load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")


def _load_item(item_id: int) -> EvidenceItem:
    return load_or_deny(EvidenceItem, item_id, Permission.EVIDENCE_READ, "evidence")


@bp.route("/reports/<int:incident_id>/evidence", methods=["GET", "POST"])
def upload(incident_id: int) -> str | BaseResponse:
    incident = _load_incident(incident_id)
    form = UploadForm()
    if form.validate_on_submit():
        spools = spools_of_request()
        if not spools:
            form.files.errors = [_("Choose at least one file.")]
        else:
            sending = claim_sending(current_user, form.once_token.data,
                                    url_for("evidence.upload", incident_id=incident.id))
            if sending.earlier is not None:  # sent twice: the receipt of the first
                return redirect(sending.earlier)
            kit, details = crypto_kit(), form.details()
            with refusal_shown_on(form, "files"):
                items = [evidence_service.store_upload(
                    kit, current_user, incident, spool, details,
                    detect_media_type(bytes(spool.head))) for spool in spools]
                for stored in items:  # decoded by a job, after this request commits
                    renditions.request_derivation(stored, current_user)
                evidence_service.record_upload_audit(current_user, incident, len(items))
                # The receipt is a new page, shown only after this request committed.
                return redirect(sending.led_to(url_for(
                    "evidence.receipt", incident_id=incident.id,
                    items=",".join(str(i.id) for i in items))))
    return render_template("evidence/upload.html", form=form, incident=incident,
                           items=evidence_service.items_of(incident),
                           max_upload_label=_size_label(current_app.config["MAX_UPLOAD_BYTES"]))


def _size_label(size: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


@bp.route("/reports/<int:incident_id>/evidence/receipt")
def receipt(incident_id: int) -> str:
    incident = _load_incident(incident_id)
    ids = [i for i in (row_id(part) for part in request.args.get("items", "").split(",")) if i]
    kit = crypto_kit()
    rows = []
    for item_id in ids[:100]:
        item = _load_item(item_id)
        rows.append((item, evidence_service.filename_of(kit, item)))
    return render_template("evidence/receipt.html", incident=incident, rows=rows)


@bp.route("/evidence/<int:item_id>")
def item(item_id: int) -> str:
    found = _load_item(item_id)
    record_custody(found, CustodyAction.VIEWED, actor=current_user)
    reviewing = current_user.role.is_staff
    metadata = renditions.metadata_of(crypto_kit(), found) if reviewing else {}
    events = custody_of(found)
    return render_template(
        "evidence/item.html", item=found, events=events, metadata=metadata,
        purposes=purposes_of(crypto_kit(), events),
        description=evidence_service.description_of(crypto_kit(), found),
        disagreements=renditions.disagreements(crypto_kit(), found, metadata)
        if reviewing else [],
        may_describe=can(current_user, Permission.EVIDENCE_DESCRIBE, found),
        preview_state=renditions.preview_state(found),
        filename=evidence_service.filename_of(crypto_kit(), found),
        incidents=evidence_service.incidents_of(found), kind_label=KIND_LABELS[found.kind],
        # Legal reviewers read an exhibit through a dossier, not the reports behind it.
        readable_reports={i.id for i in evidence_service.incidents_of(found)
                          if can(current_user, Permission.INCIDENT_READ, i)},
        link_form=_link_form(found),
        purpose_form=PurposeForm(), withdrawal_form=WithdrawalForm(),
        may_ask_withdrawal=can(current_user, Permission.EVIDENCE_WITHDRAW_REQUEST, found)
        and found.state.value == "active")


def _link_form(found: EvidenceItem) -> LinkForm | None:
    candidates = evidence_service.link_candidates(current_user, found)
    if not candidates or found.state.value != "active":
        return None
    form = LinkForm()
    form.incident.choices = [(str(i.id), _("Report %(number)s", number=i.id))
                             for i in candidates]
    return form


@bp.route("/evidence/<int:item_id>/links", methods=["POST"])
def link(item_id: int) -> BaseResponse:
    found = _load_item(item_id)
    form = LinkForm()
    incident_id = row_id(form.incident.data) if form.validate_on_submit() else None
    if incident_id is None:
        deny("incident", "")
    incident = load_or_deny(Incident, incident_id, Permission.EVIDENCE_ADD, "incident")
    with refusal_flashed():
        linked = evidence_service.link_to_incident(current_user, found, incident)
        if linked:
            flash(_("The item is now linked to report %(number)s.", number=incident.id),
                  "success")
    return redirect(url_for("evidence.item", item_id=found.id))


@bp.route("/evidence/<int:item_id>/download", methods=["POST"])
def download(item_id: int) -> BaseResponse:
    found = _load_item(item_id)
    form = PurposeForm()
    purpose = (form.purpose.data or "").strip() if form.validate_on_submit() else ""
    if current_user.role.is_staff and not purpose:
        flash(_("Say why you need the original: it is recorded in the chain of custody."),
              "error")
        return redirect(url_for("evidence.item", item_id=found.id))
    kit, store = crypto_kit(), blob_store()
    try:
        reader = evidence_service.open_original(kit, store, found)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("evidence.item", item_id=found.id))
    record_custody(found, CustodyAction.DOWNLOADED, actor=current_user, purpose=purpose,
                   kit=kit, hash_before=found.sha256)
    filename = evidence_service.filename_of(kit, found)
    expected = Expected(found.id, found.sha256, found.size_bytes, current_user.id)
    db.session.commit()  # the custody event is on record before the first byte leaves
    response = Response(stream_with_context(_checked_stream(expected, reader)),
                        mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = _attachment(filename)
    # Should a browser ever render it anyway: no script, no plugin, no same origin.
    response.headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; sandbox"
    response.headers["Content-Length"] = str(expected.size)
    return response


@dataclass(frozen=True)
class Expected:
    """What the original must turn out to be (read before the stream starts)."""

    item_id: int
    sha256: str
    size: int
    actor_id: int  # the session's objects are gone by the time the stream runs


def _checked_stream(expected: Expected, reader: DecryptingReader) -> Iterator[bytes]:
    """The plaintext, re-hashed as it goes; on any mismatch the download is cut and
    an alarm goes into the custody log."""
    try:
        yield from reader.iter_chunks()
        if reader.sha256_hex != expected.sha256 or reader.size != expected.size:
            raise StreamIntegrityError("hash differs from intake")
    except StreamIntegrityError:
        # The stream runs after the request's unit of work ended: this is one of its own.
        db.session.rollback()
        item = db.session.get(EvidenceItem, expected.item_id)
        if item is not None:
            actor = db.session.get(User, expected.actor_id)
            record_custody(item, CustodyAction.INTEGRITY_ALARM, actor=actor,
                           hash_before=expected.sha256, hash_after=reader.sha256_hex)
            db.session.commit()
        raise


def _attachment(filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback and the real (possibly Persian) name."""
    ascii_name = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;'
                         else "_" for ch in filename) or "evidence"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@bp.route("/evidence/<int:item_id>/describe", methods=["GET", "POST"])
def describe(item_id: int) -> str | BaseResponse:
    found = load_or_deny(EvidenceItem, item_id, Permission.EVIDENCE_DESCRIBE, "evidence")
    kit = crypto_kit()
    form = DescriptionForm()
    form.fill_choices()
    if request.method == "GET" and not restore_kept_form(form):  # decision 0020
        form.show(evidence_service.description_of(kit, found))
    elif form.validate_on_submit():
        with refusal_shown_on(form, "title"):
            evidence_service.describe(kit, current_user, found, form.item_description())
            flash(_("The description was saved. The file itself is unchanged."), "success")
            return redirect(url_for("evidence.item", item_id=found.id))
    return render_template("evidence/describe.html", form=form, item=found)


@bp.route("/evidence/<int:item_id>/withdrawal", methods=["POST"])
def request_withdrawal(item_id: int) -> BaseResponse:
    found = _load_item(item_id)
    form = WithdrawalForm()
    if form.validate_on_submit():
        with refusal_flashed():
            withdrawal.request_withdrawal(crypto_kit(), current_user, found,
                                          form.reason.data or "")
            flash(_("Your request was sent to a legal reviewer."), "success")
    return redirect(url_for("evidence.item", item_id=found.id))


@bp.route("/evidence/withdrawals")
def withdrawals() -> str:
    kit = crypto_kit()
    pending = [(item, open_text(kit, item, "withdrawal_reason_sealed"))
               for item in withdrawal.pending_withdrawals()
               if can(current_user, Permission.EVIDENCE_WITHDRAW_APPROVE, item)]
    return render_template("evidence/withdrawals.html", pending=pending, form=ConfirmForm())


@bp.route("/evidence/<int:item_id>/withdrawal/approve", methods=["POST"])
def approve_withdrawal(item_id: int) -> BaseResponse:
    found = load_or_deny(EvidenceItem, item_id, Permission.EVIDENCE_WITHDRAW_APPROVE, "evidence")
    if ConfirmForm().validate_on_submit():
        withdrawal.approve_withdrawal(current_user, found, blob_store())
        flash(_("The item was withdrawn: its keys are destroyed and only its record remains."),
              "success")
    return redirect(url_for("evidence.withdrawals"))


@bp.route("/evidence/<int:item_id>/renditions/<purpose>")
def rendition(item_id: int, purpose: str) -> BaseResponse:
    """A preview, shown inline: only images the sandbox re-encoded, never an original."""
    found = _load_item(item_id)
    chosen = next((r for r in found.renditions if r.purpose == purpose), None)
    if chosen is None or not chosen.media_type.startswith("image/"):
        deny("rendition", f"{item_id}/{purpose}")
    assert chosen is not None
    data = renditions.read_rendition(crypto_kit(), blob_store(), chosen)
    record_custody(found, CustodyAction.VIEWED, actor=current_user,
                   hash_before=chosen.sha256, details={"rendition": purpose})
    response = Response(data, mimetype=chosen.media_type)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/evidence/<int:item_id>/custody.jsonl")
def custody(item_id: int) -> BaseResponse:
    found = _load_item(item_id)
    events = custody_of(found)
    purposes = purposes_of(crypto_kit(), events)
    lines = [json.dumps({
        "seq": e.seq, "occurred_at": e.occurred_at.isoformat(), "action": e.action,
        "actor": e.actor_label, "role": e.actor_role, "purpose": purposes.get(e.id, ""),
        "hash_before": e.hash_before, "hash_after": e.hash_after, "details": e.details,
        "prev_hash": e.prev_hash, "row_hash": e.row_hash}, ensure_ascii=False)
        for e in events]
    response = Response("\n".join(lines) + "\n", mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="custody-{found.id}.jsonl"'
    return response
