"""Pages of a long list: the rows of one page, its number, and how many there are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Row = TypeVar("Row")


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def clamp_page(requested: int, total: int, size: int) -> int:
    """The requested page number, kept between 1 and the last page."""
    return min(max(requested, 1), page_count(total, size))


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    number: int
    total: int
    size: int

    @property
    def count(self) -> int:
        return page_count(self.total, self.size)
