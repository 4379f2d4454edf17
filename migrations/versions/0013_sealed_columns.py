"""Free-text columns sealed: province, city, online platform, relationship note, claimed
date, legal tag, and the purpose of custody events (in a table of their own)

Revision ID: 0013_sealed_columns
Revises: 0012_redacted_renditions
Create Date: 2026-12-05

Decision 0014. Each clear column becomes a `*_sealed` column (envelope-encrypted, bound
to `<table>:<id>:<column>`): incidents.province, city, online_platform;
people.relationship_note; evidence_items.claimed_date_text; legal_tags.tag (with
`tag_digest`, a keyed hash that keeps one tag per incident unique). The purpose of a
custody event moves to `custody_purposes` (id = the event's id), because
`custody_events` is append-only and a key rotation must be able to re-seal it; the
event's hash keeps covering the purpose in clear.

Existing values are sealed here, in the same transaction, with the running app's keys
(`portal.dependencies.crypto_kit()`: `flask db upgrade` runs migrations inside the app,
which loaded MASTER_KEY and INDEX_KEY from its configuration, as every `flask` command
does). The kit is asked for only when a row holds text, so an empty database needs no
key. The downgrade opens them again into the clear columns (and lifts the append-only
triggers of custody_events for the moment it fills their purposes back).
"""
import sqlalchemy as sa
from alembic import op

from portal.audit.append_only import install_statements, removal_statements

# revision identifiers, used by Alembic.
revision = '0013_sealed_columns'
down_revision = '0012_redacted_renditions'
branch_labels = None
depends_on = None

# table -> the clear columns sealed, with their former type (for the downgrade).
CLEAR = {
    "incidents": {"province": 80, "city": 80, "online_platform": 80},
    "people": {"relationship_note": 120},
    "evidence_items": {"claimed_date_text": 80},
}


def _kit():
    """The running app's CryptoKit, as every `flask` command builds it."""
    try:
        from portal.dependencies import crypto_kit

        return crypto_kit()
    except (RuntimeError, KeyError):
        raise RuntimeError(
            "migration 0013 seals existing free text with the portal's keys: run it with "
            "`flask db upgrade` (or `flask db downgrade`) on the configured instance"
        ) from None


class _Keys:
    """Asks for the kit once, and only when a value must be sealed or opened."""

    def __init__(self):
        self._kit = None

    @property
    def kit(self):
        if self._kit is None:
            self._kit = _kit()
        return self._kit

    def seal(self, table, row_id, column, text):
        from portal.models.sealed import sealed_context

        value = (text or "").strip()
        if not value:
            return None
        return self.kit.cipher.seal(value.encode("utf-8"),
                                    sealed_context(table, row_id, column))

    def open(self, table, row_id, column, blob):
        from portal.models.sealed import sealed_context

        if blob is None:
            return ""
        return self.kit.cipher.open(bytes(blob),
                                    sealed_context(table, row_id, column)).decode("utf-8")


def _rows(statement):
    return list(op.get_bind().execute(sa.text(statement)))


def _update(table, values, rows):
    if not rows:
        return
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    op.get_bind().execute(
        sa.text(f"UPDATE {table} SET {assignments} WHERE id = :row_id"), rows)  # noqa: S608


def upgrade():
    keys = _Keys()
    bind = op.get_bind()
    dialect = bind.dialect.name

    # Read the clear text first: on SQLite, batch mode rebuilds each table.
    clear = {table: _rows(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608
             for table, columns in CLEAR.items()}
    tags = _rows("SELECT id, tag FROM legal_tags")
    purposes = _rows("SELECT id, purpose FROM custody_events WHERE purpose <> ''")

    for table, columns in CLEAR.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(f"{column}_sealed", sa.LargeBinary(),
                                              nullable=True))
        sealed = []
        for row in clear[table]:
            values = {f"{column}_sealed": keys.seal(table, row[0], f"{column}_sealed", text)
                      for column, text in zip(columns, row[1:], strict=True)}
            if any(value is not None for value in values.values()):
                sealed.append({"row_id": row[0], **values})
        _update(table, [f"{column}_sealed" for column in columns], sealed)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)

    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('tag_digest', sa.String(length=64), nullable=True))
    if tags:
        from portal.services.search_index import legal_tag_digest

        _update("legal_tags", ["tag_sealed", "tag_digest"], [
            {"row_id": row_id, "tag_sealed": keys.seal("legal_tags", row_id, "tag_sealed", tag),
             "tag_digest": legal_tag_digest(keys.kit, tag)} for row_id, tag in tags])
    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.drop_constraint('uq_legal_tags_incident_id', type_='unique')
        batch_op.drop_column('tag')
        batch_op.alter_column('tag_digest', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_legal_tags_incident_id'),
                                          ['incident_id', 'tag_digest'])

    # custody_events is append-only: dropping a column is DDL, no row is updated. On
    # SQLite batch mode copies the table into a new one, which has none of its triggers.
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    if dialect == "sqlite":
        for statement in install_statements(dialect):
            op.execute(statement)
    op.create_table('custody_purposes',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('purpose_sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['custody_events.id'],
                            name=op.f('fk_custody_purposes_id_custody_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_purposes'))
    )
    if purposes:
        op.get_bind().execute(
            sa.text("INSERT INTO custody_purposes (id, purpose_sealed) VALUES (:id, :sealed)"),
            [{"id": event_id, "sealed": keys.seal("custody_purposes", event_id,
                                                  "purpose_sealed", purpose)}
             for event_id, purpose in purposes])


def downgrade():
    keys = _Keys()
    bind = op.get_bind()
    dialect = bind.dialect.name

    purposes = _rows("SELECT id, purpose_sealed FROM custody_purposes")
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=300), nullable=False,
                                      server_default=''))
    if dialect == "sqlite":  # the column was added in place, or the table rebuilt
        for statement in install_statements(dialect):
            op.execute(statement)
    if purposes:
        # The one time these rows change: the purpose goes back where it was.
        for statement in removal_statements(dialect):
            op.execute(statement)
        _update("custody_events", ["purpose"], [
            {"row_id": event_id,
             "purpose": keys.open("custody_purposes", event_id, "purpose_sealed", sealed)}
            for event_id, sealed in purposes])
        for statement in install_statements(dialect):
            op.execute(statement)
    op.drop_table('custody_purposes')

    tags = _rows("SELECT id, tag_sealed FROM legal_tags")
    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag', sa.String(length=60), nullable=False,
                                      server_default=''))
    _update("legal_tags", ["tag"], [
        {"row_id": row_id, "tag": keys.open("legal_tags", row_id, "tag_sealed", sealed)}
        for row_id, sealed in tags if sealed is not None])
    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.drop_constraint('uq_legal_tags_incident_id', type_='unique')
        batch_op.drop_column('tag_digest')
        batch_op.drop_column('tag_sealed')
        batch_op.create_unique_constraint(batch_op.f('uq_legal_tags_incident_id'),
                                          ['incident_id', 'tag'])

    for table, columns in CLEAR.items():
        sealed = _rows(f"SELECT id, {', '.join(c + '_sealed' for c in columns)} "  # noqa: S608
                       f"FROM {table}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.add_column(sa.Column(column, sa.String(length=length),
                                              nullable=False, server_default=''))
        opened = []
        for row in sealed:
            values = {column: keys.open(table, row[0], f"{column}_sealed", blob)
                      for column, blob in zip(columns, row[1:], strict=True)}
            if any(values.values()):
                opened.append({"row_id": row[0], **values})
        _update(table, list(columns), opened)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(f"{column}_sealed")
