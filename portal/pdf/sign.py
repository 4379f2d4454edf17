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

An organisation whose signing certificate comes from a real CA imports it instead
(`flask signing import-p12`, `import_pkcs12` below): its key and certificate, the chain
up to the CA's self-signed root (intermediates in `chain`) and the CA's CRLs. The root
key is then not ours, so the portal's TSA gets a **self-signed** certificate of its own
(RSA-3072, 10 years, id-kp-timeStamping critical), a second trust anchor used for
timestamps only: `root.pem`, the trust file the bundle ships, then holds the CA's root
followed by it, and both fingerprints are published. A self-signed anchor needs no CRL,
so no second PKI has to be kept.

Files in the signing folder (0700; every file 0600): `root.pem`, `signer.pem`,
`tsa.pem` (certificates), `root.crl` (DER) and `root.key.enc`, `signer.key.enc`,
`tsa.key.enc` (no `root.key.enc` when imported; `chain.pem` and `chain-crls.pem` when
the CA has intermediates): PKCS#8 private keys sealed with AES-256-GCM under a key the caller
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
import itertools
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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
CRL_FILE = "root.crl"  # the CRL of the signer's issuer (the root unless imported)
CHAIN_FILE = "chain.pem"  # imported intermediates, the signer's issuer first
CHAIN_CRLS_FILE = "chain-crls.pem"  # the CRLs covering those intermediates
MAX_CHAIN = 5
_MAGIC = b"PS752-SIGNING-KEY-1\n"
_NONCE_BYTES = 12

# pyHanko warns on every signature that fetching is off: that is the point here.
logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)


SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningUnavailable(RuntimeError):
    """No usable signing PKI (missing, incomplete, or sealed under another key). The
    message names the problem and never contains key material."""


class ImportRefused(ValueError):
    """A PKCS#12 (or CRL) that cannot serve as the portal's signing identity; the
    message says why and never contains key material or the password."""


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
    return SigningMaterial(root=certs["root"], signer=certs["signer"], tsa=certs["tsa"],
                           crl=crl, signer_key=signer_key, tsa_key=tsa_key, root_key=root_key,
                           chain=chain, chain_crls=chain_crls)


def fresh_crl(folder: Path, material: SigningMaterial,
              now: dt.datetime | None = None) -> SigningMaterial:
    """`material` with a CRL valid for at least CRL_REFRESH more: re-issued (and stored)
    by the root when needed. Raises SigningUnavailable when the CRL is stale and the
    root key is not on this server."""
    now = now or dt.datetime.now(dt.UTC)
    if material.tsa_anchor is not None:  # imported: the CA issues the CRLs, not us
        for crl in (material.crl, *material.chain_crls):
            if crl.next_update_utc is not None and crl.next_update_utc <= now:
                raise SigningUnavailable(
                    f"the CRL of {crl.issuer.rfc4514_string()} expired on "
                    f"{crl.next_update_utc:%Y-%m-%d}: get a new one from the CA")
        return material
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


# -- importing a certificate from a real CA ------------------------------------------------

def _who(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()[:120] or "(no subject)"


def _check_valid_now(cert: x509.Certificate, what: str, now: dt.datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ImportRefused(
            f"the {what} certificate ({_who(cert)}) is not valid now: valid from "
            f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _chain_to_root(signer: x509.Certificate, others: list[x509.Certificate],
                   now: dt.datetime) -> list[x509.Certificate]:
    """[issuer of the signer, ..., self-signed root], each a valid CA now."""
    chain: list[x509.Certificate] = []
    current = signer
    while not (chain and _issued_by(current, current)):
        if len(chain) > MAX_CHAIN:
            raise ImportRefused("the certificate chain is longer than "
                                f"{MAX_CHAIN} certificates")
        issuer = next((c for c in others if _issued_by(current, c)), None)
        if issuer is None:
            raise ImportRefused(
                f"the PKCS#12 does not hold the certificate that issued {_who(current)}: "
                "export it with the whole chain up to the CA's self-signed root")
        try:
            is_ca = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ImportRefused(f"{_who(issuer)} is not a certificate authority")
        _check_valid_now(issuer, "CA", now)
        chain.append(issuer)
        current = issuer
    return chain


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise ImportRefused("a file given with --crl is not a CRL (DER or PEM)") from None


def _crl_for(cert: x509.Certificate, issuer: x509.Certificate,
             crls: list[x509.CertificateRevocationList],
             now: dt.datetime) -> x509.CertificateRevocationList:
    issuer_key = issuer.public_key()
    if not isinstance(issuer_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ImportRefused(f"{_who(issuer)} has neither an RSA nor an EC key")
    for crl in crls:
        if crl.issuer == issuer.subject and crl.is_signature_valid(issuer_key):
            if crl.next_update_utc is not None and crl.next_update_utc <= now:
                raise ImportRefused(f"the CRL of {_who(issuer)} expired on "
                                    f"{crl.next_update_utc:%Y-%m-%d}: get a current one")
            if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
                raise ImportRefused(f"{_who(cert)} is revoked by its CA's CRL")
            return crl
    raise ImportRefused(f"no CRL signed by {_who(issuer)} was given: download the CA's "
                        "current CRL and give it with --crl")


def _self_signed_tsa(organisation: str, key: rsa.RSAPrivateKey,
                     now: dt.datetime) -> x509.Certificate:
    """The TSA's own trust anchor, for a PKI whose root key is not ours."""
    subject = _name(organisation, f"{organisation} timestamps (self-signed)")
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(_years(now, LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))


def import_pkcs12(p12: bytes, password: bytes | None, crls: list[bytes], organisation: str,
                  now: dt.datetime | None = None) -> SigningMaterial:
    """The signing identity of a PKCS#12 from a real CA, checked, with a new TSA key and
    its self-signed certificate (in memory). Raises ImportRefused, saying why."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    now = now or dt.datetime.now(dt.UTC)
    try:
        key, signer, others = pkcs12.load_key_and_certificates(p12, password)
    except (ValueError, TypeError):
        raise ImportRefused("the PKCS#12 cannot be opened: wrong password, or not a "
                            "PKCS#12 file") from None
    if key is None or signer is None:
        raise ImportRefused("the PKCS#12 holds no private key with its certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ImportRefused("the private key is neither RSA nor EC")
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, pub)
            != signer.public_key().public_bytes(serialization.Encoding.DER, pub)):
        raise ImportRefused("the private key does not belong to the certificate")
    try:
        usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise ImportRefused(f"the certificate ({_who(signer)}) is not for signing: its key "
                            "usage has neither digitalSignature nor nonRepudiation")
    _check_valid_now(signer, "signing", now)
    chain = _chain_to_root(signer, list(others), now)
    if not crls:
        raise ImportRefused("no CRL given: download the CA's current CRL and give it "
                            "with --crl")
    loaded = [_load_crl(data) for data in crls]
    subjects = [signer, *chain]
    covering = [_crl_for(cert, issuer, loaded, now)
                for cert, issuer in itertools.pairwise(subjects)]
    tsa_key = rsa.generate_private_key(65537, KEY_BITS)
    return SigningMaterial(root=chain[-1], signer=signer,
                           tsa=_self_signed_tsa(organisation, tsa_key, now),
                           crl=covering[0], signer_key=key, tsa_key=tsa_key, root_key=None,
                           chain=tuple(chain[:-1]), chain_crls=tuple(covering[1:]))


def install_crls(folder: Path, material: SigningMaterial, crls: list[bytes],
                 now: dt.datetime | None = None) -> SigningMaterial:
    """Store newer CRLs from the CA of an imported PKI (each replaces the one of the same
    issuer, checked like at import). Raises ImportRefused, writing nothing."""
    now = now or dt.datetime.now(dt.UTC)
    if material.tsa_anchor is None:
        raise ImportRefused("this PKI's root is the portal's own: it issues its CRL itself")
    cas = [*material.chain, material.root]
    subjects = [material.signer, *material.chain]
    current = [material.crl, *material.chain_crls]
    loaded = [_load_crl(data) for data in crls]
    if not any(crl.issuer == ca.subject for crl in loaded for ca in cas):
        raise ImportRefused("none of the CRLs given was issued by this PKI's CA")
    updated = []
    for cert, issuer, old in zip(subjects, cas, current, strict=True):
        mine = [crl for crl in loaded if crl.issuer == issuer.subject]
        new = _crl_for(cert, issuer, mine, now) if mine else old
        if new.last_update_utc < old.last_update_utc:
            raise ImportRefused(f"the CRL given for {_who(issuer)} is older than the "
                                "one in use")
        updated.append(new)
    pem = serialization.Encoding.PEM
    files = {CRL_FILE: updated[0].public_bytes(serialization.Encoding.DER)}
    if material.chain:
        files[CHAIN_CRLS_FILE] = b"".join(crl.public_bytes(pem) for crl in updated[1:])
    for name, data in files.items():
        staging = folder / f".{name}.new"
        staging.unlink(missing_ok=True)
        _write_private(staging, data)
    for name in files:
        os.replace(folder / f".{name}.new", folder / name)
    return replace(material, crl=updated[0], chain_crls=tuple(updated[1:]))


# -- signing ---------------------------------------------------------------------------------

def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: SigningKey) -> asn1_keys.PrivateKeyInfo:
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
    chain = [root, *(_asn1_cert(cert) for cert in material.chain)]
    # The TSA's own self-signed anchor (imported PKI) embeds nothing but itself.
    tsa_chain = [root] if material.tsa_anchor is None else []
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(material.signer), signing_key=_asn1_key(material.signer_key),
        cert_registry=SimpleCertificateStore.from_certs(chain))  # type: ignore[no-untyped-call]
    timestamper = PortalTimeStamper(
        tsa_cert=_asn1_cert(material.tsa), tsa_key=_asn1_key(material.tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            tsa_chain))
    anchors = [root] if material.tsa_anchor is None else [root, _asn1_cert(material.tsa)]
    context = ValidationContext(
        trust_roots=anchors, allow_fetching=False, revocation_mode="require",
        crls=[crl.public_bytes(serialization.Encoding.DER)
              for crl in (material.crl, *material.chain_crls)])
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
