"""Pagination fixed at the first export of an approved version (decision 0022)

Revision ID: 0017_fixed_pagination
Revises: 0016_kept_posts
Create Date: 2026-12-05

`fixed_paginations` holds, per dossier version (row and approved content hash),
language and page size, the page count of every block as the first export laid it
out; later exports pad to it so that no Bates number moves. Block ids and counts
only. The table starts empty: a version exported before it gets its pagination fixed
by its next export.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0017_fixed_pagination'
down_revision = '0016_kept_posts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fixed_paginations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('page_size', sa.String(length=10), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('fixed_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_fixed_paginations_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['export_id'], ['dossier_exports.id'], name=op.f('fk_fixed_paginations_export_id_dossier_exports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fixed_paginations')),
    sa.UniqueConstraint('dossier_id', 'content_sha256', 'language', 'page_size', name=op.f('uq_fixed_paginations_dossier_id'))
    )
    with op.batch_alter_table('fixed_paginations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fixed_paginations_dossier_id'), ['dossier_id'], unique=False)


def downgrade():
    # Only the measured page counts: the next export of a version fixes them again
    # (its Bates numbers are then those of that export, not necessarily the first's).
    with op.batch_alter_table('fixed_paginations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fixed_paginations_dossier_id'))
    op.drop_table('fixed_paginations')
