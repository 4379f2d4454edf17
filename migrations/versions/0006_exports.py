"""Dossier exports: variant, language, PDF and bundle hashes, encrypted blobs, by, when

Revision ID: 0006_exports
Revises: 0005_dossiers
Create Date: 2026-11-27

"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0006_exports'
down_revision = '0005_dossiers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('page_size', sa.String(length=10), nullable=False),
    sa.Column('include_originals', sa.Boolean(), nullable=False),
    sa.Column('stage', sa.Enum('queued', 'rendering', 'attaching', 'signing', 'bundling', 'done', 'failed', name='export_stage', native_enum=False, length=20), nullable=False),
    sa.Column('error_code', sa.String(length=60), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('pdf_blob_key', sa.String(length=32), nullable=True),
    sa.Column('pdf_key_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('bundle_sha256', sa.String(length=64), nullable=False),
    sa.Column('bundle_size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('bundle_blob_key', sa.String(length=32), nullable=True),
    sa.Column('bundle_key_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('finished_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dossier_exports_created_by_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_exports_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_dossier_exports_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_exports')),
    sa.UniqueConstraint('bundle_blob_key', name=op.f('uq_dossier_exports_bundle_blob_key')),
    sa.UniqueConstraint('pdf_blob_key', name=op.f('uq_dossier_exports_pdf_blob_key'))
    )
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_exports_dossier_id'), ['dossier_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_exports_dossier_id'))

    op.drop_table('dossier_exports')
