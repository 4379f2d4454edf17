"""Resumable uploads: evidence received in parts, across requests (decision 0025)

Revision ID: 0020_resumable_uploads
Revises: 0019_report_steps
Create Date: 2026-12-05

`resumable_uploads` (a tus upload: who, which report, the declared length, the offset
received, the parts' sealed data key and the sealed metadata) and
`resumable_upload_parts` (each received part: its plaintext range and the blob holding
its ciphertext). Both start empty. Downgrading drops uploads in progress: their part
blobs become orphans that `flask evidence reconcile --fix` removes; nothing of a
finished upload is lost (it is an evidence item by then).
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0020_resumable_uploads'
down_revision = '0019_report_steps'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resumable_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('length_bytes', sa.BigInteger(), nullable=False),
    sa.Column('offset_bytes', sa.BigInteger(), nullable=False),
    sa.Column('parts_count', sa.Integer(), nullable=False),
    sa.Column('file_key_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('metadata_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('received_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_resumable_uploads_incident_id_incidents')),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_resumable_uploads_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_resumable_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resumable_uploads'))
    )
    with op.batch_alter_table('resumable_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resumable_uploads_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resumable_uploads_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_resumable_uploads_user_id'), ['user_id'], unique=False)
    op.create_table('resumable_upload_parts',
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('offset_bytes', sa.BigInteger(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('blob_key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['resumable_uploads.id'], name=op.f('fk_resumable_upload_parts_upload_id_resumable_uploads')),
    sa.PrimaryKeyConstraint('upload_id', 'seq', name=op.f('pk_resumable_upload_parts')),
    sa.UniqueConstraint('blob_key', name=op.f('uq_resumable_upload_parts_blob_key'))
    )


def downgrade():
    op.drop_table('resumable_upload_parts')
    with op.batch_alter_table('resumable_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resumable_uploads_user_id'))
        batch_op.drop_index(batch_op.f('ix_resumable_uploads_received_at'))
        batch_op.drop_index(batch_op.f('ix_resumable_uploads_incident_id'))
    op.drop_table('resumable_uploads')
