"""Verify a dossier (legal reviewers): upload an exported PDF, and its evidence bundle
if at hand, and read the offline verifier's report, the same as
`flask dossier verify` prints.

The files are untrusted input. They arrive in anonymous memory files (never on disk:
portal/web/memory_uploads.py, with this page's own size limit), are sealed, and are
read by portal/pdf/verify.py in a limited child process (portal/pdf/verify_child.py:
time, memory, no file writes). The signature is checked against this portal's own
root certificate. Nothing of the files is kept; the audit log records who checked
which SHA-256 and the verdict.
"""

from __future__ import annotations

import hashlib
import os

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage

from portal.audit import AuditAction, Outcome, record_event
from portal.pdf.pki import CERT_FILES, signing_folder
from portal.pdf.verify_child import Limits, verify_isolated
from portal.web.dossiers import bp
from portal.web.forms import PortalForm
from portal.web.memory_uploads import MemoryPart, memory_upload_limit


class VerifyForm(PortalForm):
    pdf = FileField(_l("The dossier (PDF)"), validators=[FileRequired(_l("Choose the PDF."))])
    bundle = FileField(_l("Its evidence bundle (zip), if you have it"))


def _part(storage: object) -> MemoryPart | None:
    if isinstance(storage, FileStorage) and isinstance(storage.stream, MemoryPart):
        return storage.stream
    return None


def _sha256(part: MemoryPart) -> str:
    digest = hashlib.sha256()
    fd = part.fileno()
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


def _limits() -> Limits:
    config = current_app.config
    return Limits(max_memory_bytes=int(config["DOSSIER_VERIFY_MAX_MEMORY_BYTES"]),
                  max_seconds=int(config["DOSSIER_VERIFY_MAX_SECONDS"]))


@bp.route("/verify", methods=["GET", "POST"])
def verify() -> str:
    form = VerifyForm()
    outcome, hashes = None, {}
    if form.validate_on_submit():
        pdf, bundle = _part(form.pdf.data), _part(form.bundle.data)
        if pdf is None or pdf.size() == 0:
            form.pdf.errors = [_l("Choose the PDF.")]
        elif bundle is not None and bundle.size() == 0:
            form.bundle.errors = [_l("The bundle is empty.")]
        else:
            root = signing_folder(current_app.instance_path,
                                  current_app.config.get("SIGNING_DIR")) / CERT_FILES["root"]
            hashes = {"pdf": _sha256(pdf), "bundle": _sha256(bundle) if bundle else ""}
            outcome = verify_isolated(pdf.seal(), bundle.seal() if bundle else None,
                                      root if root.is_file() else None, _limits())
            record_event(AuditAction.DOSSIER_FILES_VERIFIED,
                         Outcome.SUCCESS if outcome.ok else Outcome.FAILURE,
                         actor=current_user, target_type="dossier_file",
                         details={"pdf_sha256": hashes["pdf"],
                                  "bundle_sha256": hashes["bundle"],
                                  "verified": outcome.ok, "problem": outcome.problem})
    return render_template("dossiers/verify.html", form=form, outcome=outcome, hashes=hashes,
                           max_upload=memory_upload_limit("dossiers.verify"))
