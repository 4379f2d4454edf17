"""Forms that create something are acted on once: their one-time tokens

Revision ID: 0011_single_use
Revises: 0010_staff_profile
Create Date: 2026-12-06

`form_submissions` holds, per account, the one-time token of each form sent that
creates something (a report, a message, an upload) and the page it led to. The unique
key on (user_id, token) lets one request alone claim a token. The table starts empty.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0011_single_use'
down_revision = '0010_staff_profile'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('result_path', sa.String(length=500), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('user_id', 'token', name=op.f('uq_form_submissions_user_id'))
    )


def downgrade():
    # Only the tokens of forms already sent: nothing anyone wrote is lost.
    op.drop_table('form_submissions')
