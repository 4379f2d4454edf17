from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.audit import AuditAction, Outcome
from portal.models import Role
from portal.services.audit_log import AuditFilters
from portal.vocabulary.audit import ACTION_LABELS, OUTCOME_LABELS
from portal.vocabulary.people import role_label
from portal.web.forms import DigitsDateField, PortalForm


class RoleForm(PortalForm):
    role = RadioField(_l("Role"), choices=[SelectChoice(r.value, role_label(r)) for r in Role],
                      validators=[DataRequired(message=_l("Choose a role."))])


class ConfirmForm(PortalForm):
    """Only the CSRF token."""


class AuditFilterForm(PortalForm):
    """Filters read from the query string (GET): no CSRF token needed to read."""

    class Meta:
        csrf = False

    action = SelectField(_l("Event"), validators=[Optional()],
                         choices=[SelectChoice("", _l("Any event"))]
                         + [SelectChoice(a.value, ACTION_LABELS[a]) for a in AuditAction])
    outcome = SelectField(_l("Outcome"), validators=[Optional()],
                          choices=[SelectChoice("", _l("Any outcome"))]
                          + [SelectChoice(o.value, OUTCOME_LABELS[o]) for o in Outcome])
    actor = StringField(_l("Username"), validators=[Optional(), Length(max=80)])
    since = DigitsDateField(_l("From (YYYY-MM-DD)"), validators=[Optional()],
                      render_kw={"inputmode": "numeric"})
    until = DigitsDateField(_l("To (YYYY-MM-DD)"), validators=[Optional()],
                      render_kw={"inputmode": "numeric"})

    def filters(self) -> AuditFilters:
        """The filters as the service takes them (once the form is valid)."""
        return AuditFilters(action=self.action.data or "", outcome=self.outcome.data or "",
                            actor=self.actor.data or "", since=self.since.data,
                            until=self.until.data)


class UserFilterForm(PortalForm):
    class Meta:
        csrf = False

    role = SelectField(_l("Role"), validators=[Optional()],
                       choices=[SelectChoice("", _l("Any role"))]
                       + [SelectChoice(r.value, role_label(r)) for r in Role])
