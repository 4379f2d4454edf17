"""Identifiers on reports and evidence items, found across family files by a keyed
digest (decision 0028)

Revision ID: 0022_identifiers
Revises: 0021_person_keys
Create Date: 2026-12-05

`identifiers`: one row per identifier (phone number, account, e-mail address,
official's name, place, vehicle plate) recorded on one report or one evidence item.
The value as typed and its normal form are sealed; `digest` is an HMAC of the normal
form under a key derived from INDEX_KEY. A new table: nothing to seal from before.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0022_identifiers'
down_revision = '0021_person_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('phone', 'account', 'email', 'official', 'place', 'vehicle_plate', name='identifier_kind', native_enum=False, length=20), nullable=False),
    sa.Column('platform', sa.Enum('whatsapp', 'telegram', 'instagram', 'x', 'facebook', 'other', name='identifier_platform', native_enum=False, length=20), nullable=True),
    sa.Column('value_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('normal_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(incident_id IS NULL) <> (evidence_id IS NULL)', name=op.f('ck_identifiers_one_subject')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_identifiers_created_by_id_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_identifiers_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_identifiers_family_id_families')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_identifiers_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identifiers')),
    sa.UniqueConstraint('evidence_id', 'digest', name='uq_identifiers_evidence_digest'),
    sa.UniqueConstraint('incident_id', 'digest', name='uq_identifiers_incident_digest')
    )
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_identifiers_digest', ['digest', 'family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identifiers_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identifiers_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identifiers_incident_id'), ['incident_id'], unique=False)


def downgrade():
    # Drops every recorded identifier (sealed values and digests): the reports and
    # evidence they were recorded on are untouched.
    with op.batch_alter_table('identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identifiers_incident_id'))
        batch_op.drop_index(batch_op.f('ix_identifiers_family_id'))
        batch_op.drop_index(batch_op.f('ix_identifiers_evidence_id'))
        batch_op.drop_index('ix_identifiers_digest')
    op.drop_table('identifiers')
