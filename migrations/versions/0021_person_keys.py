"""Per-person key pairs, and the private key held for a session (decision 0027)

Revision ID: 0021_person_keys
Revises: 0020_resumable_uploads
Create Date: 2026-12-05

`person_keys`: one row per account, the public HPKE keyset in clear and the private
keyset encrypted under a key derived from the person's passphrase (Argon2id, its own
salt and cost). `user_sessions.person_key_held`: the private keyset while a session
lives, encrypted under a key derived from the cookie token.

Nothing is filled here: no passphrase is known to a migration. Existing accounts get
their pair at their next sign-in, when the passphrase is typed. Downgrading drops the
pairs; nothing is encrypted to them yet in this slice, so nothing is lost (a later
slice that encrypts family keys to them must refuse that downgrade).
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0021_person_keys'
down_revision = '0020_resumable_uploads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('public_keyset', sa.LargeBinary(), nullable=False),
    sa.Column('private_key_wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('kdf_salt', sa.LargeBinary(), nullable=False),
    sa.Column('kdf_time_cost', sa.Integer(), nullable=False),
    sa.Column('kdf_memory_kib', sa.Integer(), nullable=False),
    sa.Column('kdf_parallelism', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('wrapped_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_person_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_keys')),
    sa.UniqueConstraint('user_id', name=op.f('uq_person_keys_user_id'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_key_held', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('person_key_held')
    op.drop_table('person_keys')
