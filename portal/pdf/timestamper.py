"""The portal's in-process RFC 3161 timestamp authority (its certificate: pki_issue.py).

pyHanko's own in-memory timestamper with the portal TSA's policy OID (a UUID OID under
2.25). Its tokens are standard TimeStampResp/TSTInfo tokens, validated by pyHanko
exactly like those of a public TSA. Chosen over `openssl ts` because it needs no key on
disk in clear, no serial file and no child process; the price is the same for both:
the time is the server's own clock, so it proves what the portal claimed, not what a
third party saw (docs/verifying.md says so).

It lives in its own module because it subclasses a pyHanko class: `sign.sign_pdf`
imports it when it signs, so that importing `portal.pdf.sign` does not load pyHanko.
"""

from __future__ import annotations

import datetime as dt
import uuid

from asn1crypto import tsp  # type: ignore[import-untyped]
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

# The portal TSA's policy: an OID derived from a fixed UUID (ITU-T X.667, arc 2.25).
TSA_POLICY = "2.25." + str(uuid.UUID("6f0b3c1e-5a52-4d1b-9c58-7520a2f0c752").int)


class PortalTimeStamper(DummyTimeStamper):
    """pyHanko's in-process RFC 3161 timestamper, with the portal TSA's own policy."""

    def _build_tst_info(self, message_imprint: tsp.MessageImprint, when: dt.datetime,
                        req: tsp.TimeStampReq) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, when, req)
        info["policy"] = tsp.ObjectIdentifier(TSA_POLICY)
        return info
