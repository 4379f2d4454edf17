"""Evidence vault: items, renditions and their chains of custody.

Revision ID: 0003_evidence_vault
Revises: 0002_family_files_incidents
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0003_evidence_vault'
down_revision = '0002_family_files_incidents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('state', sa.Enum('active', 'withdrawal_requested', 'withdrawn', name='evidence_state', native_enum=False, length=40), nullable=False),
    sa.Column('kind', sa.Enum('document', 'photo', 'video', 'audio', 'screenshot', 'chat_export', 'email', 'web_capture', 'call_log', 'medical_record', 'other', name='evidence_kind', native_enum=False, length=40), nullable=False),
    sa.Column('title_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('description_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('original_filename_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('extension', sa.String(length=16), nullable=False),
    sa.Column('client_media_type', sa.String(length=120), nullable=False),
    sa.Column('detected_media_type', sa.String(length=120), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('blob_key', sa.String(length=32), nullable=False),
    sa.Column('file_key_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('obtained_how_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('prior_chain_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('creator_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('source_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('claimed_date_text', sa.String(length=80), nullable=False),
    sa.Column('claimed_place_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('claim_source', sa.String(length=20), nullable=False),
    sa.Column('claim_trusted', sa.Boolean(), nullable=True),
    sa.Column('metadata_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('classification', sa.String(length=20), nullable=False),
    sa.Column('consent_destinations', sa.JSON(), nullable=True),
    sa.Column('withdrawal_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_requested_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.Column('withdrawal_reason_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.Column('custody_last_seq', sa.Integer(), nullable=False),
    sa.Column('custody_last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_evidence_items_family_id_families')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_items_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawal_requested_by_id'], ['users.id'], name=op.f('fk_evidence_items_withdrawal_requested_by_id_users')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_evidence_items_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('blob_key', name=op.f('uq_evidence_items_blob_key'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_sha256'), ['sha256'], unique=False)

    op.create_table('custody_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('occurred_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('hash_before', sa.String(length=64), nullable=False),
    sa.Column('hash_after', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_custody_events_item_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_events')),
    sa.UniqueConstraint('item_id', 'seq', name=op.f('uq_custody_events_item_id'))
    )
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_events_item_id'), ['item_id'], unique=False)

    op.create_table('evidence_incidents',
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_evidence_incidents_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_evidence_incidents_incident_id_incidents')),
    sa.PrimaryKeyConstraint('evidence_id', 'incident_id', name=op.f('pk_evidence_incidents'))
    )
    op.create_table('renditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('blob_key', sa.String(length=32), nullable=False),
    sa.Column('file_key_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_renditions_item_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renditions')),
    sa.UniqueConstraint('blob_key', name=op.f('uq_renditions_blob_key')),
    sa.UniqueConstraint('item_id', 'purpose', name=op.f('uq_renditions_item_id'))
    )
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renditions_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('renditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renditions_item_id'))

    op.drop_table('renditions')
    op.drop_table('evidence_incidents')
    with op.batch_alter_table('custody_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_events_item_id'))

    op.drop_table('custody_events')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_family_id'))

    op.drop_table('evidence_items')
