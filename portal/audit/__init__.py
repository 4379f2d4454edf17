"""The audit trail: append events to the hash chain and verify it."""

from portal.audit.chain import (
    AuditAction,
    ChainBreak,
    Outcome,
    ensure_chain_head,
    record_event,
    verify_chain,
)

__all__ = [
    "AuditAction", "ChainBreak", "Outcome", "ensure_chain_head", "record_event", "verify_chain",
]
