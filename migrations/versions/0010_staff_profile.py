"""Staff name and professional capacity (sealed), for the confidential variant of dossiers

Revision ID: 0010_staff_profile
Revises: 0009_assignment_confirmation
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010_staff_profile'
down_revision = '0009_assignment_confirmation'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_name_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('professional_capacity_sealed', sa.LargeBinary(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('professional_capacity_sealed')
        batch_op.drop_column('full_name_sealed')
