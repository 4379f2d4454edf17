"""Forms sent after the session ended, kept sealed until their owner signs in again

Revision ID: 0016_kept_posts
Revises: 0015_notices
Create Date: 2026-12-05

`kept_posts` (decision 0020): the fields of a form that arrived after its session had
ended, or that a language switch carried, sealed as JSON in `form_sealed`, bound to the
account (`user_id`) and the page (`endpoint`, `path`) they belong to, and deleted once
restored, at sign-out, at quick exit, or at `expires_at`. The table starts empty;
downgrading drops what is waiting in it, which lives a day at most.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0016_kept_posts'
down_revision = '0015_notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=80), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('form_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kept_posts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_posts'))
    )
    with op.batch_alter_table('kept_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_posts_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_posts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_posts_user_id'))
        batch_op.drop_index(batch_op.f('ix_kept_posts_expires_at'))
    op.drop_table('kept_posts')
