"""`flask dossier list|export`, on the demo data of `flask demo seed`: the approved
Persian dossier PS752-0002 is exported from the command line as its approving legal
reviewer, with the same checks, audit and custody events and file names as the page,
and the files written verify offline; anyone the page refuses (the policy's
DOSSIER_EXPORT), or an unapproved dossier, is refused with nothing written."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, CustodyEvent, DossierExport, Role, db
from portal.services.accounts import find_user, set_active
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.journeys import sign_in


@pytest.fixture(name="demo")
def seeded_demo(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setitem(app.config, "ENV", "development")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    return app


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["dossier", *args])


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def dossier_id(app: Flask, number: int) -> str:
    """The row id of PS752-<number> (ids are not reset between tests on PostgreSQL)."""
    from portal.models import Dossier

    with app.app_context():
        return str(db.session.scalars(select(Dossier.id).where(Dossier.number == number)).one())


def exports(app: Flask) -> list[DossierExport]:
    with app.app_context():
        return list(db.session.scalars(select(DossierExport)))


def test_list_prints_one_dossier_a_line_id_first(demo: Flask):
    result = cli(demo, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    first, second = (line.split("\t") for line in lines)
    assert first[:2] == [dossier_id(demo, 1), "draft"]
    assert first[3] == "PS752-0001-v1"
    assert second[:3] == [dossier_id(demo, 2), "approved",
                          "(Sample) Summonses before memorials (demo, approved)"]
    assert second[3] == "PS752-0002-v1"


def test_the_approving_reviewer_exports_the_demo_dossier_in_persian(
        demo: Flask, tmp_path: Path):
    out = tmp_path / "out"
    result = cli(demo, "export", dossier_id(demo, 2), "--variant", "confidential", "--lang", "fa",
                 "--out", str(out), "--as", "reviewer")
    assert result.exit_code == 0, result.output
    pdf = out / "PS752-0002-v1-confidential-fa.pdf"
    bundle = out / "PS752-0002-v1-confidential-fa-bundle.zip"
    assert sorted(p.name for p in out.iterdir()) == sorted([pdf.name, bundle.name])
    assert (pdf.stat().st_mode & 0o777) == 0o600
    with demo.app_context():
        [row] = db.session.scalars(select(DossierExport)).all()
        assert row.stage.value == "done"
        assert (row.variant, row.language, row.created_by.username) == (
            "confidential", "fa", "reviewer")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == row.pdf_sha256
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == row.bundle_sha256
    assert row.pdf_sha256 in result.output
    # The Persian rendering carries the Persian narratives.
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "نمونه" in text
    # Same audit and custody events as the page: asked for, exported, two downloads.
    actions = audit_actions(demo)
    assert actions.count("dossier.export_requested") == 1
    assert actions.count("dossier.exported") == 1
    assert actions.count("dossier.export_downloaded") == 2
    with demo.app_context():
        exported = db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.action == "exported")).all()
        assert len(exported) == 2  # the photo and the letter
        assert {e.actor_label for e in exported} == {"reviewer"}
    # The files verify offline, with the bundle and its two originals.
    verified = cli(demo, "verify", str(pdf), str(bundle))
    assert verified.exit_code == 0, verified.output
    assert "2 original(s) match the manifest" in verified.output


@pytest.mark.parametrize("username", ["advocate", "family", "admin", "nobody"])
def test_only_the_approving_legal_reviewer_may_export(
        demo: Flask, tmp_path: Path, username: str):
    out = tmp_path / "out"
    result = cli(demo, "export", dossier_id(demo, 2), "--variant", "public", "--out", str(out),
                 "--as", username)
    assert result.exit_code != 0
    assert "not the active legal reviewer who approved this dossier" in result.output
    assert not out.exists()
    assert exports(demo) == []
    assert "dossier.export_requested" not in audit_actions(demo)


def test_a_legal_reviewer_who_did_not_approve_is_refused_as_by_the_page(
        demo: Flask, client: BrowserClient, tmp_path: Path):
    other = make_account(demo, Role.LEGAL_REVIEWER)
    sign_in(client, other)
    assert client.get(f"/dossiers/{dossier_id(demo, 2)}/export").status_code == 404
    result = cli(demo, "export", dossier_id(demo, 2), "--variant", "public",
                 "--out", str(tmp_path / "o"),
                 "--as", other.username)
    assert result.exit_code != 0
    assert "not the active legal reviewer" in result.output
    assert exports(demo) == []


def test_the_approving_reviewer_is_refused_once_deactivated(demo: Flask, tmp_path: Path):
    with demo.app_context():
        admin, reviewer = find_user("admin"), find_user("reviewer")
        assert admin is not None
        assert reviewer is not None
        set_active(admin, reviewer, False)
        db.session.commit()
    result = cli(demo, "export", dossier_id(demo, 2), "--variant", "public",
                 "--out", str(tmp_path / "o"), "--as", "reviewer")
    assert result.exit_code != 0
    assert "not the active legal reviewer" in result.output
    assert exports(demo) == []
    assert "dossier.export_requested" not in audit_actions(demo)


def test_a_draft_dossier_is_refused_with_the_pages_reason(demo: Flask, tmp_path: Path):
    result = cli(demo, "export", dossier_id(demo, 1), "--variant", "confidential",
                 "--out", str(tmp_path),
                 "--as", "reviewer")
    assert result.exit_code != 0
    assert "Only an approved dossier can be exported." in result.output
    assert exports(demo) == []
    missing = cli(demo, "export", "99999", "--variant", "confidential", "--out", str(tmp_path),
                  "--as", "reviewer")
    assert missing.exit_code != 0
    assert "no dossier 99999" in missing.output


def test_a_consent_withdrawn_after_approval_refuses_the_export(demo: Flask, tmp_path: Path):
    from portal.models import Dossier
    from portal.services.consent import withdraw_consent

    with demo.app_context():
        dossier = db.session.scalars(select(Dossier).where(Dossier.number == 2)).one()
        member = find_user("family")
        assert member is not None
        withdraw_consent(member, dossier.incidents[0].incident)
        db.session.commit()
    result = cli(demo, "export", dossier_id(demo, 2), "--variant", "public",
                 "--out", str(tmp_path / "o"),
                 "--as", "reviewer")
    assert result.exit_code != 0
    assert "Consent is missing or was withdrawn" in result.output
    assert exports(demo) == []
