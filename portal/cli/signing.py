"""`flask signing init|import-p12|status|crl`: the portal's signing PKI (portal/pdf/pki*.py).

`init` makes the offline root, the document signing certificate, the timestamp
authority and the root's CRL once per instance, in SIGNING_DIR (default
instance/signing; 0700, files 0600), the private keys sealed under a key derived
from INDEX_KEY. It never overwrites an existing PKI. `status` prints the root's
fingerprint: publish it (docs/verifying.md) so that anyone can check a dossier.
`import-p12` stores a signing certificate from a real CA instead, in the same layout,
with a self-signed certificate for the portal's timestamp authority (a second
fingerprint to publish). The PKCS#12 password is read from a file or prompted for,
never taken from the command line, and never printed.
`renew-signer` issues a new document signing certificate (and key) under the same
root, with the usages this version gives it (pki_issue.SIGNER_USAGES: an installation
made before decision 0019 has a signer that poppler's pdfsig does not approve); the
root's fingerprint does not change, and dossiers signed before still verify.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.crypto.kit import decode_index_key
from portal.pdf import pki, pki_import, pki_issue

signing_cli = AppGroup("signing", help="The signing keys of exported dossiers.")


def signing_location(app: Flask) -> tuple[Path, bytes]:
    """(folder, key that seals the private keys) of this instance."""
    folder = pki.signing_folder(app.instance_path, app.config.get("SIGNING_DIR"))
    return folder, pki.wrap_key_from_index_key(decode_index_key(app.config["INDEX_KEY"]))


def ensure_signing(app: Flask) -> tuple[bool, pki.SigningMaterial]:
    """Create the PKI unless it exists; (created, material)."""
    folder, wrap_key = signing_location(app)
    if (folder / pki.CERT_FILES["root"]).exists():
        return False, pki.load_material(folder, wrap_key)
    organisation = str(app.config.get("PORTAL_NAME") or "PS752 case portal")
    material = pki_issue.create_material(organisation)
    pki.save_material(folder, material, wrap_key)
    return True, material


@signing_cli.command("init")
@click.option("--if-missing", is_flag=True, help="Succeed quietly when it exists already.")
def init(if_missing: bool) -> None:
    """Create the root CA, signing certificate, timestamp authority and CRL."""
    folder, _ = signing_location(current_app)
    if (folder / pki.CERT_FILES["root"]).exists() and not if_missing:
        click.echo(f"{folder} already holds a signing PKI: nothing was changed "
                   "(`flask signing status` shows it).", err=True)
        sys.exit(1)
    try:
        created, material = ensure_signing(current_app)
    except pki.SigningUnavailable as error:
        click.echo(f"signing keys unusable: {error}", err=True)
        sys.exit(1)
    state = "created" if created else "already present, left unchanged"
    click.echo(f"{folder}: {state}")
    click.echo(f"root certificate: {folder / pki.CERT_FILES['root']}")
    click.echo(f"root SHA-256 fingerprint: {pki.grouped(material.root_fingerprint)}")
    _warn_old_signer(material)


def _warn_old_signer(material: pki.SigningMaterial) -> None:
    if pki_issue.signer_lacks_usages(material):
        click.echo("the signing certificate lacks the key usages other tools expect "
                   "(pdfsig reports an unknown certificate issue): run "
                   "`flask signing renew-signer` (same root, same fingerprint)", err=True)


@signing_cli.command("renew-signer")
def renew_signer() -> None:
    """Issue a new document signing certificate and key under the same root."""
    folder, wrap_key = signing_location(current_app)
    organisation = str(current_app.config.get("PORTAL_NAME") or "PS752 case portal")
    try:
        material = pki_issue.renew_signer(pki.load_material(folder, wrap_key), organisation)
        pki.store_signer(folder, material, wrap_key)
    except pki.SigningUnavailable as error:
        click.echo(f"no new signing certificate: {error}", err=True)
        sys.exit(1)
    click.echo(f"new signing certificate: {material.signer.subject.rfc4514_string()}, valid "
               f"to {material.signer.not_valid_after_utc:%Y-%m-%d} (the old one is kept "
               f"as {pki.CERT_FILES['signer']}.previous)")
    click.echo(f"root SHA-256 fingerprint (unchanged): "
               f"{pki.grouped(material.root_fingerprint)}")


def _read_password(path: Path | None) -> bytes | None:
    if path is not None:
        text = path.read_bytes().rstrip(b"\r\n")
    else:
        text = click.prompt("PKCS#12 password", hide_input=True, default="",
                            show_default=False, err=True).encode()
    return text or None


@signing_cli.command("import-p12")
@click.argument("p12", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--crl", "crls", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The CA's current CRL (DER or PEM); once per CA of the chain.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the PKCS#12 password from this file (else it is prompted for).")
def import_p12(p12: Path, crls: tuple[Path, ...], password_file: Path | None) -> None:
    """Use a signing certificate from a real CA (PKCS#12 with its chain) and its CRL."""
    folder, wrap_key = signing_location(current_app)
    if (folder / pki.CERT_FILES["root"]).exists() or folder.exists():
        click.echo(f"{folder} already holds a signing PKI: nothing was changed "
                   "(`flask signing status` shows it).", err=True)
        sys.exit(1)
    password = _read_password(password_file)
    organisation = str(current_app.config.get("PORTAL_NAME") or "PS752 case portal")
    try:
        material = pki_import.import_pkcs12(p12.read_bytes(), password,
                                            [path.read_bytes() for path in crls], organisation)
        pki.save_material(folder, material, wrap_key)
    except pki_import.ImportRefused as error:
        click.echo(f"not imported, nothing was written: {error}", err=True)
        sys.exit(1)
    except FileExistsError:
        click.echo(f"{folder} already holds a signing PKI: nothing was changed.", err=True)
        sys.exit(1)
    click.echo(f"{folder}: imported {material.signer.subject.rfc4514_string()}")
    click.echo(f"root certificate: {folder / pki.CERT_FILES['root']}")
    _print_fingerprints(material)


def _print_fingerprints(material: pki.SigningMaterial) -> None:
    click.echo(f"root SHA-256 fingerprint: {pki.grouped(material.root_fingerprint)}")
    if material.tsa_anchor is not None:
        click.echo("timestamp authority SHA-256 fingerprint (self-signed, publish it too): "
                   + pki.grouped(pki.fingerprint(material.tsa_anchor)))


@signing_cli.command("status")
def status() -> None:
    """Print the root's fingerprint, the certificates' validity and the CRL's."""
    folder, wrap_key = signing_location(current_app)
    try:
        material = pki.load_material(folder, wrap_key)
    except pki.SigningUnavailable as error:
        click.echo(f"no usable signing keys: {error}", err=True)
        sys.exit(1)
    click.echo(f"folder: {folder}")
    _print_fingerprints(material)
    for label, cert in (("root", material.root),
                        *(("intermediate", cert) for cert in material.chain),
                        ("signer", material.signer), ("timestamps", material.tsa)):
        click.echo(f"{label}: {cert.subject.rfc4514_string()}, valid "
                   f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}")
    next_update = material.crl.next_update_utc
    click.echo(f"CRL: issued {material.crl.last_update_utc:%Y-%m-%d}, next update "
               f"{next_update:%Y-%m-%d}" if next_update else "CRL: no next update")
    click.echo("root key: " + ("on this server (sealed)" if material.root_key is not None
                               else "imported from a CA: not ours" if material.tsa_anchor
                               else "not on this server"))
    _warn_old_signer(material)


@signing_cli.command("crl")
@click.option("--file", "files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Imported PKI: install this newer CRL from the CA (DER or PEM).")
def crl(files: tuple[Path, ...]) -> None:
    """Re-issue the root's CRL now if it is within 30 days of its next update (or, for
    an imported certificate, install the CA's newer CRL given with --file)."""
    folder, wrap_key = signing_location(current_app)
    try:
        material = pki.load_material(folder, wrap_key)
        if files:
            material = pki_import.install_crls(folder, material,
                                               [path.read_bytes() for path in files])
        material = pki_issue.fresh_crl(folder, material)
    except (pki.SigningUnavailable, pki_import.ImportRefused) as error:
        click.echo(f"CRL not issued: {error}", err=True)
        sys.exit(1)
    click.echo(f"CRL valid until {material.crl.next_update_utc:%Y-%m-%d}")
