"""Assigning an advocate to a family file takes two people: proposals wait apart

Revision ID: 0009_assignment_confirmation
Revises: 0008_audit_append_only
Create Date: 2026-12-05

`assignment_proposals` holds what one person proposed and nobody confirmed yet; it
grants nothing. `assignments` keeps only confirmed grants, now with who confirmed them
and when. Assignments made before this revision were granted at once: they stay in
force, confirmed when they were made, by nobody on record.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0009_assignment_confirmation'
down_revision = '0008_audit_append_only'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['advocate_id'], ['users.id'], name=op.f('fk_assignment_proposals_advocate_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_assignment_proposals_family_id_families')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_assignment_proposals_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_proposals')),
    sa.UniqueConstraint('family_id', 'advocate_id', name=op.f('uq_assignment_proposals_family_id'))
    )
    with op.batch_alter_table('assignment_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_proposals_advocate_id'), ['advocate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_proposals_family_id'), ['family_id'], unique=False)

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', portal.models.base.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignments_confirmed_by_id_users'), 'users', ['confirmed_by_id'], ['id'])
    # Existing assignments were in force already: confirmed when they were made.
    op.execute("UPDATE assignments SET confirmed_at = created_at")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.alter_column('confirmed_at', existing_type=portal.models.base.UTCDateTime(),
                              nullable=False)


def downgrade():
    # Pending proposals granted nothing, so dropping them takes no one's access away.
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignments_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')

    with op.batch_alter_table('assignment_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_proposals_family_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_proposals_advocate_id'))

    op.drop_table('assignment_proposals')
