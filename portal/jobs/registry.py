"""What each kind of job does: a name, a function, and what to do when it finally fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.models import Job


class JobFailed(Exception):
    """A job could not do its work. `code` is short and safe to store (never content);
    `permanent` says a retry cannot help (a hostile file stays hostile)."""

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code[:60]
        self.permanent = permanent


@dataclass(frozen=True)
class JobKind:
    """`run` does the work inside the runner's transaction (flush, no commit);
    `on_failure` runs once the job is given up, so that nothing is silently lost."""

    name: str
    run: Callable[[Job], None]
    on_failure: Callable[[Job], None] | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    _KINDS[kind.name] = kind


def kind_named(name: str) -> JobKind | None:
    return _KINDS.get(name)
