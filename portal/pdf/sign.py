"""The portal's signing PKI and the PAdES B-LTA certification of a dossier PDF.

One PKI per instance, made once by `flask signing init` (see docs/verifying.md):

- an **offline root CA** (RSA-3072, 25 years). "Offline" means that nothing about it
  is served on a network: no OCSP responder, no CRL URL. Its only jobs are to issue
  the two certificates below and a CRL; the CRL is re-issued by the signing code
  when it is within `CRL_REFRESH` of its next update.
- the **document signing certificate** of the portal (RSA-3072, 10 years,
  id-kp-documentSigning). One for the portal, not one per reviewer: the signature's
  reason names the approving legal reviewer.
- an **RFC 3161 timestamp authority** (RSA-3072, 10 years, id-kp-timeStamping,
  critical) run in-process: `PortalTimeStamper` (timestamper.py) is pyHanko's own in-memory
  timestamper with the portal's policy OID (a UUID OID under 2.25). Its tokens are
  standard TimeStampResp/TSTInfo tokens, validated by pyHanko exactly like those of
  a public TSA. Chosen over `openssl ts` because it needs no key on disk in clear, no
  serial file and no child process; the price is the same for both: the time is the
  server's own clock, so it proves what the portal claimed, not what a third party
  saw (docs/verifying.md says so).

Files in the signing folder (0700; every file 0600): `root.pem`, `signer.pem`,
`tsa.pem` (certificates), `root.crl` (DER) and `root.key.enc`, `signer.key.enc`,
`tsa.key.enc`: PKCS#8 private keys sealed with AES-256-GCM under a key the caller
derives from INDEX_KEY with HKDF (never the master key, which rotates), with the file
name as associated data. The folder is written whole in a temporary sibling and
renamed, so a crash never leaves half a PKI. Keys never reach the database, git or a
backup (backups hold the database and the evidence store only).

`sign_pdf` certifies the PDF (DocMDP P=1, no changes allowed) with an invisible
signature (PDF/A: no appearance stream, no font), PAdES baseline with a signature
timestamp, the certificates and the CRL in the DSS, and a document timestamp:
PAdES B-LTA, which validates fully offline (FIELD-NOTES).

No Flask, no database: plain bytes and files (decision 0009). pyHanko and asn1crypto
are imported only when a PDF is signed, so that importing this module (the web layer,
`flask signing`) does not load them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from portal.crypto.envelope import derive_subkey

if TYPE_CHECKING:
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509

# HKDF purpose for the key that seals the private keys (derived from INDEX_KEY by the
# caller with portal.crypto.envelope.derive_subkey). It must never change.
WRAP_PURPOSE = "pdf-signing-keys"
KEY_BITS = 3072
ROOT_YEARS, LEAF_YEARS = 25, 10
CRL_VALIDITY = dt.timedelta(days=365)
CRL_REFRESH = dt.timedelta(days=30)
FIELD_NAME = "PS752Certification"
# RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# The portal TSA's policy: an OID derived from a fixed UUID (ITU-T X.667, arc 2.25).
TSA_POLICY = "2.25." + str(uuid.UUID("6f0b3c1e-5a52-4d1b-9c58-7520a2f0c752").int)

CERT_FILES = {"root": "root.pem", "signer": "signer.pem", "tsa": "tsa.pem"}
KEY_FILES = {"root": "root.key.enc", "signer": "signer.key.enc", "tsa": "tsa.key.enc"}
CRL_FILE = "root.crl"
_MAGIC = b"PS752-SIGNING-KEY-1\n"
_NONCE_BYTES = 12

# pyHanko warns on every signature that fetching is off: that is the point here.
logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)


class SigningUnavailable(RuntimeError):
    """No usable signing PKI (missing, incomplete, or sealed under another key). The
    message names the problem and never contains key material."""


@dataclass(frozen=True)
class SigningMaterial:
    root: x509.Certificate
    signer: x509.Certificate
    tsa: x509.Certificate
    crl: x509.CertificateRevocationList
    signer_key: rsa.RSAPrivateKey
    tsa_key: rsa.RSAPrivateKey
    root_key: rsa.RSAPrivateKey | None  # None when the root key was moved off the server

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

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


# -- creating and storing ------------------------------------------------------------------

def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _years(now: dt.datetime, years: int) -> dt.datetime:
    return now + dt.timedelta(days=365 * years + years // 4)


def _leaf(root_key: rsa.RSAPrivateKey, root: x509.Certificate, key: rsa.RSAPrivateKey,
          subject: x509.Name, usage: ObjectIdentifier, now: dt.datetime, *,
          non_repudiation: bool) -> x509.Certificate:
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(_years(now, LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True,
                                         content_commitment=non_repudiation,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]),
                           critical=usage == ExtendedKeyUsageOID.TIME_STAMPING)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))


def _issue_crl(root_key: rsa.RSAPrivateKey, root: x509.Certificate, now: dt.datetime,
               number: int) -> x509.CertificateRevocationList:
    """An empty CRL: nothing the root issued is revoked."""
    return (x509.CertificateRevocationListBuilder()
            .issuer_name(root.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))


def create_material(organisation: str, now: dt.datetime | None = None) -> SigningMaterial:
    """A new root, signing certificate, TSA certificate and CRL (in memory)."""
    now = now or dt.datetime.now(dt.UTC)
    root_key, signer_key, tsa_key = (rsa.generate_private_key(65537, KEY_BITS)
                                     for _ in range(3))
    subject = _name(organisation, f"{organisation} offline root CA")
    root = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(_years(now, ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    signer = _leaf(root_key, root, signer_key, _name(organisation, f"{organisation} dossiers"),
                   DOCUMENT_SIGNING, now, non_repudiation=True)
    tsa = _leaf(root_key, root, tsa_key, _name(organisation, f"{organisation} timestamps"),
                ExtendedKeyUsageOID.TIME_STAMPING, now, non_repudiation=False)
    return SigningMaterial(root=root, signer=signer, tsa=tsa,
                           crl=_issue_crl(root_key, root, now, 1), signer_key=signer_key,
                           tsa_key=tsa_key, root_key=root_key)


def _seal(wrap_key: bytes, name: str, key: rsa.RSAPrivateKey) -> bytes:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = os.urandom(_NONCE_BYTES)
    return _MAGIC + nonce + AESGCM(wrap_key).encrypt(nonce, der, _MAGIC + name.encode())


def _unseal(wrap_key: bytes, name: str, sealed: bytes) -> rsa.RSAPrivateKey:
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
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningUnavailable(f"{name} is not an RSA key")
    return key


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
    try:
        for role, cert in (("root", material.root), ("signer", material.signer),
                           ("tsa", material.tsa)):
            _write_private(staging / CERT_FILES[role],
                           cert.public_bytes(serialization.Encoding.PEM))
        _write_private(staging / CRL_FILE, material.crl.public_bytes(serialization.Encoding.DER))
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
        certs = {role: x509.load_pem_x509_certificate((folder / name).read_bytes())
                 for role, name in CERT_FILES.items()}
        crl = x509.load_der_x509_crl((folder / CRL_FILE).read_bytes())
        signer_key = _unseal(wrap_key, KEY_FILES["signer"],
                             (folder / KEY_FILES["signer"]).read_bytes())
        tsa_key = _unseal(wrap_key, KEY_FILES["tsa"], (folder / KEY_FILES["tsa"]).read_bytes())
        root_path = folder / KEY_FILES["root"]
        root_key = (_unseal(wrap_key, KEY_FILES["root"], root_path.read_bytes())
                    if root_path.is_file() else None)
    except (OSError, ValueError) as error:
        raise SigningUnavailable(
            f"the signing keys in {folder} are incomplete or unreadable "
            f"({type(error).__name__})") from None
    return SigningMaterial(root=certs["root"], signer=certs["signer"], tsa=certs["tsa"],
                           crl=crl, signer_key=signer_key, tsa_key=tsa_key, root_key=root_key)


def fresh_crl(folder: Path, material: SigningMaterial,
              now: dt.datetime | None = None) -> SigningMaterial:
    """`material` with a CRL valid for at least CRL_REFRESH more: re-issued (and stored)
    by the root when needed. Raises SigningUnavailable when the CRL is stale and the
    root key is not on this server."""
    now = now or dt.datetime.now(dt.UTC)
    if material.crl.next_update_utc and material.crl.next_update_utc - now > CRL_REFRESH:
        return material
    if material.root_key is None:
        raise SigningUnavailable("the root's CRL is out of date and the root key is not "
                                 "here: issue a new CRL with the offline root")
    number = material.crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    crl = _issue_crl(material.root_key, material.root, now, number + 1)
    staging = folder / f".{CRL_FILE}.new"
    staging.unlink(missing_ok=True)
    _write_private(staging, crl.public_bytes(serialization.Encoding.DER))
    os.replace(staging, folder / CRL_FILE)
    return replace(material, crl=crl)


# -- signing ---------------------------------------------------------------------------------

def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    from asn1crypto import keys as asn1_keys

    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def sign_pdf(pdf: bytes, material: SigningMaterial, *, reason: str,
             location: str | None = None) -> bytes:
    """Certify `pdf` (no changes allowed), invisibly, PAdES B-LTA. Returns the new file
    (the original bytes followed by incremental updates)."""
    # pyHanko only here: importing this module (web layer, CLI) must not load it.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import (
        DSSContentSettings,
        SigDSSPlacementPreference,
        TimestampDSSContentSettings,
    )
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from portal.pdf.timestamper import PortalTimeStamper

    root = _asn1_cert(material.root)
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(material.signer), signing_key=_asn1_key(material.signer_key),
        cert_registry=SimpleCertificateStore.from_certs([root]))  # type: ignore[no-untyped-call]
    timestamper = PortalTimeStamper(
        tsa_cert=_asn1_cert(material.tsa), tsa_key=_asn1_key(material.tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([root]))  # type: ignore[no-untyped-call]
    context = ValidationContext(
        trust_roots=[root], crls=[material.crl.public_bytes(serialization.Encoding.DER)],
        allow_fetching=False, revocation_mode="require")
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, reason=reason[:300], location=location, md_algorithm="sha256",
        certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES, embed_validation_info=True,
        use_pades_lta=True, validation_context=context,
        # Validation data goes into the revision of the document timestamp (no VRI, a
        # relic of old PAdES): the timestamp is then the last revision and covers
        # every byte, so a verifier can refuse anything appended after it.
        dss_settings=DSSContentSettings(
            include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS,
            next_ts_settings=TimestampDSSContentSettings(
                include_vri=False, update_before_ts=True)))
    # No box in the field spec: an invisible signature (no appearance, so no font).
    from portal.pdf.verify import run_coroutine  # pyHanko is loaded by now anyway

    output = io.BytesIO()
    pdf_signer = signers.PdfSigner(metadata, signer, timestamper=timestamper)
    run_coroutine(lambda: pdf_signer.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=output))
    return output.getvalue()


def wrap_key_from_index_key(index_key: bytes) -> bytes:
    """The AES-256 key that seals the private keys, from INDEX_KEY's raw bytes."""
    return derive_subkey(index_key, WRAP_PURPOSE)


def signing_folder(instance_path: str, configured: str | None) -> Path:
    """SIGNING_DIR, else <instance>/signing."""
    return Path(configured) if configured else Path(instance_path) / "signing"
