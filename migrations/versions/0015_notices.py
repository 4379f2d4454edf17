"""Content-free notices by e-mail: the opt-in, the sealed address, the last notice

Revision ID: 0015_notices
Revises: 0014_term_review
Create Date: 2026-12-05

Three columns on `users` (decision 0018): `notices_opted_in` (off for everyone
already there: nobody is written to without asking), `notice_email_sealed` (the
address, sealed like other personal fields) and `notice_queued_at` (when the last
notice was queued; the next waits NOTICE_COALESCE_MINUTES). Downgrading drops the
addresses people gave, which only served these notices.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0015_notices'
down_revision = '0014_term_review'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices_opted_in', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('notice_email_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('notice_queued_at', portal.models.base.UTCDateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notice_queued_at')
        batch_op.drop_column('notice_email_sealed')
        batch_op.drop_column('notices_opted_in')
