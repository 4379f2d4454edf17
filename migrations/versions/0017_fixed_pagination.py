"""Pagination fixed at approval (placeholder, filled by its change)

Revision ID: 0017_fixed_pagination
Revises: 0016_kept_posts
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0017_fixed_pagination'
down_revision = '0016_kept_posts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
