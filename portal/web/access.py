"""Deny by default: one table says who may reach every endpoint, one hook enforces it.

An endpoint missing from `ENDPOINT_ACCESS` is refused (and a test fails), so a new
view is unreachable until someone decides who may use it. A rule also says whether
the action needs a recent sign-in. Object-level checks happen in the views (load,
then `can(user, permission, obj)`, then act).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import NoReturn, TypeVar
from urllib.parse import urlencode

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.audit import AuditAction, Outcome, record_event
from portal.models import db
from portal.policy import Permission, can
from portal.web.authn import current_session
from portal.web.recent_login import RecentLogin, require_recent_login
from portal.web.unit_of_work import undo_unit_of_work

T = TypeVar("T")


class Stage(Enum):
    """How far through login a person must be to reach an endpoint."""

    SECOND_FACTOR_PENDING = "second_factor_pending"  # passphrase done, code not yet
    ENROLMENT = "enrolment"  # staff who have not set up a second factor yet
    FULL = "full"


@dataclass(frozen=True)
class Access:
    permission: Permission | None  # None: public, no login needed
    stages: frozenset[Stage] = frozenset({Stage.FULL})
    recent_login: RecentLogin | None = None  # None: any sign-in of the session will do


PUBLIC = Access(None)
SIGNED_IN = Access(Permission.ACCOUNT_USE)
ANY_STAGE = Access(Permission.ACCOUNT_USE, frozenset(Stage))

ENDPOINT_ACCESS: dict[str, Access] = {
    "static": PUBLIC,
    "main.health": PUBLIC,
    "main.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "invitations.accept": PUBLIC,
    "auth.second_factor": Access(Permission.ACCOUNT_USE, frozenset({Stage.SECOND_FACTOR_PENDING})),
    "auth.logout": ANY_STAGE,
    # Anyone may leave, signed in or not, at any stage (decision 0017).
    "auth.quick_exit": PUBLIC,
    "auth.reauthenticate": SIGNED_IN,
    "auth.keep_alive": SIGNED_IN,  # "keep me signed in": reaching it renews the session
    "main.home": SIGNED_IN,
    "account.index": SIGNED_IN,
    "account.passphrase": SIGNED_IN,
    "account.sessions": SIGNED_IN,
    "account.notices_choice": SIGNED_IN,  # family members and advocates (the view)
    "account.end_sessions": SIGNED_IN,
    "account.second_factor_setup": Access(
        Permission.ACCOUNT_USE, frozenset({Stage.ENROLMENT, Stage.FULL})
    ),
    # New recovery codes sign in without the phone: a recent sign-in to open the form,
    # and the passphrase typed on it (the view).
    "account.recovery_codes": Access(Permission.ACCOUNT_USE, recent_login=RecentLogin(
        "account.recovery_codes", methods=frozenset({"GET", "POST"}))),
    "invitations.index": Access(Permission.INVITATION_CREATE),
    "invitations.new": Access(Permission.INVITATION_CREATE),
    "invitations.revoke": Access(Permission.INVITATION_REVOKE),
    "admin.users": Access(Permission.USER_MANAGE),
    "admin.user": Access(Permission.USER_MANAGE),
    "admin.change_role": Access(Permission.USER_MANAGE, recent_login=RecentLogin("admin.user")),
    "admin.set_active": Access(Permission.USER_MANAGE, recent_login=RecentLogin("admin.user")),
    "admin.reset_second_factor": Access(Permission.USER_MANAGE,
                                        recent_login=RecentLogin("admin.user")),
    "admin.audit": Access(Permission.AUDIT_READ),
    # The victims register, family files, assignments and the incident taxonomy (admins).
    "register.victims": Access(Permission.REGISTER_MANAGE),
    "register.new_victim": Access(Permission.REGISTER_MANAGE),
    "register.edit_victim": Access(Permission.REGISTER_MANAGE),
    "register.families": Access(Permission.REGISTER_MANAGE),
    "register.new_family": Access(Permission.REGISTER_MANAGE),
    "register.family": Access(Permission.REGISTER_MANAGE),
    "register.family_victims": Access(Permission.REGISTER_MANAGE),
    # Adding a member or an advocate opens the family's reports to them.
    "register.add_member": Access(Permission.REGISTER_MANAGE,
                                  recent_login=RecentLogin("register.family")),
    "register.assign_advocate": Access(Permission.REGISTER_MANAGE,
                                       recent_login=RecentLogin("register.family")),
    "register.unassign_advocate": Access(Permission.REGISTER_MANAGE),
    # Confirming a proposed advocate is the second person's grant of access.
    "register.decide_assignment": Access(Permission.REGISTER_MANAGE, recent_login=RecentLogin(
        "register.family", when_posted=("decision", "confirm"))),
    "register.taxonomy": Access(Permission.REGISTER_MANAGE),
    # Reports (incidents). Each view also checks the incident itself (404 outside scope).
    "reports.mine": Access(Permission.INCIDENT_CREATE),
    "reports.new": Access(Permission.INCIDENT_CREATE),
    "reports.edit": Access(Permission.INCIDENT_AMEND),
    "reports.delete_draft": Access(Permission.INCIDENT_AMEND),
    "reports.view": Access(Permission.INCIDENT_READ),
    "reports.receipt": Access(Permission.INCIDENT_AMEND),
    "reports.history": Access(Permission.INCIDENT_READ),
    "reports.revision": Access(Permission.INCIDENT_READ),
    "reports.thread": Access(Permission.INCIDENT_DISCUSS),
    "reports.consent": Access(Permission.INCIDENT_AMEND),
    "reports.withdraw_consent": Access(Permission.INCIDENT_AMEND),
    "reports.review": Access(Permission.INCIDENT_REVIEW),
    "reports.link": Access(Permission.INCIDENT_REVIEW),
    "reports.suggest_tag": Access(Permission.INCIDENT_REVIEW),
    # The family file as its members and advocates see it.
    "families.overview": Access(Permission.FAMILY_READ),
    "families.new_person": Access(Permission.PERSON_MANAGE),
    "families.person": Access(Permission.PERSON_MANAGE),
    "families.person_consent": Access(Permission.PERSON_MANAGE),
    "families.withdraw_person_consent": Access(Permission.PERSON_MANAGE),
    "families.readers": Access(Permission.FAMILY_READ),
    "families.decide_assignment": Access(Permission.ASSIGNMENT_CONFIRM, recent_login=RecentLogin(
        "families.overview", when_posted=("decision", "confirm"))),
    # Evidence. Each view also checks the report or the item itself (404 outside scope).
    "evidence.upload": Access(Permission.EVIDENCE_ADD),
    "evidence.receipt": Access(Permission.EVIDENCE_ADD),
    # Resumable uploads (tus, decision 0025): the views also check that the upload is
    # the person's own, of that report.
    "evidence.start_upload": Access(Permission.EVIDENCE_ADD),
    "evidence.upload_offset": Access(Permission.EVIDENCE_ADD),
    "evidence.upload_part": Access(Permission.EVIDENCE_ADD),
    "evidence.abandon_upload": Access(Permission.EVIDENCE_ADD),
    "evidence.item": Access(Permission.EVIDENCE_READ),
    "evidence.download": Access(Permission.EVIDENCE_READ),
    "evidence.custody": Access(Permission.EVIDENCE_READ),
    "evidence.rendition": Access(Permission.EVIDENCE_READ),
    "evidence.describe": Access(Permission.EVIDENCE_DESCRIBE),
    "evidence.link": Access(Permission.EVIDENCE_ADD),
    "evidence.request_withdrawal": Access(Permission.EVIDENCE_WITHDRAW_REQUEST),
    "evidence.withdrawals": Access(Permission.EVIDENCE_WITHDRAW_APPROVE),
    "evidence.approve_withdrawal": Access(Permission.EVIDENCE_WITHDRAW_APPROVE,
                                          recent_login=RecentLogin("evidence.withdrawals")),
    # Dossiers: advocates build them, the legal reviewer they are sent to decides.
    # Each view also checks the dossier itself (404 outside scope).
    "dossiers.index": Access(Permission.DOSSIER_READ),
    "dossiers.new": Access(Permission.DOSSIER_CREATE),
    "dossiers.view": Access(Permission.DOSSIER_READ),
    "dossiers.preview": Access(Permission.DOSSIER_READ),
    "dossiers.details": Access(Permission.DOSSIER_EDIT),
    "dossiers.contributors": Access(Permission.DOSSIER_EDIT),
    "dossiers.choose": Access(Permission.DOSSIER_EDIT),
    "dossiers.add_incident": Access(Permission.DOSSIER_EDIT),
    "dossiers.incident_action": Access(Permission.DOSSIER_EDIT),
    "dossiers.order": Access(Permission.DOSSIER_EDIT),
    "dossiers.exhibit": Access(Permission.DOSSIER_EDIT),
    "dossiers.recognised_text": Access(Permission.DOSSIER_EDIT),
    "dossiers.exhibit_messages": Access(Permission.DOSSIER_EDIT),
    "dossiers.renumber": Access(Permission.DOSSIER_EDIT),
    "dossiers.redact_image": Access(Permission.DOSSIER_EDIT),
    "dossiers.clear_redaction": Access(Permission.DOSSIER_EDIT),
    "dossiers.redactions": Access(Permission.DOSSIER_EDIT),
    "dossiers.remove_redaction": Access(Permission.DOSSIER_EDIT),
    # Read to see the occurrences; deciding is for the advocates of a draft and the
    # reviewer of a dossier in review (checked by the service).
    "dossiers.occurrences": Access(Permission.DOSSIER_READ),
    "dossiers.decide_occurrence": Access(Permission.DOSSIER_READ),
    "dossiers.redact_remaining": Access(Permission.DOSSIER_READ),
    "dossiers.send": Access(Permission.DOSSIER_EDIT),
    # Approving needs a recent sign-in; returning with comments does not.
    "dossiers.review": Access(Permission.DOSSIER_REVIEW, recent_login=RecentLogin(
        "dossiers.review", when_posted=("decision", "approve"))),
    "dossiers.confirm_tag": Access(Permission.DOSSIER_REVIEW),
    "dossiers.new_version": Access(Permission.DOSSIER_NEW_VERSION),
    # Narrative sections: reading needs DOSSIER_READ; the view checks DOSSIER_EDIT on the
    # dossier before saving. The pattern analysis is read-only.
    "dossiers.edit_section": Access(Permission.DOSSIER_READ),
    # A section's translation (decision 0023): the same rule; the service checks
    # DOSSIER_EDIT before a save.
    "dossiers.translate_section": Access(Permission.DOSSIER_READ),
    "dossiers.patterns_preview": Access(Permission.DOSSIER_READ),
    "dossiers.export": Access(Permission.DOSSIER_EXPORT,
                              recent_login=RecentLogin("dossiers.export")),
    "dossiers.export_status": Access(Permission.DOSSIER_EXPORT),
    "dossiers.export_pdf": Access(Permission.DOSSIER_EXPORT),
    "dossiers.export_bundle": Access(Permission.DOSSIER_EXPORT),
    # Checking an exported dossier (PDF and bundle uploaded, verified offline).
    "dossiers.verify": Access(Permission.DOSSIER_VERIFY),
    # Translations of an incident or an evidence item (assigned advocates).
    "translations.incident": Access(Permission.TRANSLATION_MANAGE),
    "translations.evidence": Access(Permission.TRANSLATION_MANAGE),
    # Section templates and advocacy events (admins).
    "editorial.index": Access(Permission.REGISTER_MANAGE),
    "editorial.edit_template": Access(Permission.REGISTER_MANAGE),
    "editorial.events": Access(Permission.REGISTER_MANAGE),
    "editorial.delete_event": Access(Permission.REGISTER_MANAGE),
    # The advocate's workspace.
    "workspace.incidents": Access(Permission.WORKSPACE_USE),
    "workspace.statistics": Access(Permission.WORKSPACE_USE),
    # Identifiers (decision 0028): recorded by whoever may add evidence to the report or
    # describe the item (each view checks the report or item: 404 outside scope); the
    # recurring identifiers and the reports naming one are the advocates' workspace; a
    # dossier's identifiers are for whoever reads the dossier.
    "identifiers.incident": Access(Permission.EVIDENCE_ADD),
    "identifiers.item": Access(Permission.EVIDENCE_DESCRIBE),
    "identifiers.remove_from_incident": Access(Permission.EVIDENCE_ADD),
    "identifiers.remove_from_item": Access(Permission.EVIDENCE_DESCRIBE),
    "identifiers.recurring": Access(Permission.WORKSPACE_USE),
    "identifiers.reports": Access(Permission.WORKSPACE_USE),
    "identifiers.dossier": Access(Permission.DOSSIER_READ),
}

# Where a signed-in person is sent when their stage does not allow the endpoint.
_STAGE_HOME = {
    Stage.SECOND_FACTOR_PENDING: "auth.second_factor",
    Stage.ENROLMENT: "account.second_factor_setup",
}


def access_rule(endpoint: str, method: str) -> Access | None:
    """The rule for one endpoint and HTTP method (today every method shares one rule)."""
    del method
    return ENDPOINT_ACCESS.get(endpoint)


def current_stage() -> Stage:
    live = current_session()
    if live is None or live.second_factor_done:
        return Stage.FULL
    if current_user.has_second_factor:
        return Stage.SECOND_FACTOR_PENDING
    return Stage.ENROLMENT


def enforce_access() -> Response | None:
    """The one `before_request` check. Returns a redirect, aborts, or lets through."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404 or 405 itself
    access = access_rule(request.endpoint, request.method)
    if access is None:
        current_app.logger.error("endpoint %s has no access rule: refused", request.endpoint)
        abort(404)
    if access.permission is None:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login") + "?" + urlencode({"next": request.full_path}))
    stage = current_stage()
    if stage not in access.stages:
        return redirect(url_for(_STAGE_HOME.get(stage, "main.home")))
    if not can(current_user, access.permission):
        deny(target_type="endpoint", target_id=request.endpoint)
    if access.recent_login is not None and access.recent_login.applies():
        return require_recent_login(access.recent_login.back_url())
    return None


def load_or_deny(model: type[T], object_id: int, permission: Permission,
                 target_type: str) -> T:
    """Load, then check: an object missing or outside the user's scope answers 404,
    and the refusal is recorded. The one way views fetch an object by id."""
    found = db.session.get(model, object_id)
    if found is None or not can(current_user, permission, found):
        deny(target_type, object_id)
    assert found is not None
    return found


def deny(target_type: str = "", target_id: object = "") -> NoReturn:
    """Record the refusal and answer 404: a forbidden object looks like a missing one."""
    record_denial(target_type, target_id)
    abort(404)


def record_denial(target_type: str = "", target_id: object = "",
                  ids: Mapping[str, int] | None = None) -> None:
    """Record an `access.denied` event on its own: the request's work is undone first,
    and the record committed at once, since the 404 that follows rolls back. `ids` are
    the object ids of the URL, when the refused object is not known more precisely."""
    actor = current_user if current_user.is_authenticated else None
    undo_unit_of_work()
    record_event(AuditAction.ACCESS_DENIED, Outcome.DENIED, actor=actor,
                 target_type=target_type, target_id=target_id,
                 details={"endpoint": request.endpoint or "", "method": request.method,
                          **(ids or {})})
    db.session.commit()
