"""Logging without client addresses or secrets.

Werkzeug's development server logs every request with the client's IP address;
we silence that logger and log requests ourselves, without the address.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, request
from werkzeug.wrappers import Response

# IPv4 and IPv6 literals: refused in audit details, scrubbed from log lines.
IP_LITERAL = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b"  # IPv4
    r"|(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])"  # full IPv6
    r"|(?<![\w:])(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::"  # IPv6 with ::
    r"(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?(?![\w:])",
    re.IGNORECASE,
)


class ScrubAddresses(logging.Filter):
    """Replace any IP address in a log record's message: we never keep who connected from where."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if IP_LITERAL.search(message):
            record.msg, record.args = IP_LITERAL.sub("[address removed]", message), None
        # A traceback can carry addresses too (a database driver's connection error):
        # format it once here, scrubbed; handlers reuse `exc_text` as it is.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and IP_LITERAL.search(record.exc_text):
            record.exc_text = IP_LITERAL.sub("[address removed]", record.exc_text)
        return True


# What PostgreSQL says about the values of a refused row ("DETAIL:  Failing row
# contains (…)", "Key (username)=(…) already exists"): `hide_parameters` keeps
# SQLAlchemy from printing the statement's values, but the server's own message quotes
# them, and they are what people typed (narratives, names).
_VALUE_DETAIL = re.compile(r"^[ \t]*(?:DETAIL|HINT|CONTEXT):.*$", re.MULTILINE)
_KEY_VALUE = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^()]*\))*\)")


class HideDatabaseValues(logging.Filter):
    """Leave out of a logged traceback what a database error quotes of the data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            cleaned = _VALUE_DETAIL.sub("  [the database's detail is not logged]",
                                        record.exc_text)
            record.exc_text = _KEY_VALUE.sub(r"\1=(…)", cleaned)
        return True


def configure_logging(app: Flask) -> None:
    app.logger.setLevel(app.config["LOG_LEVEL"])
    for scrub in (ScrubAddresses, HideDatabaseValues):
        if not any(isinstance(f, scrub) for f in app.logger.filters):
            app.logger.addFilter(scrub())
    werkzeug_log = logging.getLogger("werkzeug")
    # Its request lines carry the client address and the query string: keep them off.
    werkzeug_log.setLevel(logging.WARNING)
    if not any(isinstance(f, ScrubAddresses) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(ScrubAddresses())
    app.after_request(_log_request)


def _log_request(response: Response) -> Response:
    # Path only, never the query string (it may hold an invitation token) or the address.
    path = request.path if not request.path.startswith("/invite/") else "/invite/…"
    logging.getLogger("portal.requests").info("%s %s %s", request.method, path,
                                              response.status_code)
    return response
