"""Protected-term occurrences reviewed: a decision per occurrence

Revision ID: 0014_term_review
Revises: 0013_sealed_columns
Create Date: 2026-12-05

`dossier_term_reviews` holds, per dossier, the decision on each occurrence of a
protected term in its text (redact it there, or keep it for a recorded reason). An
occurrence is named by a keyed hash; the kept words and the reason are sealed. The
table starts empty: dossiers in review or approved before it must be reviewed again
before their next approval (decision 0016).
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0014_term_review'
down_revision = '0013_sealed_columns'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_term_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_key', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('phrase_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('reason_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_dossier_term_reviews_decided_by_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_term_reviews_dossier_id_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_term_reviews')),
    sa.UniqueConstraint('dossier_id', 'occurrence_key', name=op.f('uq_dossier_term_reviews_dossier_id'))
    )
    with op.batch_alter_table('dossier_term_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_term_reviews_dossier_id'), ['dossier_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossier_term_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_term_reviews_dossier_id'))
    op.drop_table('dossier_term_reviews')
