"""Domain errors raised by services and turned into translated messages at the edge."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString


class DomainError(Exception):
    """Base of every expected failure; `message` is translated when rendered."""

    def __init__(self, message: LazyString | str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or is outside the user's scope (both look alike)."""


class PermissionDenied(DomainError):
    """The user may not do this."""


class ValidationFailed(DomainError):
    """The input breaks a rule; `field` names the form field it belongs to."""


class InvalidFields(DomainError):
    """Several fields are wrong at once: `errors` maps each field to its message.

    Long forms show every problem in one go rather than one per submission.
    """

    def __init__(self, errors: Mapping[str, LazyString | str]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first, field=next(iter(errors)))
        self.errors = dict(errors)


class EditConflict(DomainError):
    """Someone else saved the same thing since this person opened it: the save is
    refused, and the page keeps what they typed so that nothing is lost."""


class ConsentMissing(DomainError):
    """Consent does not cover the destination; `gaps` says which consent, and whose."""

    def __init__(self, message: LazyString | str, gaps: list[object]) -> None:
        super().__init__(message)
        self.gaps = gaps
