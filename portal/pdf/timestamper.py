"""The portal's in-process RFC 3161 timestamp authority (see `sign.py`).

pyHanko's own in-memory timestamper with the portal TSA's policy OID. It lives in its
own module because it subclasses a pyHanko class: `sign.sign_pdf` imports it when it
signs, so that importing `portal.pdf.sign` (the web layer, `flask signing`) does not
load pyHanko.
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import tsp  # type: ignore[import-untyped]
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from portal.pdf.sign import TSA_POLICY


class PortalTimeStamper(DummyTimeStamper):
    """pyHanko's in-process RFC 3161 timestamper, with the portal TSA's own policy."""

    def _build_tst_info(self, message_imprint: tsp.MessageImprint, when: dt.datetime,
                        req: tsp.TimeStampReq) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, when, req)
        info["policy"] = tsp.ObjectIdentifier(TSA_POLICY)
        return info
