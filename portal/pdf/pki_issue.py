"""The certificates and CRLs the portal issues itself (`flask signing init`, `crl`).

- an **offline root CA** (RSA-3072, 25 years). "Offline" means that nothing about it
  is served on a network: no OCSP responder, no CRL URL. Its only jobs are to issue
  the two certificates below and a CRL; `fresh_crl` re-issues the CRL when it is
  within `CRL_REFRESH` of its next update.
- the **document signing certificate** of the portal (RSA-3072, 10 years; key usage
  digitalSignature and nonRepudiation, critical; extended key usage id-kp-documentSigning
  (RFC 9336) and id-kp-emailProtection: `SIGNER_USAGES`). One for the portal, not one
  per reviewer: the signature's reason names the approving legal reviewer.
  emailProtection is what other tools look for: NSS (poppler's `pdfsig`, and so the
  readers built on poppler) validates a PDF signer as certificateUsageEmailSigner and
  calls a certificate whose only EKU is documentSigning "not approved" (decision 0019);
  Adobe lists emailProtection among the EKUs it accepts for signing. `renew_signer`
  issues a new one under the same root for an installation made before.
- an **RFC 3161 timestamp authority** (RSA-3072, 10 years, id-kp-timeStamping,
  critical), run in-process by `sign.sign_pdf` (timestamper.py says why in-process).
  When the signing certificate is imported from a real CA (pki_import.py), the root
  key is not ours, so the TSA gets a **self-signed** certificate instead
  (`self_signed_tsa`): a second trust anchor, for timestamps only. A self-signed
  anchor needs no CRL, so no second PKI has to be kept.

Everything here is made in memory; pki.py stores it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from portal.pdf.pki import SigningMaterial, SigningUnavailable, store_crls

KEY_BITS = 3072
ROOT_YEARS, LEAF_YEARS = 25, 10
CRL_VALIDITY = dt.timedelta(days=365)
CRL_REFRESH = dt.timedelta(days=30)
# RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# The signer's extended key usages: document signing, and the S/MIME usage that NSS
# (pdfsig) and Adobe check for a PDF signer (decision 0019).
SIGNER_USAGES = (DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _years(now: dt.datetime, years: int) -> dt.datetime:
    return now + dt.timedelta(days=365 * years + years // 4)


def _key_usage(*, signing: bool, non_repudiation: bool = False,
               certificates: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signing, content_commitment=non_repudiation,
                         key_encipherment=False, data_encipherment=False,
                         key_agreement=False, key_cert_sign=certificates,
                         crl_sign=certificates, encipher_only=False, decipher_only=False)


def _leaf(root_key: rsa.RSAPrivateKey, root: x509.Certificate, key: rsa.RSAPrivateKey,
          subject: x509.Name, usages: tuple[ObjectIdentifier, ...], now: dt.datetime, *,
          non_repudiation: bool) -> x509.Certificate:
    return (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(_years(now, LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signing=True, non_repudiation=non_repudiation),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(list(usages)),
                           critical=ExtendedKeyUsageOID.TIME_STAMPING in usages)
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
            .add_extension(_key_usage(signing=False, certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    signer = _signer(root_key, root, signer_key, organisation, now)
    tsa = _leaf(root_key, root, tsa_key, _name(organisation, f"{organisation} timestamps"),
                (ExtendedKeyUsageOID.TIME_STAMPING,), now, non_repudiation=False)
    return SigningMaterial(root=root, signer=signer, tsa=tsa,
                           crl=_issue_crl(root_key, root, now, 1), signer_key=signer_key,
                           tsa_key=tsa_key, root_key=root_key)


def _signer(root_key: rsa.RSAPrivateKey, root: x509.Certificate, key: rsa.RSAPrivateKey,
            organisation: str, now: dt.datetime) -> x509.Certificate:
    return _leaf(root_key, root, key, _name(organisation, f"{organisation} dossiers"),
                 SIGNER_USAGES, now, non_repudiation=True)


def signer_lacks_usages(material: SigningMaterial) -> bool:
    """Whether the signer was issued by this portal's own root (not imported) without
    the extended key usages other tools expect (an installation made before 0019)."""
    if material.tsa_anchor is not None:
        return False  # an imported certificate: its CA decides its usages
    try:
        usages = material.signer.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False  # no EKU at all: every usage
    return not set(SIGNER_USAGES) <= set(usages)


def renew_signer(material: SigningMaterial, organisation: str,
                 now: dt.datetime | None = None) -> SigningMaterial:
    """`material` with a new signing key and certificate (SIGNER_USAGES), issued by the
    same root: its fingerprint, the TSA and the CRL stay. Raises SigningUnavailable when
    the root key is not here (moved offline, or an imported certificate)."""
    if material.root_key is None:
        raise SigningUnavailable(
            "the root key is not on this server (moved offline, or the signing certificate "
            "was imported from a CA): a new signing certificate must be issued where the "
            "root key is")
    now = now or dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(65537, KEY_BITS)
    return replace(material, signer=_signer(material.root_key, material.root, key,
                                            organisation, now), signer_key=key)


def self_signed_tsa(organisation: str, now: dt.datetime
                    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new TSA key and its self-signed certificate: the TSA's own trust anchor, for a
    PKI whose root key is not ours."""
    key = rsa.generate_private_key(65537, KEY_BITS)
    subject = _name(organisation, f"{organisation} timestamps (self-signed)")
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(_years(now, LEAF_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signing=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def fresh_crl(folder: Path, material: SigningMaterial,
              now: dt.datetime | None = None) -> SigningMaterial:
    """`material` with a CRL valid for at least CRL_REFRESH more: re-issued (and stored)
    by the root when needed. Raises SigningUnavailable when the CRL is stale and the
    root key is not on this server, or when an imported CA's CRL has expired."""
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
    renewed = replace(material, crl=_issue_crl(material.root_key, material.root, now,
                                               number + 1))
    store_crls(folder, renewed)
    return renewed
