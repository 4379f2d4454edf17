"""Redacted copies of an image: marked areas destroyed, decoded in the limited child.

`image_size` asks portal/media/image_worker.py (mode ``measure``) for the size of the
upright image; `blackout` (mode ``redact``) has it set every pixel of each rectangle
to black and re-encode the result as a PNG holding pixels only: the marked areas are
replaced, not covered, so no layer, metadata or text in the file keeps what was there.

The same assumptions as portal.media.images: the bytes are treated as hostile and
decoded only in the child (address space, CPU, no file writes, a wall-clock deadline);
plaintext passes through pipes only; the child's output is checked against the
protocol (a JSON line of the expected shape, a length that accounts for every byte,
a PNG signature) before anything is believed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.media.images import (
    _LENGTH_PREFIX,
    DEFAULT_LIMITS,
    EXIT_OK,
    MAX_HEADER_BYTES,
    MAX_INPUT_BYTES,
    ImageProblem,
    WorkerLimits,
    _problem_for_exit,
    _run_worker,
    _worker_argv,
)

__all__ = ["EXIT_OUTSIDE", "MAX_RECTANGLES", "Rectangle", "Redacted", "blackout", "image_size"]

EXIT_OUTSIDE = 5  # kept in step with image_worker.EXIT_OUTSIDE
MAX_RECTANGLES = 50
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUTSIDE = "outside"  # Redacted.problem when a rectangle is not inside the image


@dataclass(frozen=True)
class Rectangle:
    """An area in the image's own pixels: from (x, y), the top-left corner, `width`
    pixels to the right and `height` pixels down."""

    x: int
    y: int
    width: int
    height: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.width, self.height]


@dataclass(frozen=True)
class Redacted:
    ok: bool
    problem: str | None = None  # an ImageProblem value, or OUTSIDE
    png: bytes = b""
    width: int = 0
    height: int = 0


def image_size(data: bytes, *, timeout_s: float = 30,
               limits: WorkerLimits = DEFAULT_LIMITS) -> tuple[int, int] | None:
    """(width, height) of the image as shown (orientation applied), or None if it
    cannot be decoded within the limits. Raises OSError only if no child can start."""
    if not data or len(data) > MAX_INPUT_BYTES:
        return None
    outcome = _run_worker([*_worker_argv(limits), "measure"], data, timeout_s)
    if outcome.problem is not None or outcome.returncode != EXIT_OK:
        return None
    header = _header(outcome.stdout.rstrip(b"\n"))
    return (header["width"], header["height"]) if header is not None else None


def blackout(data: bytes, rectangles: list[Rectangle], *, timeout_s: float = 30,
             limits: WorkerLimits = DEFAULT_LIMITS) -> Redacted:
    """A PNG of the upright image with every pixel of each rectangle black. Never
    raises for the content of `data`: a failure is `ok=False` with its problem
    (OUTSIDE when a rectangle leaves the image: nothing is painted then)."""
    if not data or len(data) > MAX_INPUT_BYTES or not 0 < len(rectangles) <= MAX_RECTANGLES:
        return Redacted(ok=False, problem=ImageProblem.UNDECODABLE.value)
    argument = json.dumps([r.as_list() for r in rectangles], separators=(",", ":"))
    outcome = _run_worker([*_worker_argv(limits), "redact", argument], data, timeout_s)
    if outcome.problem is not None:
        return Redacted(ok=False, problem=outcome.problem.value)
    if outcome.returncode == EXIT_OUTSIDE:
        return Redacted(ok=False, problem=OUTSIDE)
    if outcome.returncode != EXIT_OK:
        return Redacted(ok=False, problem=_problem_for_exit(outcome.returncode).value)
    return _parse_redacted(outcome.stdout)


def _header(line: bytes) -> dict[str, int] | None:
    """{"width", "height"} as positive integers, or None."""
    if len(line) > MAX_HEADER_BYTES:
        return None
    try:
        header = json.loads(line)
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    size = {key: header.get(key) for key in ("width", "height")}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size.values()):
        return None
    return size  # type: ignore[return-value]


def _parse_redacted(stdout: bytes) -> Redacted:
    broken = Redacted(ok=False, problem=ImageProblem.WORKER_ERROR.value)
    newline = stdout.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if newline < 0:
        return broken
    header = _header(stdout[:newline])
    rest = stdout[newline + 1:]
    if header is None or len(rest) < _LENGTH_PREFIX.size:
        return broken
    (length,) = _LENGTH_PREFIX.unpack_from(rest, 0)
    png = rest[_LENGTH_PREFIX.size:]
    if length != len(png) or not png.startswith(PNG_SIGNATURE):
        return broken
    return Redacted(ok=True, png=png, width=header["width"], height=header["height"])
