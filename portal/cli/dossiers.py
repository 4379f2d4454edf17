"""`flask dossier verify|review-key` (and `list|export`, portal/cli/dossier_export.py).

`verify` uses no database and no network: it runs portal/pdf/verify.py (the same file
a stranger runs without the portal, and every bundle carries) on a PDF and, optionally,
its evidence bundle. Given neither --trust nor --fingerprint, it trusts this
instance's own root (as the "Verify a dossier" page does), when there is one; its exit
status is the verifier's (0 verifies, 1 does not, 3 signed by a root not trusted).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.crypto.statements import public_key_b64
from portal.dependencies import crypto_kit

dossiers_cli = AppGroup("dossier", help="Dossiers: list, export, verify offline.")
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@dossiers_cli.command("verify")
@click.argument("pdf", type=FILE)
@click.argument("bundle", type=FILE, required=False)
@click.option("--trust", "--root", "root", type=FILE,
              help="The portal's root certificate to trust (PEM or DER); default: this "
              "instance's own root.")
@click.option("--fingerprint", help="The root's expected SHA-256 fingerprint.")
def verify(pdf: Path, bundle: Path | None, root: Path | None, fingerprint: str | None) -> None:
    """Check the signature, its modification level, the PDF/A declaration, the embedded
    manifest, the custody chains and the bundle of an exported dossier. Exits 0 when
    everything holds, 3 when it is intact but signed by a root not trusted, else 1."""
    # The verifier imports pyHanko, pikepdf and bagit: only when it runs, not in every
    # process that loads the CLI.
    from portal.pdf import verify as verifier

    verifier.quiet_libraries()
    if root is None and not fingerprint:
        root = _own_root()
    report = verifier.verify(pdf, bundle, root, fingerprint)
    for line in report.lines():
        click.echo(line)
    sys.exit(report.exit_code)


def _own_root() -> Path | None:
    """This instance's trust file (flask signing init), if it has one."""
    from portal.pdf.pki import CERT_FILES, signing_folder

    path = signing_folder(current_app.instance_path,
                          current_app.config.get("SIGNING_DIR")) / CERT_FILES["root"]
    return path if path.is_file() else None


@dossiers_cli.command("review-key")
def review_key() -> None:
    """Print the public key (Ed25519, base64) that checks the approval statements."""
    click.echo(public_key_b64(crypto_kit().review_signing_seed))
