"""A signing identity from a real CA (`flask signing import-p12`, `flask signing crl --file`).

An organisation whose signing certificate comes from a real CA imports it instead of
making its own root: its key and certificate, the chain up to the CA's self-signed
root (intermediates in `chain`) and the CA's CRLs, each checked here before anything
is written. The root key is then not ours, so the portal's TSA gets a self-signed
certificate of its own (`pki_issue.self_signed_tsa`): `root.pem`, the trust file the
bundle ships, then holds the CA's root followed by it, and both fingerprints are
published. The CA issues the CRLs: `install_crls` stores newer ones.

Everything is checked in memory; pki.py stores it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from portal.pdf.pki import SigningKey, SigningMaterial, store_crls
from portal.pdf.pki_issue import self_signed_tsa

MAX_CHAIN = 5


class ImportRefused(ValueError):
    """A PKCS#12 (or CRL) that cannot serve as the portal's signing identity; the
    message says why and never contains key material or the password."""


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


def _open_pkcs12(p12: bytes, password: bytes | None
                 ) -> tuple[SigningKey, x509.Certificate, list[x509.Certificate]]:
    """(key, its certificate, the other certificates), the key checked to be the
    certificate's."""
    from cryptography.hazmat.primitives.serialization import pkcs12

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
    return key, signer, list(others)


def _check_signing_usage(signer: x509.Certificate) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not (usage.digital_signature or usage.content_commitment):
        raise ImportRefused(f"the certificate ({_who(signer)}) is not for signing: its key "
                            "usage has neither digitalSignature nor nonRepudiation")


def import_pkcs12(p12: bytes, password: bytes | None, crls: list[bytes], organisation: str,
                  now: dt.datetime | None = None) -> SigningMaterial:
    """The signing identity of a PKCS#12 from a real CA, checked, with a new TSA key and
    its self-signed certificate (in memory). Raises ImportRefused, saying why."""
    now = now or dt.datetime.now(dt.UTC)
    key, signer, others = _open_pkcs12(p12, password)
    _check_signing_usage(signer)
    _check_valid_now(signer, "signing", now)
    chain = _chain_to_root(signer, others, now)
    if not crls:
        raise ImportRefused("no CRL given: download the CA's current CRL and give it "
                            "with --crl")
    loaded = [_load_crl(data) for data in crls]
    covering = [_crl_for(cert, issuer, loaded, now)
                for cert, issuer in itertools.pairwise([signer, *chain])]
    tsa_key, tsa = self_signed_tsa(organisation, now)
    return SigningMaterial(root=chain[-1], signer=signer, tsa=tsa,
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
    installed = replace(material, crl=updated[0], chain_crls=tuple(updated[1:]))
    store_crls(folder, installed)
    return installed
