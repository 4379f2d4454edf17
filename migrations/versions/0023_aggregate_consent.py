"""A report's consent to be counted in other dossiers' statistics, and phone numbers
kept as typed when they cannot be read (decisions 0031 and 0028)

Revision ID: 0023_aggregate_consent
Revises: 0022_identifiers
Create Date: 2026-12-05

`consent_records.aggregate_use`: whether the report may be counted, as a number only,
in the recurring-identifier counts of dossiers that do not cite it. Every record made
before the question existed reads "no": nobody was asked.

`identifiers.unreadable`: a phone number that cannot be parsed is kept as typed and
flagged; it has no digest (`digest` becomes nullable), so it is never linked or
counted. A check ties the two: a row has a digest exactly when it is readable.
Downgrade deletes the unreadable rows (they cannot exist without a digest), which is
the only data it loses.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0023_aggregate_consent'
down_revision = '0022_identifiers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aggregate_use', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unreadable', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.alter_column('digest', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_check_constraint(op.f('ck_identifiers_unreadable_has_no_digest'),
                                         '(digest IS NULL) = unreadable')


def downgrade():
    op.execute("DELETE FROM identifiers WHERE unreadable")
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_identifiers_unreadable_has_no_digest'), type_='check')
        batch_op.alter_column('digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('unreadable')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_column('aggregate_use')
