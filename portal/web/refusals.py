"""A service's refusal, shown at the edge: written once for every view.

A view wraps its action in `refusal_shown_on(form, default_field)` (each problem
appears beside its field, with the answers kept) or `refusal_flashed()` (a message on
the next page). Either way, what the service flushed is undone before the page is
made. A refusal of access (`NotFound`, `PermissionDenied`) is not the input's fault:
it goes on to the error handler, which answers 404 and records the denial.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import flash
from flask_babel import LazyString
from flask_wtf import FlaskForm

from portal.services.errors import DomainError, NotFound, PermissionDenied
from portal.web.unit_of_work import undo_unit_of_work

Problem = tuple[str | None, LazyString | str]


def problems_of(error: DomainError) -> list[Problem]:
    """(field, message) for each problem: several at once (`errors`, a mapping of field
    to message, or `problems`, a list of errors), else the error's own."""
    errors = getattr(error, "errors", None)
    if isinstance(errors, Mapping):
        return list(errors.items())
    problems = getattr(error, "problems", None)
    if isinstance(problems, list) and problems:
        return [(p.field, p.message) for p in problems if isinstance(p, DomainError)]
    return [(error.field, error.message)]


def show_refusal(form: FlaskForm, error: DomainError, default_field: str) -> None:
    """Undo what the refused action flushed, then put each problem beside its field
    (or beside `default_field` when the form has no field of that name)."""
    undo_unit_of_work()
    for field, message in problems_of(error):
        name = field if field and field in form else default_field
        form[name].errors = [*form[name].errors, message]


@contextmanager
def refusal_shown_on(form: FlaskForm, default_field: str) -> Iterator[None]:
    """Run an action; if a service refuses it, show why on `form` and carry on."""
    try:
        yield
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        show_refusal(form, error, default_field)


@contextmanager
def refusal_flashed(message: str | None = None) -> Iterator[None]:
    """Run an action; if a service refuses it, undo it and say why on the next page:
    the service's message, or `message` where that page lacks the fields it names."""
    try:
        yield
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        undo_unit_of_work()
        flash(message or str(error.message), "error")
