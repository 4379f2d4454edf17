"""Log lines never keep an IP address: neither in the message nor in a traceback."""

from __future__ import annotations

import io
import logging

from portal.logs import ScrubAddresses


def _logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(name)
    logger.handlers = [logging.StreamHandler(stream)]
    logger.propagate = False
    logger.addFilter(ScrubAddresses())
    return logger, stream


def test_addresses_in_the_message_are_removed():
    logger, stream = _logger("test.logs.message")
    logger.warning("client %s said hello from %s", "192.0.2.7", "2001:db8::1")
    assert stream.getvalue() == "client [address removed] said hello from [address removed]\n"


def test_addresses_in_a_traceback_are_removed():
    logger, stream = _logger("test.logs.traceback")
    try:
        raise ConnectionError("connection to server at 198.51.100.4, port 5432 failed")
    except ConnectionError:
        logger.exception("database unreachable")
    out = stream.getvalue()
    assert "198.51.100.4" not in out
    assert "connection to server at [address removed], port 5432 failed" in out
    assert "Traceback" in out
