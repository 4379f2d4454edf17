"""Forms sent after the session ended, kept sealed (placeholder, filled by its change)

Revision ID: 0016_kept_posts
Revises: 0015_notices
Create Date: 2026-12-05
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
    pass


def downgrade():
    pass
