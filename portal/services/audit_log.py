"""Reading the audit log: filtered, newest first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from portal.models import AuditEvent, db
from portal.services.pagination import Page, clamp_page

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    outcome: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def search_events(filters: AuditFilters, page: int) -> Page[AuditEvent]:
    """Events matching every given filter; `page` counts from 1 and is clamped."""
    query = _filtered(select(AuditEvent), filters)
    total = db.session.scalar(_filtered(select(func.count(AuditEvent.id)), filters)) or 0
    page = clamp_page(page, total, PAGE_SIZE)
    events = db.session.scalars(
        query.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return Page(list(events), page, total, PAGE_SIZE)


def _filtered(query: Select[Any], filters: AuditFilters) -> Select[Any]:
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.outcome:
        query = query.where(AuditEvent.outcome == filters.outcome)
    if filters.actor:
        query = query.where(AuditEvent.actor_label == filters.actor.strip().lower())
    if filters.since:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until, time(), UTC) + timedelta(days=1)
        query = query.where(AuditEvent.occurred_at < end)
    return query
