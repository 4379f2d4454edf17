"""The messages of a chat export that a dossier exhibit cites (decision 0029)

Revision ID: 0024_chat_exports
Revises: 0023_aggregate_consent
Create Date: 2026-12-05

`dossier_exhibits.messages_from` / `messages_to`: an exhibit that is a WhatsApp or
Telegram export may cite a range of its numbered messages ("messages 14–19"). Both
empty means the whole export, which is what every exhibit made before cited. The
message list itself is a rendition (purpose "messages"): no schema of its own.
Downgrade drops the ranges (the exhibits then cite the whole export again).
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0024_chat_exports'
down_revision = '0023_aggregate_consent'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier_exhibits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('messages_from', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('messages_to', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_dossier_exhibits_messages_range'),
            '(messages_from IS NULL AND messages_to IS NULL) OR '
            '(messages_from >= 1 AND messages_to >= messages_from)')


def downgrade():
    with op.batch_alter_table('dossier_exhibits', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_dossier_exhibits_messages_range'), type_='check')
        batch_op.drop_column('messages_to')
        batch_op.drop_column('messages_from')
