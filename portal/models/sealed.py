"""The convention for encrypted ("sealed") columns.

A column whose name ends in `_sealed` holds an envelope-encrypted blob (see
portal/crypto/envelope.py). Its associated data is `<table>:<row id>:<column>`, so
a blob copied to another row or column does not open. Key rotation finds every
such column through `sealed_columns()`.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, Table

SEALED_SUFFIX = "_sealed"


def sealed_context(table: str, row_id: int, column: str) -> str:
    """The associated data binding a sealed value to its row and column."""
    if not column.endswith(SEALED_SUFFIX):
        raise ValueError(f"{column!r} is not a sealed column (must end in {SEALED_SUFFIX!r})")
    return f"{table}:{row_id}:{column}"


def sealed_columns(metadata: MetaData) -> list[tuple[Table, Column[bytes]]]:
    """Every sealed column of every table, in a stable order."""
    return [
        (table, column)
        for table in metadata.sorted_tables
        for column in table.columns
        if column.name.endswith(SEALED_SUFFIX)
    ]
