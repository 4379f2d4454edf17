"""One question per page (decision 0024): no schema change.

The step-by-step report stores its answers in the columns the one-page form already
used (each step saves the draft), where a step is at is in its address, and whether a
step is answered is read from the answers themselves; deleting a draft removes rows
and needs no new column. This revision is kept, empty, so that the numbering assigned
to the change stays in the chain.

Revision ID: 0019_report_steps
Revises: 0018_section_translations
Create Date: 2026-12-05
"""

# revision identifiers, used by Alembic.
revision = '0019_report_steps'
down_revision = '0018_section_translations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change."""


def downgrade() -> None:
    """Nothing to undo."""
