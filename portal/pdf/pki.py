"""The portal's signing PKI: what it holds, where it is kept, how its keys are sealed.

One PKI per instance (see docs/verifying.md), made once by `flask signing init`
(`pki_issue.create_material`: an offline root CA, the portal's document signing
certificate, its RFC 3161 timestamp authority and the root's CRL) or imported from a
real CA by `flask signing import-p12` (`pki_import.import_pkcs12`). `sign.sign_pdf`
signs with the `SigningMaterial` that `load_material` reads back.

Files in the signing folder (0700; every file 0600): `root.pem`, `signer.pem`,
`tsa.pem` (certificates), `root.crl` (DER) and `root.key.enc`, `signer.key.enc`,
`tsa.key.enc` (no `root.key.enc` when imported; `chain.pem` and `chain-crls.pem` when
the CA has intermediates): PKCS#8 private keys sealed with AES-256-GCM under a key the
caller derives from INDEX_KEY with HKDF (never the master key, which rotates), with the
file name as associated data, so a key file moved to another role's name does not
open. The folder is written whole in a temporary sibling and renamed, so a crash never
leaves half a PKI. Keys never reach the database, git or a backup (backups hold the
database and the evidence store only).

No Flask, no database, no PDF library: plain bytes and files (decision 0009).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.crypto.envelope import derive_subkey

# HKDF purpose for the key that seals the private keys (derived from INDEX_KEY by the
# caller with portal.crypto.envelope.derive_subkey). It must never change.
WRAP_PURPOSE = "pdf-signing-keys"

CERT_FILES = {"root": "root.pem", "signer": "signer.pem", "tsa": "tsa.pem"}
KEY_FILES = {"root": "root.key.enc", "signer": "signer.key.enc", "tsa": "tsa.key.enc"}
CRL_FILE = "root.crl"  # the CRL of the signer's issuer (the root unless imported)
CHAIN_FILE = "chain.pem"  # imported intermediates, the signer's issuer first
CHAIN_CRLS_FILE = "chain-crls.pem"  # the CRLs covering those intermediates
_MAGIC = b"PS752-SIGNING-KEY-1\n"
_NONCE_BYTES = 12


SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningUnavailable(RuntimeError):
    """No usable signing PKI (missing, incomplete, or sealed under another key). The
    message names the problem and never contains key material."""


@dataclass(frozen=True)
class SigningMaterial:
    root: x509.Certificate
    signer: x509.Certificate
    tsa: x509.Certificate
    crl: x509.CertificateRevocationList  # issued by the signer's issuer
    signer_key: SigningKey
    tsa_key: rsa.RSAPrivateKey
    root_key: rsa.RSAPrivateKey | None  # None when moved off the server, or imported
    chain: tuple[x509.Certificate, ...] = ()  # imported intermediates, issuer first
    chain_crls: tuple[x509.CertificateRevocationList, ...] = ()  # covering `chain`

    @property
    def tsa_anchor(self) -> x509.Certificate | None:
        """The TSA's self-signed certificate (imported PKI): a trust anchor of its own."""
        return self.tsa if self.tsa.issuer == self.tsa.subject else None

    @property
    def root_pem(self) -> bytes:
        """The trust file: the root, then the TSA's own anchor when there is one."""
        anchors = [self.root] + ([self.tsa_anchor] if self.tsa_anchor is not None else [])
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in anchors)

    @property
    def root_fingerprint(self) -> str:
        return fingerprint(self.root)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate (DER), in lowercase hex: what people compare."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def grouped(hex_text: str) -> str:
    """`ab12cd34...` as `AB12 CD34 ...`: easier to read aloud and compare."""
    upper = hex_text.upper()
    return " ".join(upper[i:i + 4] for i in range(0, len(upper), 4))


def wrap_key_from_index_key(index_key: bytes) -> bytes:
    """The AES-256 key that seals the private keys, from INDEX_KEY's raw bytes."""
    return derive_subkey(index_key, WRAP_PURPOSE)


def signing_folder(instance_path: str, configured: str | None) -> Path:
    """SIGNING_DIR, else <instance>/signing."""
    return Path(configured) if configured else Path(instance_path) / "signing"


# -- sealing the private keys ----------------------------------------------------------------

def _seal(wrap_key: bytes, name: str, key: SigningKey) -> bytes:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = os.urandom(_NONCE_BYTES)
    return _MAGIC + nonce + AESGCM(wrap_key).encrypt(nonce, der, _MAGIC + name.encode())


def _unseal(wrap_key: bytes, name: str, sealed: bytes) -> SigningKey:
    if not sealed.startswith(_MAGIC):
        raise SigningUnavailable(f"{name} is not a sealed signing key")
    body = sealed[len(_MAGIC):]
    try:
        der = AESGCM(wrap_key).decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:],
                                       _MAGIC + name.encode())
    except InvalidTag:
        raise SigningUnavailable(
            f"{name} cannot be opened with this instance's INDEX_KEY") from None
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise SigningUnavailable(f"{name} is not an RSA or EC key")
    return key


def _unseal_rsa(wrap_key: bytes, name: str, sealed: bytes) -> rsa.RSAPrivateKey:
    key = _unseal(wrap_key, name, sealed)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningUnavailable(f"{name} is not an RSA key")
    return key


# -- the signing folder ----------------------------------------------------------------------

def _pem_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    marker = b"-----END X509 CRL-----"
    return [x509.load_pem_x509_crl(block + marker) for block in data.split(marker)
            if block.strip()]


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def save_material(folder: Path, material: SigningMaterial, wrap_key: bytes) -> None:
    """Write the PKI into `folder`, which must not exist yet: first into a private
    temporary sibling, then one rename. Raises FileExistsError."""
    if folder.exists():
        raise FileExistsError(str(folder))
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".signing-", dir=folder.parent))  # 0700
    pem = serialization.Encoding.PEM
    try:
        _write_private(staging / CERT_FILES["root"], material.root_pem)  # the trust file
        for role, cert in (("signer", material.signer), ("tsa", material.tsa)):
            _write_private(staging / CERT_FILES[role], cert.public_bytes(pem))
        _write_private(staging / CRL_FILE, material.crl.public_bytes(serialization.Encoding.DER))
        if material.chain:
            _write_private(staging / CHAIN_FILE,
                           b"".join(c.public_bytes(pem) for c in material.chain))
            _write_private(staging / CHAIN_CRLS_FILE,
                           b"".join(c.public_bytes(pem) for c in material.chain_crls))
        for role, key in (("root", material.root_key), ("signer", material.signer_key),
                          ("tsa", material.tsa_key)):
            if key is not None:
                _write_private(staging / KEY_FILES[role], _seal(wrap_key, KEY_FILES[role], key))
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    folder.chmod(0o700)


def load_material(folder: Path, wrap_key: bytes) -> SigningMaterial:
    """Read the PKI; raises SigningUnavailable when it is missing or unusable."""
    if not (folder / CERT_FILES["root"]).is_file():
        raise SigningUnavailable(f"no signing keys in {folder}: run `flask signing init`")
    try:
        # root.pem is the trust file: the root first (then the TSA's own anchor).
        certs = {role: x509.load_pem_x509_certificates((folder / name).read_bytes())[0]
                 for role, name in CERT_FILES.items()}
        crl = x509.load_der_x509_crl((folder / CRL_FILE).read_bytes())
        chain_path = folder / CHAIN_FILE
        chain = (tuple(x509.load_pem_x509_certificates(chain_path.read_bytes()))
                 if chain_path.is_file() else ())
        chain_crls = (tuple(_pem_crls((folder / CHAIN_CRLS_FILE).read_bytes()))
                      if chain else ())
        signer_key = _unseal(wrap_key, KEY_FILES["signer"],
                             (folder / KEY_FILES["signer"]).read_bytes())
        tsa_key = _unseal_rsa(wrap_key, KEY_FILES["tsa"],
                              (folder / KEY_FILES["tsa"]).read_bytes())
        root_path = folder / KEY_FILES["root"]
        root_key = (_unseal_rsa(wrap_key, KEY_FILES["root"], root_path.read_bytes())
                    if root_path.is_file() else None)
    except (OSError, ValueError) as error:
        raise SigningUnavailable(
            f"the signing keys in {folder} are incomplete or unreadable "
            f"({type(error).__name__})") from None
    if _public_der(signer_key.public_key()) != _public_der(certs["signer"].public_key()):
        raise SigningUnavailable(f"{KEY_FILES['signer']} is not the key of "
                                 f"{CERT_FILES['signer']}: run `flask signing renew-signer`")
    return SigningMaterial(root=certs["root"], signer=certs["signer"], tsa=certs["tsa"],
                           crl=crl, signer_key=signer_key, tsa_key=tsa_key, root_key=root_key,
                           chain=chain, chain_crls=chain_crls)


def _public_der(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""  # a signer certificate with another kind of key matches no key of ours
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def store_signer(folder: Path, material: SigningMaterial, wrap_key: bytes) -> None:
    """Replace the stored signing key and certificate by those of `material` (a new
    signer, `pki_issue.renew_signer`): each written whole (0600) beside its file, then
    renamed over it, the key first. A crash between the two renames leaves a key that
    `load_material` refuses as not the certificate's: running the renewal again mends
    it. The old certificate is kept as `signer.pem.previous` (for the record: the
    dossiers it signed carry it); its key is gone, as nothing may sign with it again."""
    files = {KEY_FILES["signer"]: _seal(wrap_key, KEY_FILES["signer"], material.signer_key),
             CERT_FILES["signer"]: material.signer.public_bytes(serialization.Encoding.PEM)}
    for name, data in files.items():
        staging = folder / f".{name}.new"
        staging.unlink(missing_ok=True)
        _write_private(staging, data)
    previous = folder / f"{CERT_FILES['signer']}.previous"
    previous.unlink(missing_ok=True)
    os.link(folder / CERT_FILES["signer"], previous)
    for name in files:
        os.replace(folder / f".{name}.new", folder / name)


def store_crls(folder: Path, material: SigningMaterial) -> None:
    """Replace the stored CRLs by those of `material`: each written whole (0600) beside
    its file, then renamed over it, so a crash leaves the old CRL or the new one."""
    pem = serialization.Encoding.PEM
    files = {CRL_FILE: material.crl.public_bytes(serialization.Encoding.DER)}
    if material.chain:
        files[CHAIN_CRLS_FILE] = b"".join(crl.public_bytes(pem) for crl in material.chain_crls)
    for name, data in files.items():
        staging = folder / f".{name}.new"
        staging.unlink(missing_ok=True)
        _write_private(staging, data)
    for name in files:
        os.replace(folder / f".{name}.new", folder / name)
