"""Section translations and pending account translations (decision 0023)

Revision ID: 0018_section_translations
Revises: 0017_fixed_pagination
Create Date: 2026-12-05

`section_translations` holds a translation of one dossier section into another
language (sealed text, translator and certificate; method, certified flag, the
SHA-256 of the section text it was made from, so that a later edit of the section
makes it stale). `pending_translations` holds a legal reviewer's reason for approving
a dossier while an account in another language has no certified translation
("translation to follow"). Both start empty.
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0018_section_translations'
down_revision = '0017_fixed_pagination'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('section_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('translator_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('method', sa.Enum('human', 'machine_reviewed', 'machine', name='translation_method', native_enum=False, length=20), nullable=False),
    sa.Column('certified', sa.Boolean(), nullable=False),
    sa.Column('certificate_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_section_translations_created_by_id_users')),
    sa.ForeignKeyConstraint(['section_id'], ['dossier_sections.id'], name=op.f('fk_section_translations_section_id_dossier_sections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_translations')),
    sa.UniqueConstraint('section_id', 'language', name=op.f('uq_section_translations_section_id'))
    )
    with op.batch_alter_table('section_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_translations_section_id'), ['section_id'], unique=False)
    op.create_table('pending_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('reason_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_pending_translations_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_pending_translations_incident_id_incidents')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_pending_translations_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_translations')),
    sa.UniqueConstraint('dossier_id', 'incident_id', name=op.f('uq_pending_translations_dossier_id'))
    )
    with op.batch_alter_table('pending_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_translations_dossier_id'), ['dossier_id'], unique=False)


def downgrade():
    # Translations are evidence: downgrading drops them (take a backup first).
    with op.batch_alter_table('pending_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_translations_dossier_id'))
    op.drop_table('pending_translations')
    with op.batch_alter_table('section_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_translations_section_id'))
    op.drop_table('section_translations')
