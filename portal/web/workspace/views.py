"""The advocate's workspace: the incidents of their families, and statistics."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import crypto_kit
from portal.services import workspace as workspace_service
from portal.web.workspace import bp
from portal.web.workspace.filters import filters_from_request


@bp.route("")
def incidents() -> str:
    form, filters = filters_from_request()
    page = workspace_service.search(crypto_kit(), current_user, filters,
                                    request.args.get("page", 1, type=int))
    if filters.text:
        # The words searched for are not recorded: they may be names.
        record_event(AuditAction.INCIDENTS_SEARCHED, Outcome.SUCCESS, actor=current_user,
                     details={"results": page.total})
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("workspace/incidents.html", form=form, page=page, query=query)


@bp.route("/statistics")
def statistics() -> str:
    stats = workspace_service.statistics(current_user)
    return render_template("workspace/statistics.html", stats=stats, as_text=str)
