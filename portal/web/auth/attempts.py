"""What a sign-in attempt must get past before a passphrase or a code is checked.

Three ceilings, none keyed by an address (the portal stores none):

- per account: LOGIN_FAILURES_PER_MINUTE places (portal/web/throttle.py) for the
  passphrase, as many for the second-factor code, and as many for a passphrase asked
  again inside a session;
- per browser session: LOGIN_ATTEMPTS_PER_SESSION_PER_MINUTE sign-ins, whatever the
  usernames, so that one session cannot spread its guesses over many accounts;
- portal-wide: past LOGIN_ALARM_FAILURES_PER_MINUTE failed sign-ins in a minute, the
  alarm is raised (an audit event and a log line, once a minute) and every sign-in
  waits LOGIN_ALARM_DELAY_STEP_MS longer for each failure beyond it, up to
  LOGIN_ALARM_MAX_DELAY_SECONDS. Nobody is refused for it: a portal-wide refusal
  would let one attacker lock everyone out (decision 0002).
"""

from __future__ import annotations

import math
from time import sleep

from flask import current_app, session
from limits import RateLimitItemPerMinute

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.tokens import new_token
from portal.models import db
from portal.services.accounts import normalize_username
from portal.web import extensions
from portal.web.throttle import (
    Place,
    count_in_window,
    keyed,
    login_failures_per_minute,
    signed_in_account_key,
    take_place,
)

# In Flask's session: a random id for the browser session before it signs in.
_BROWSER_KEY = "attempts_id"


def tag_browser_session() -> None:
    """Give the browser session the random id its sign-ins are counted under, when the
    sign-in page is shown: every sign-in sent with that page's cookie counts for one
    session, even from a script that never keeps the cookies it is sent back."""
    _browser_session_id()


def before_passphrase(username: str) -> Place:
    """Before a sign-in passphrase is checked. Raises TooManyRequests (429)."""
    count_in_window("login-session", keyed("session", _browser_session_id()),
                    int(current_app.config["LOGIN_ATTEMPTS_PER_SESSION_PER_MINUTE"]))
    place = take_place("login", keyed("login", normalize_username(username)),
                       login_failures_per_minute())
    _wait_while_alarmed()
    return place


def before_code() -> Place:
    """Before a second-factor or recovery code is checked. Raises TooManyRequests."""
    return take_place("second-factor", signed_in_account_key(), login_failures_per_minute())


def before_passphrase_again() -> Place:
    """Before the signed-in person's passphrase is checked again (re-authentication,
    new recovery codes). Raises TooManyRequests."""
    return take_place("passphrase-again", signed_in_account_key(),
                      login_failures_per_minute())


def sign_in_failed() -> None:
    """Count a failed sign-in (a passphrase or a code) towards the portal-wide alarm."""
    extensions.limiter.limiter.hit(_failures_window(), "login-failures", "portal")


def _browser_session_id() -> str:
    browser_id = session.get(_BROWSER_KEY)
    if not isinstance(browser_id, str):
        browser_id = session[_BROWSER_KEY] = new_token()
    return browser_id


def _failures_window() -> RateLimitItemPerMinute:
    """A minute's window deep enough to count failures up to the longest delay."""
    cfg = current_app.config
    steps_to_longest = math.ceil(1000 * float(cfg["LOGIN_ALARM_MAX_DELAY_SECONDS"])
                                 / max(1, int(cfg["LOGIN_ALARM_DELAY_STEP_MS"])))
    return RateLimitItemPerMinute(int(cfg["LOGIN_ALARM_FAILURES_PER_MINUTE"]) + steps_to_longest)


def _wait_while_alarmed() -> None:
    cfg = current_app.config
    window = _failures_window()
    remaining = extensions.limiter.limiter.get_window_stats(window, "login-failures",
                                                            "portal").remaining
    failures = window.amount - remaining
    beyond = failures - int(cfg["LOGIN_ALARM_FAILURES_PER_MINUTE"])
    if beyond <= 0:
        return
    _raise_alarm_once_a_minute(failures)
    sleep(min(float(cfg["LOGIN_ALARM_MAX_DELAY_SECONDS"]),
              beyond * int(cfg["LOGIN_ALARM_DELAY_STEP_MS"]) / 1000))


def _raise_alarm_once_a_minute(failures: int) -> None:
    if not extensions.limiter.limiter.hit(RateLimitItemPerMinute(1), "login-alarm", "portal"):
        return
    current_app.logger.warning(
        "sign-in alarm: %d failed sign-ins across the portal in the last minute; every "
        "sign-in is slowed down until they fall below the threshold", failures)
    record_event(AuditAction.LOGIN_THROTTLED, Outcome.DENIED,
                 details={"scope": "portal", "failures_last_minute": failures})
    # Committed on its own, now: whatever the attempt that raised it comes to.
    db.session.commit()
