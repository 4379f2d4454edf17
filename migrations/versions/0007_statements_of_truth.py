"""Statements of truth on incident revisions; the language of an evidence item's content

Revision ID: 0007_statements_of_truth
Revises: 0006_exports
Create Date: 2026-11-28

"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0007_statements_of_truth'
down_revision = '0006_exports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_true_at', portal.models.base.UTCDateTime(),
                                      nullable=True))
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_language', sa.String(length=16),
                                      nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_column('content_language')
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.drop_column('declared_true_at')
