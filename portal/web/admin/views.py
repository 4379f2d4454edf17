from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.models import Role, User
from portal.policy import Permission
from portal.services import accounts, second_factor
from portal.services.audit_log import AuditFilters, search_events
from portal.web.access import load_or_deny
from portal.web.admin import bp
from portal.web.admin.forms import (
    AuditFilterForm,
    ConfirmForm,
    RoleForm,
    UserFilterForm,
)


def _load_managed_user(user_id: int) -> User:
    return load_or_deny(User, user_id, Permission.USER_MANAGE, "user")


@bp.route("/users")
def users() -> str:
    form = UserFilterForm(request.args)
    role = Role(form.role.data) if form.validate() and form.role.data else None
    return render_template("admin/users.html", form=form, users=accounts.list_users(role))


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> str:
    target = _load_managed_user(user_id)
    role_form = RoleForm(role=target.role.value)
    return render_template("admin/user.html", target=target, role_form=role_form,
                           form=ConfirmForm())


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int) -> Response:
    target = _load_managed_user(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        accounts.change_role(current_user, target, Role(form.role.data))
        flash(_("The role was changed. The person's sessions have ended."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def set_active(user_id: int) -> Response:
    target = _load_managed_user(user_id)
    if ConfirmForm().validate_on_submit():
        accounts.set_active(current_user, target, not target.is_active)
        flash(_("The account is now active.") if target.is_active
              else _("The account was deactivated and its sessions ended."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
def reset_second_factor(user_id: int) -> Response:
    target = _load_managed_user(user_id)
    if ConfirmForm().validate_on_submit():
        second_factor.reset_second_factor(current_user, target)
        flash(_("The second factor was removed. The person will set up a new one at "
                "their next sign-in."), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/audit")
def audit() -> str:
    form = AuditFilterForm(request.args)
    filters = form.filters() if form.validate() else AuditFilters()
    page = search_events(filters, request.args.get("page", 1, type=int))
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, page=page, query=query)
