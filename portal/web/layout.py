"""What every page template needs: who is signed in, how far, and translated labels."""

from __future__ import annotations

from flask_login import current_user

from portal.models import utcnow
from portal.policy import permissions_of
from portal.web.access import Stage, current_stage
from portal.web.labels import ACTION_LABELS, OUTCOME_LABELS, role_label


def layout_context() -> dict[str, object]:
    signed_in = bool(current_user and current_user.is_authenticated)
    return {
        "full_access": signed_in and current_stage() is Stage.FULL,
        "held_permissions": {str(p) for p in permissions_of(current_user)} if signed_in else set(),
        "role_label": role_label,
        "action_label": lambda action: ACTION_LABELS.get(action, action),
        "outcome_label": lambda outcome: OUTCOME_LABELS.get(outcome, outcome),
        "now": utcnow(),
    }
