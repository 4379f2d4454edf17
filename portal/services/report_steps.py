"""A report written one question per page (decision 0024).

The steps a family member goes through, in order, each with the fields of the report
it asks about and the ones it cannot be left without; what a step's answers change in
a draft; and what is still missing before a report can be sent. Pure data and plain
functions: the web layer shows the pages, `incidents.save_draft` stores the answers.

A step only replaces the fields it asks about: the answers of every other step are
left as saved, so a page sent late (or twice, or from an old tab) cannot empty them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.models import ConsentRecord
from portal.services.incident_content import IncidentContent, missing_for_submission

CHECK = "check"  # the last step: check your answers, then send


@dataclass(frozen=True)
class Step:
    """One page of the report. `fields`: the IncidentContent fields it asks;
    `required`: those a report cannot be sent without (checked at the step when the
    person presses Continue, and again at submission)."""

    slug: str
    title: LazyString
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("when", _l("When did it happen?"),
         ("calendar", "start_text", "end_text", "approximate", "timezone"), ("start_text",)),
    Step("where", _l("Where did it happen?"),
         ("country", "province", "city", "place_type", "online_platform", "country_sent",
          "country_received", "country_carried_out"), ("country",)),
    Step("what", _l("What happened?"), ("type_codes", "trigger"), ("type_codes",)),
    Step("who", _l("Who did it?"), ("agencies", "perpetrators")),
    Step("targets", _l("Who was it aimed at?"), ("reporter_is_target", "target_ids")),
    Step("harm", _l("What harm did it cause?"),
         ("harms", "harm_note", "report_authority", "report_date", "report_reference",
          "witnesses")),
    Step("account", _l("Your account of what happened"),
         ("narrative", "demands", "threat_wording"), ("narrative",)),
    Step("evidence", _l("Evidence")),
    Step("consent", _l("Who may receive this report")),
    Step(CHECK, _l("Check your answers")),
)
BY_SLUG: dict[str, Step] = {step.slug: step for step in STEPS}
FIELD_STEP: dict[str, str] = {name: step.slug for step in STEPS for name in step.fields}
CONSENT_MISSING = _l("Choose who may receive this report, and how you may be named.")


def step_of(slug: str) -> Step | None:
    return BY_SLUG.get(slug)


def number_of(step: Step) -> int:
    """The step's place, counting from 1 ("Step 3 of 10")."""
    return STEPS.index(step) + 1


def next_step(step: Step) -> Step:
    """The step after `step` (check-your-answers is the last, and follows itself)."""
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def with_answers(saved: IncidentContent, step: Step, answers: Mapping[str, Any]) -> IncidentContent:
    """`saved` with the fields of `step` replaced by `answers` (a field not in `answers`
    becomes empty, as an unticked box is sent as nothing); other steps' fields kept."""
    defaults = IncidentContent().as_dict()
    values = saved.as_dict()
    for name in step.fields:
        value = answers.get(name)
        values[name] = bool(value) if isinstance(defaults[name], bool) else (
            value if value not in (None, "") else type(defaults[name])())
    return IncidentContent.from_dict(values)


def missing_at_step(content: IncidentContent, step: Step) -> dict[str, LazyString]:
    """What this step cannot be left without, by field."""
    return {name: message for name, message in missing_for_submission(content).items()
            if name in step.required}


@dataclass(frozen=True)
class Missing:
    """Something a report needs before it is sent, and the step where it is answered."""

    field: str
    message: LazyString
    step: str


def missing_before_sending(content: IncidentContent,
                           consent: ConsentRecord | None) -> list[Missing]:
    """Everything still missing, in the order of the steps: the answers a report needs
    (`missing_for_submission`) and an answer to the consent question (which may be
    "no one outside the portal", but must be given)."""
    missing = [Missing(name, message, FIELD_STEP[name])
               for name, message in missing_for_submission(content).items()]
    if consent is None:
        missing.append(Missing("consent", CONSENT_MISSING, "consent"))
    order = [step.slug for step in STEPS]
    return sorted(missing, key=lambda m: order.index(m.step))

