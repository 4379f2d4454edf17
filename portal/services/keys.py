"""Master-key rotation: re-seal every sealed column under the active key, and count blobs.

Works on every column that `sealed_columns(db.metadata)` lists (any table, any column
ending in `_sealed`), through SQLAlchemy Core: only the row id and the blob are read, in
batches ordered by id, and each re-sealed blob is written back by id. ORM objects are
never loaded. Like every service this flushes and never commits: the caller commits
once, so a rotation is all or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from sqlalchemy import Column, Table, bindparam, select, update

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.envelope import DecryptionError, EnvelopeCipher
from portal.models import db
from portal.models.sealed import sealed_columns, sealed_context

BATCH_SIZE = 500


class SealedValueError(RuntimeError):
    """A sealed value cannot be read; the message names its table, column and row only."""


def rewrap_all_sealed(cipher: EnvelopeCipher, *, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Re-seal every sealed value not yet under `cipher`'s active key.

    Returns, for every sealed column ("table.column"), how many values were re-sealed.
    NULLs and values already under the active key are left alone, so running it again
    after an interruption only finishes the work. Records one `keys.rotated` audit
    event. Flushes, never commits.

    Raises:
        SealedValueError: if a value does not open (unknown key id, tampered, or copied
            from another row). Nothing is committed then; roll back.
    """
    db.session.flush()
    active = cipher.active_key_id
    counts: dict[str, int] = {}
    for table, column in sealed_columns(db.metadata):
        id_column = _id_column(table)
        statement = (update(table).where(id_column == bindparam("b_row_id"))
                     .values({column.name: bindparam("b_sealed")}))
        resealed = 0
        for rows in _batches(table, column, batch_size):
            changes = []
            for row_id, blob in rows:
                if _key_id(cipher, table, column, row_id, blob) == active:
                    continue
                context = sealed_context(table.name, row_id, column.name)
                try:
                    fresh = cipher.rewrap(blob, context)
                except DecryptionError:
                    raise SealedValueError(
                        f"{table.name}.{column.name} of row {row_id} does not open with the "
                        "configured keys (unknown key, changed, or copied from another row)"
                    ) from None
                changes.append({"b_row_id": row_id, "b_sealed": fresh})
            if changes:
                db.session.execute(statement, changes)
                resealed += len(changes)
        counts[f"{table.name}.{column.name}"] = resealed
    # Any User (or other) object already in this session must not keep a stale blob.
    db.session.expire_all()
    record_event(AuditAction.KEYS_ROTATED, Outcome.SUCCESS, target_type="master_key",
                 target_id=active, details={"active": active, "resealed": sum(counts.values())})
    return counts


def sealed_blob_counts(cipher: EnvelopeCipher, *,
                       batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """How many sealed values (all sealed columns together) name each master key id.

    Ids found in the data but not configured in `cipher` are counted too: those values
    cannot be opened. Configured ids with no value are listed with 0.

    Raises:
        SealedValueError: if a value's header is malformed.
    """
    db.session.flush()
    counts: Counter[str] = Counter(dict.fromkeys(cipher.key_ids, 0))
    for table, column in sealed_columns(db.metadata):
        for rows in _batches(table, column, batch_size):
            counts.update(_key_id(cipher, table, column, row_id, blob) for row_id, blob in rows)
    return dict(sorted(counts.items()))


def _id_column(table: Table) -> Column[int]:
    if "id" not in table.c:
        raise SealedValueError(f"table {table.name} has sealed columns but no id column: "
                               "sealed values are bound to <table>:<id>:<column>")
    id_column: Column[int] = table.c.id
    return id_column


def _batches(table: Table, column: Column[bytes],
             batch_size: int) -> Iterator[list[tuple[int, bytes]]]:
    """(id, blob) of the non-NULL values, by increasing id, `batch_size` at a time.

    Keyset pagination (id > last id seen), so rows updated meanwhile are neither
    skipped nor read twice, and each batch is fully read before it is written back.
    """
    id_column = _id_column(table)
    last_id: int | None = None
    while True:
        query = select(id_column, column).where(column.is_not(None))
        if last_id is not None:
            query = query.where(id_column > last_id)
        rows = [(int(row_id), bytes(blob)) for row_id, blob in
                db.session.execute(query.order_by(id_column).limit(batch_size))]
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def _key_id(cipher: EnvelopeCipher, table: Table, column: Column[bytes], row_id: int,
            blob: bytes) -> str:
    try:
        return cipher.key_id_of(blob)
    except DecryptionError:
        raise SealedValueError(f"{table.name}.{column.name} of row {row_id} is not a sealed "
                               "value (malformed header)") from None
