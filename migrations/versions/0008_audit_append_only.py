"""The audit log and the chains of custody refuse UPDATE and DELETE (and TRUNCATE)

Revision ID: 0008_audit_append_only
Revises: 0007_statements_of_truth
Create Date: 2026-12-02

Triggers on audit_events and custody_events (portal/audit/append_only.py holds their
DDL for PostgreSQL and SQLite). The portal never changes or removes those rows, so
nothing is allowed through. No schema change that the models describe.
"""
from alembic import op

from portal.audit.append_only import install_statements, removal_statements

# revision identifiers, used by Alembic.
revision = '0008_audit_append_only'
down_revision = '0007_statements_of_truth'
branch_labels = None
depends_on = None


def upgrade():
    for statement in install_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in removal_statements(op.get_bind().dialect.name):
        op.execute(statement)
