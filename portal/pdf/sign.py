"""The PAdES B-LTA certification of a dossier PDF, with what the signing PKI gives.

`sign_pdf` certifies the PDF (DocMDP P=1, no changes allowed) with an invisible
signature (PDF/A: no appearance stream, no font), PAdES baseline with a signature
timestamp, the certificates and the CRL in the DSS, and a document timestamp:
PAdES B-LTA, which validates fully offline (FIELD-NOTES). The keys and certificates
come from pki.py (`load_material`, with `pki_issue.fresh_crl`); the timestamps from the
portal's in-process timestamp authority (timestamper.py).

No Flask, no database: plain bytes (decision 0009). pyHanko and asn1crypto are
imported only when a PDF is signed, so that importing this module (the export
service) does not load them.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from portal.pdf.pki import SigningKey, SigningMaterial

if TYPE_CHECKING:
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509

FIELD_NAME = "PS752Certification"

# pyHanko warns on every signature that fetching is off: that is the point here.
logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)


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
    # pyHanko only here: importing this module (the export service) must not load it.
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
