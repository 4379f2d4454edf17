from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from portal.dependencies import crypto_kit
from portal.models import Invitation, Role
from portal.policy import Permission
from portal.policy.permissions import invitable_roles
from portal.services import invitations as invitation_service
from portal.services.errors import NotFound
from portal.services.membership import assigned_families
from portal.services.passphrases import min_chars_for
from portal.vocabulary.people import role_label
from portal.web.access import load_or_deny
from portal.web.auth.keyring import unlock_after_passphrase
from portal.web.authn import start_session
from portal.web.i18n import suggest_locale
from portal.web.invitations import bp
from portal.web.invitations.forms import (
    AcceptInvitationForm,
    ConfirmForm,
    InvitationForm,
)
from portal.web.refusals import refusal_shown_on


@bp.route("/invitations")
def index() -> str:
    return render_template("invitations/index.html", form=ConfirmForm(),
                           invitations=invitation_service.invitations_visible_to(current_user))


@bp.route("/invitations/new", methods=["GET", "POST"])
def new() -> str:
    form = InvitationForm()
    roles = invitable_roles(current_user)
    form.role.choices = [SelectChoice(role.value, role_label(role)) for role in roles]
    if len(roles) == 1 and not form.role.data:
        form.role.data = roles[0].value
    families = assigned_families(current_user) if Role.FAMILY_MEMBER in roles else []
    form.family_id.choices = [SelectChoice(str(f.id), f.code) for f in families]
    if form.validate_on_submit():
        ttl = timedelta(hours=current_app.config["INVITATION_TTL_HOURS"])
        chosen = next((f for f in families if str(f.id) == form.family_id.data), None)
        if chosen is None and len(families) == 1 and not form.family_id.data:
            chosen = families[0]  # the only family file the advocate works on
        with refusal_shown_on(form, "family_id"):
            invitation, token = invitation_service.create_invitation(
                current_user, role=Role(form.role.data), display_name=form.display_name.data,
                locale=form.locale.data, ttl=ttl, family=chosen)
            link = url_for("invitations.accept", token=token, _external=True)
            # Shown once: only the digest is stored, so nobody can show this link again.
            return render_template("invitations/created.html", invitation=invitation,
                                   link=link)
    return render_template("invitations/new.html", form=form,
                           choose_family=bool(families))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke(invitation_id: int) -> Response:
    invitation = load_or_deny(Invitation, invitation_id, Permission.INVITATION_REVOKE,
                              "invitation")
    if ConfirmForm().validate_on_submit():
        invitation_service.revoke_invitation(current_user, invitation)
        flash(_("The invitation was withdrawn. Its link no longer works."), "success")
    return redirect(url_for("invitations.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str) -> str | Response:
    invitation = invitation_service.find_open_invitation(token)
    if invitation is None:
        return render_template("invitations/invalid.html"), 404  # type: ignore[return-value]
    suggest_locale(invitation.locale)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            with refusal_shown_on(form, "passphrase"):
                user = invitation_service.accept_invitation(
                    crypto_kit(), token, username=form.username.data,
                    passphrase=form.passphrase.data)
                start_session(user, request.user_agent.string,
                              second_factor_done=not user.role.is_staff)
                # The key pair made with the account, held for this session (decision 0027).
                unlock_after_passphrase(user, form.passphrase.data)
                flash(_("Welcome. Your account is ready."), "success")
                target = "account.second_factor_setup" if user.role.is_staff else "main.home"
                return redirect(url_for(target))
        except NotFound:  # used or withdrawn since the page was shown: not an intrusion
            return render_template("invitations/invalid.html"), 404  # type: ignore[return-value]
    return render_template("invitations/accept.html", form=form, invitation=invitation,
                           min_chars=min_chars_for(invitation.role))
