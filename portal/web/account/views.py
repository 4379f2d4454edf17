from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.dependencies import crypto_kit, session_policy
from portal.models import db
from portal.services import accounts, notices, second_factor, staff_profile
from portal.services.passphrases import min_chars_for
from portal.services.sessions import end_all_sessions, live_sessions, revoke_other_sessions
from portal.web.account import bp
from portal.web.account.forms import (
    ChangePassphraseForm,
    ConfirmForm,
    EnrolForm,
    NewRecoveryCodesForm,
    NoticesForm,
    StaffProfileForm,
)
from portal.web.auth import attempts
from portal.web.authn import current_session, end_current_session
from portal.web.refusals import refusal_shown_on


@bp.route("", methods=["GET", "POST"])
def index() -> str | Response:
    profile_form = StaffProfileForm()
    if profile_form.validate_on_submit():
        with refusal_shown_on(profile_form, "full_name"):
            staff_profile.set_profile(crypto_kit(), current_user, profile_form.full_name.data or "",
                                      profile_form.professional_capacity.data or "")
            flash(_("Your name and capacity are saved."), "success")
            return redirect(url_for("account.index"))
    elif request.method == "GET" and current_user.role.is_staff:
        saved = staff_profile.profile_of(crypto_kit(), current_user)
        profile_form.full_name.data = saved.full_name
        profile_form.professional_capacity.data = saved.capacity
    return render_template(
        "account/index.html",
        unused_codes=second_factor.unused_recovery_code_count(current_user),
        profile_form=profile_form,
        notice_settings=notices.settings_of(current_user)
        if notices.offers_notices(current_user) else None,
    )


@bp.route("/notices", methods=["GET", "POST"])
def notices_choice() -> str | Response:
    """Opt in to content-free e-mail notices, or out. The address kept is never shown."""
    saved = notices.settings_of(current_user)  # PermissionDenied (404) for other roles
    form = NoticesForm()
    if form.validate_on_submit():
        with refusal_shown_on(form, "email"):
            notices.set_notices(crypto_kit(), current_user, form.notices.data == "yes",
                                form.email.data or "")
            flash(_("Your choice about e-mail notices is saved."), "success")
            return redirect(url_for("account.index"))
    elif request.method == "GET":
        form.notices.data = "yes" if saved.opted_in else "no"
    return render_template("account/notices.html", form=form, saved=saved,
                           configured=notices.notices_configured())


@bp.route("/passphrase", methods=["GET", "POST"])
def passphrase() -> str | Response:
    form = ChangePassphraseForm()
    if form.validate_on_submit():
        place = attempts.before_passphrase_again()  # the current passphrase is a guess
        with refusal_shown_on(form, "new"):
            accounts.change_passphrase(crypto_kit(), current_user, form.current.data, form.new.data)
            place.give_back()
            live = current_session()
            if live is not None:
                # Whoever knew the old passphrase is signed out everywhere else.
                revoke_other_sessions(current_user, keep=live)
            flash(_("Your passphrase has been changed. Your other sessions have ended."),
                  "success")
            return redirect(url_for("account.index"))
        if not form.current.errors:  # refused for the new one: the current was right
            place.give_back()
    return render_template("account/passphrase.html", form=form,
                           min_chars=min_chars_for(current_user.role))


@bp.route("/sessions")
def sessions() -> str:
    live = current_session()
    return render_template("account/sessions.html", form=ConfirmForm(),
                           sessions=live_sessions(current_user, session_policy()),
                           current_id=live.id if live else None)


@bp.route("/sessions/end", methods=["POST"])
def end_sessions() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.sessions"))
    end_all_sessions(current_user)
    end_current_session()
    db.session.commit()
    response = redirect(url_for("auth.login", signed_out=1))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor_setup() -> str | Response:
    if current_user.has_second_factor:
        return redirect(url_for("account.index"))
    form = EnrolForm()
    kit = crypto_kit()
    if form.validate_on_submit():
        with refusal_shown_on(form, "code"):
            codes = second_factor.confirm_enrolment(kit, current_user, form.code.data)
            live = current_session()
            if live is not None:
                live.second_factor_done = True
            return render_template("account/recovery_codes.html", codes=codes, enrolled=True)
    # After a refused code: the secret the page shows is the one kept (created if need be).
    secret = second_factor.pending_secret(kit, current_user)
    uri = second_factor.provisioning_uri(secret, current_user)
    return render_template("account/second_factor.html", form=form, secret=secret,
                           qr_svg=_qr_svg(uri))


@bp.route("/recovery-codes", methods=["GET", "POST"])
def recovery_codes() -> str | Response:
    """New codes need a recent sign-in (the access table) and the passphrase typed here."""
    if not current_user.has_second_factor:
        return redirect(url_for("account.index"))
    form = NewRecoveryCodesForm()
    if form.validate_on_submit():
        place = attempts.before_passphrase_again()
        if accounts.passphrase_matches(crypto_kit(), current_user, form.passphrase.data):
            place.give_back()
            codes = second_factor.regenerate_recovery_codes(crypto_kit(), current_user)
            return render_template("account/recovery_codes.html", codes=codes, enrolled=False)
        form.passphrase.errors = [_("That passphrase is not right.")]
    return render_template("account/new_recovery_codes.html", form=form)


def _qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG made on the server: no script, no outside service."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, omitsize=True, dark="#0b0c0c",
                                                 light="#ffffff",
                                                 title=_("QR code for your authenticator app"))
    return Markup(svg)  # noqa: S704 - our own SVG, generated from a URI we built
