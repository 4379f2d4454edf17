"""Redacted renditions of exhibits: the pages the public variant shows blacked out

Revision ID: 0012_redacted_renditions
Revises: 0011_single_use
Create Date: 2026-12-05

`exhibit_redactions` holds, per exhibit of a dossier version and per page (1 for an
image), the rendition whose marked areas were blacked out and the rectangles marked
(coordinates only). The renditions themselves are ordinary rows of `renditions`; the
table starts empty.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0012_redacted_renditions'
down_revision = '0011_single_use'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exhibit_redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exhibit_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('rendition_id', sa.Integer(), nullable=False),
    sa.Column('rectangles', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exhibit_redactions_created_by_id_users')),
    sa.ForeignKeyConstraint(['exhibit_id'], ['dossier_exhibits.id'], name=op.f('fk_exhibit_redactions_exhibit_id_dossier_exhibits')),
    sa.ForeignKeyConstraint(['rendition_id'], ['renditions.id'], name=op.f('fk_exhibit_redactions_rendition_id_renditions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exhibit_redactions')),
    sa.UniqueConstraint('exhibit_id', 'page', name=op.f('uq_exhibit_redactions_exhibit_id'))
    )
    with op.batch_alter_table('exhibit_redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exhibit_redactions_exhibit_id'), ['exhibit_id'], unique=False)


def downgrade():
    # Only which rendition each page shows: the renditions, their blobs and their
    # custody events stay (nothing of the evidence is lost).
    with op.batch_alter_table('exhibit_redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exhibit_redactions_exhibit_id'))
    op.drop_table('exhibit_redactions')
