"""Command-line tools: the first admin, demo data (never outside development), the audit chain."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.cli.demo import DEMO_USERS
from portal.models import AuditEvent, Role, User, db
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.tampering import append_only_lifted

ADMIN_PASSPHRASE = "orchid lantern basalt comet meadow"
WEAK_PASSPHRASES = ("password12345678", "short words")  # long but guessable; too short
KNOWN_SECRETS.update({ADMIN_PASSPHRASE, *WEAK_PASSPHRASES})
KNOWN_SECRETS.update(user[3] for user in DEMO_USERS)


def create_admin(app: Flask, username: str, passphrase: str, display_name: str = "Roya Example"):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=[
        "users", "create-admin", "--username", username, "--display-name", display_name,
        "--passphrase", passphrase])


def users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def test_create_admin_makes_an_admin_without_a_second_factor_yet(app: Flask):
    result = create_admin(app, "roya.admin", ADMIN_PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "roya.admin" in result.output
    assert ADMIN_PASSPHRASE not in result.output
    with app.app_context():
        [admin] = users()
        assert admin.username == "roya.admin"
        assert admin.display_name == "Roya Example"
        assert admin.role is Role.ADMIN
        assert admin.is_active
        assert not admin.has_second_factor
        assert admin.totp_secret_sealed is None
        assert admin.passphrase_hash.startswith("$argon2id$")


def test_new_admin_must_set_up_a_second_factor_before_anything_else(
        app: Flask, client: BrowserClient):
    assert create_admin(app, "roya.admin", ADMIN_PASSPHRASE).exit_code == 0
    response = client.submit("/login", {"username": "roya.admin",
                                        "passphrase": ADMIN_PASSPHRASE})
    assert response.status_code == 302
    step = client.get(response.headers["Location"])
    assert step.status_code == 302
    assert step.headers["Location"] == "/account/second-factor"

    for path in ("/", "/account", "/account/sessions", "/account/passphrase", "/invitations",
                 "/invitations/new", "/admin/users", "/admin/audit", "/login/code"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/second-factor", path
    for path in ("/admin/users/1/role", "/invitations/new", "/account/recovery-codes"):
        response = client.post_form(path, {"role": "admin"},
                                    token_page="/account/second-factor")
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/second-factor", path
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    assert "Staff accounts must use a second factor" in page.get_data(as_text=True)


@pytest.mark.parametrize(("passphrase", "advice"), [
    (WEAK_PASSPHRASES[0], "too easy to guess"),
    (WEAK_PASSPHRASES[1], "at least 15 characters"),
])
def test_create_admin_refuses_a_weak_passphrase_with_advice(
        app: Flask, passphrase: str, advice: str):
    result = create_admin(app, "roya.admin", passphrase)
    assert result.exit_code != 0
    # A clean refusal that says why (click's "Error: ..."), not a crash.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error:" in result.output
    assert advice in result.output
    assert passphrase not in result.output
    with app.app_context():
        assert users() == []


def test_create_admin_refuses_a_taken_username(app: Flask):
    make_account(app, Role.FAMILY_MEMBER, username="roya.admin")
    result = create_admin(app, "Roya.Admin", ADMIN_PASSPHRASE)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "This username is taken" in result.output
    with app.app_context():
        [only] = users()
        assert only.role is Role.FAMILY_MEMBER


def test_demo_seed_is_refused_outside_development(app: Flask):
    assert app.config["ENV"] == "testing"
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "development" in result.output
    with app.app_context():
        assert users() == []


@pytest.mark.parametrize("env", ["production", "Development", ""])
def test_demo_seed_is_refused_for_any_other_environment_name(
        app: Flask, monkeypatch: pytest.MonkeyPatch, env: str):
    monkeypatch.setitem(app.config, "ENV", env)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    with app.app_context():
        assert users() == []


def test_demo_seed_creates_one_user_of_each_role_in_development(
        app: Flask, monkeypatch: pytest.MonkeyPatch, client: BrowserClient):
    monkeypatch.setitem(app.config, "ENV", "development")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        seeded = users()
        assert {u.role for u in seeded} == set(Role)
        assert len(seeded) == len(DEMO_USERS)
        for username, _, role, _, locale in DEMO_USERS:
            user = next(u for u in seeded if u.username == username)
            assert user.role is role
            assert user.locale == locale
            assert username in result.output
        # A draft dossier of the demo reports, whose consent covers its destination.
        from portal.models import Dossier
        draft, approved = db.session.scalars(select(Dossier).order_by(Dossier.number)).all()
        assert draft.status.value == "draft"
        assert len(draft.incidents) == 2
        assert_demo_dossier_is_ready_to_export(approved)
    # The printed family login works.
    family = next(u for u in DEMO_USERS if u[2] is Role.FAMILY_MEMBER)
    response = client.submit("/login", {"username": family[0], "passphrase": family[3]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_seeding_twice_does_not_duplicate_users(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "ENV", "development")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        first = {(u.id, u.username, u.passphrase_hash) for u in users()}
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert {(u.id, u.username, u.passphrase_hash) for u in users()} == first
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_USERS)


def test_audit_verify_passes_on_an_intact_chain_and_names_a_changed_row(app: Flask):
    assert create_admin(app, "roya.admin", ADMIN_PASSPHRASE).exit_code == 0
    make_account(app, Role.FAMILY_MEMBER)
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "intact: 2 events" in intact.output

    with app.app_context(), append_only_lifted(db.session):  # as the database's owner
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 1)
                           .values(actor_label="someone.else"))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "seq 1" in broken.output


def assert_demo_dossier_is_ready_to_export(dossier: object) -> None:
    """PS752-0002: approved by the demo legal reviewer for the content it has now,
    Persian reports, a photo and a PDF exhibit stored as uploads (encrypted, intact,
    received and stored in custody, previews made), no consent gap."""
    from portal.audit.custody import custody_of, verify_custody
    from portal.dependencies import blob_store, crypto_kit
    from portal.models import Dossier, DossierReview
    from portal.services.dossiers import assembly
    from portal.services.dossiers.export import export_refusal
    from portal.services.dossiers.naming import agency_namer
    from portal.services.evidence import open_original, verify_item
    from portal.services.incidents import load_content

    assert isinstance(dossier, Dossier)
    assert (dossier.number, dossier.status.value) == (2, "approved")
    assert export_refusal(dossier) is None
    review = db.session.scalars(select(DossierReview).where(
        DossierReview.dossier_id == dossier.id, DossierReview.decision == "approved")).one()
    assert review.reviewer.username == "reviewer"
    assert dossier.reviewer_id == review.reviewer_id
    document = assembly.assemble(crypto_kit(), dossier, assembly.CONFIDENTIAL,
                                 agency_namer(dossier.language))
    assert assembly.content_hash(document) == dossier.approved_content_hash
    kit = crypto_kit()
    narratives = [load_content(kit, entry.incident).narrative for entry in dossier.incidents]
    assert len(narratives) == 2
    for narrative in narratives:
        assert narrative.startswith("(نمونه)")
    kinds = sorted(e.evidence.detected_media_type for e in dossier.exhibits)
    assert kinds == ["application/pdf", "image/jpeg"]
    for exhibit in dossier.exhibits:
        item = exhibit.evidence
        assert not exhibit.withheld
        assert verify_item(kit, blob_store(), item) is None
        plaintext = b"".join(open_original(kit, blob_store(), item).iter_chunks())
        assert plaintext[:4] in (b"\xff\xd8\xff\xe0", b"%PDF")
        # Encrypted at rest: the stored blob is not the plaintext.
        stored = blob_store().path_of(item.blob_key).read_bytes()  # type: ignore[attr-defined]
        assert plaintext[:64] not in stored
        actions = [event.action for event in custody_of(item)]
        assert actions[:2] == ["received", "stored"]
        assert "rendition_created" in actions  # previews made at seed time
        assert verify_custody(kit, item) is None
