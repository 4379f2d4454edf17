"""An exhibit may print its item's machine-read text (OCR) under its image (decision 0030)

Revision ID: 0025_recognised_text
Revises: 0024_chat_exports
Create Date: 2026-12-05

`dossier_exhibits.print_recognised_text`: the advocate's choice, off for every
exhibit that existed before. The recognised text itself is a rendition (purpose
"text", an encrypted blob): no table changes for it.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0025_recognised_text'
down_revision = '0024_chat_exports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier_exhibits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('print_recognised_text', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('dossier_exhibits', schema=None) as batch_op:
        batch_op.drop_column('print_recognised_text')
