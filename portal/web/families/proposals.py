"""Deciding on a proposed assignment, the same way on the two pages that offer it:
the register's family page (administrators) and the family file page (the family's
advocates). Who may confirm or decline is the policy's answer, checked by the service."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Family, db
from portal.models.families import AssignmentProposal
from portal.policy import Permission, can
from portal.services import families as family_service
from portal.web.access import deny
from portal.web.families.forms import ProposalDecisionForm
from portal.web.forms import row_id
from portal.web.refusals import refusal_flashed


def decide_proposal(family: Family) -> None:
    """Confirm or decline the proposal posted for `family`. A proposal of another
    family, or none, answers 404; so does one this person may not decide on."""
    form = ProposalDecisionForm()
    if not form.validate_on_submit():
        return
    proposal = db.session.get(AssignmentProposal, row_id(form.proposal_id.data) or 0)
    if proposal is None or proposal.family_id != family.id:
        deny("assignment_proposal", form.proposal_id.data)
    assert proposal is not None
    name = proposal.advocate.display_name
    with refusal_flashed():
        if form.decision.data == "confirm":
            family_service.confirm_assignment(current_user, proposal)
            flash(_("Confirmed: %(name)s can now review this family's reports.", name=name),
                  "success")
        else:
            family_service.decline_assignment(current_user, proposal)
            flash(_("Declined: %(name)s was not given access to this family file.",
                    name=name), "success")


def decisions(proposals: list[AssignmentProposal]) -> dict[int, tuple[bool, bool]]:
    """For each proposal, whether the signed-in person may confirm it and decline it."""
    return {p.id: (can(current_user, Permission.ASSIGNMENT_CONFIRM, p),
                   can(current_user, Permission.ASSIGNMENT_DECLINE, p)) for p in proposals}
