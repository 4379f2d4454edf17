from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.models import db
from portal.services import accounts
from portal.services import second_factor as second_factor_service
from portal.services.sessions import mark_reauthenticated
from portal.web.auth import attempts, bp
from portal.web.auth.forms import LoginForm, ReauthenticateForm, SecondFactorForm
from portal.web.auth.keyring import unlock_after_passphrase
from portal.web.authn import current_session, end_current_session, start_session
from portal.web.kept_posts import drop_kept_posts_of_browser, kept_target_after_sign_in
from portal.web.navigation import safe_next


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        attempts.tag_browser_session()
    if form.validate_on_submit():
        place = attempts.before_passphrase(form.username.data)
        user = accounts.authenticate(crypto_kit(), form.username.data, form.passphrase.data)
        if user is not None:
            place.give_back()
            needs_code = user.has_second_factor or user.role.is_staff
            start_session(user, request.user_agent.string, second_factor_done=not needs_code)
            # The person's private key, for this session only (decision 0027).
            unlock_after_passphrase(user, form.passphrase.data)
            if not needs_code:
                record_event(AuditAction.LOGIN, Outcome.SUCCESS, actor=user)
            # A form kept when the session ended comes first: the person lands back on it.
            target = kept_target_after_sign_in(user) or safe_next(form.next.data)
            if needs_code:
                return redirect(url_for("auth.second_factor", next=target))
            return redirect(target)
        attempts.sign_in_failed()
        # One message whatever was wrong: it must not reveal which accounts exist.
        form.passphrase.errors = [_("The username or passphrase is not right.")]
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> str | Response:
    form = SecondFactorForm()
    live = current_session()
    assert live is not None  # the access hook lets only signed-in sessions here
    if form.validate_on_submit():
        place = attempts.before_code()
        if second_factor_service.verify_code(crypto_kit(), current_user, form.code.data):
            place.give_back()
            live.second_factor_done = True
            record_event(AuditAction.LOGIN, Outcome.SUCCESS, actor=current_user)
            return redirect(safe_next(request.args.get("next")))
        attempts.sign_in_failed()
        record_event(AuditAction.LOGIN_SECOND_FACTOR, Outcome.FAILURE, actor=current_user)
        form.code.errors = [_("That code did not work. Type the newest code from your app, "
                              "or an unused recovery code.")]
    return render_template("auth/second_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    record_event(AuditAction.LOGOUT, Outcome.SUCCESS, actor=current_user)
    drop_kept_posts_of_browser()  # signing out on purpose leaves no kept form behind
    end_current_session()
    db.session.commit()
    response = redirect(url_for("auth.login", signed_out=1))
    # Ask the browser to forget this site's cookies and storage as well.
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/session/keep-alive", methods=["POST"])
def keep_alive() -> tuple[str, int]:
    """"Keep me signed in" (static/js/keep-alive.js): reaching this signed in is what
    renews the session (the session loader touches it); nothing else to do. 204 keeps a
    browser that sent the form without JavaScript on its page."""
    return "", 204


@bp.route("/reauthenticate", methods=["GET", "POST"])
def reauthenticate() -> str | Response:
    form = ReauthenticateForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    live = current_session()
    assert live is not None
    if form.validate_on_submit():
        place = attempts.before_passphrase_again()
        if accounts.passphrase_matches(crypto_kit(), current_user, form.passphrase.data):
            place.give_back()
            mark_reauthenticated(live)
            if live.person_key_held is None:  # a session opened before key pairs existed
                unlock_after_passphrase(current_user, form.passphrase.data)
            flash(_("Passphrase confirmed. You can continue."), "success")
            return redirect(safe_next(form.next.data))
        record_event(AuditAction.REAUTHENTICATE, Outcome.FAILURE, actor=current_user)
        form.passphrase.errors = [_("That passphrase is not right.")]
    return render_template("auth/reauthenticate.html", form=form)
