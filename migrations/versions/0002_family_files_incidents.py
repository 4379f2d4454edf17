"""Family files, the victims register, people and incidents with consent, revisions and review.

Revision ID: 0002_family_files_incidents
Revises: 0001_foundation
Create Date: 2026-11-26

"""
from alembic import op
import sqlalchemy as sa
import portal.models.base

# revision identifiers, used by Alembic.
revision = '0002_family_files_incidents'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None

# The built-in incident types (DESIGN.md §4), in the three languages. Admins add more.
BUILTIN_TYPES = [
    ("summons", "Summons", "احضار", "Convocation"),
    ("interrogation", "Interrogation", "بازجویی", "Interrogatoire"),
    ("arbitrary_detention", "Arbitrary detention", "بازداشت خودسرانه", "Détention arbitraire"),
    ("ill_treatment", "Ill-treatment", "بدرفتاری", "Mauvais traitements"),
    ("threat_in_person", "Threat in person", "تهدید حضوری", "Menace en personne"),
    ("threat_by_phone", "Threat by phone", "تهدید تلفنی", "Menace par téléphone"),
    ("threat_online", "Threat online", "تهدید اینترنتی", "Menace en ligne"),
    ("threat_against_relatives_in_iran", "Threat against relatives in Iran",
     "تهدید بستگان در ایران", "Menace contre des proches en Iran"),
    ("surveillance", "Surveillance or following", "مراقبت یا تعقیب", "Surveillance ou filature"),
    ("burial_or_memorial_interference", "Interference with burial or memorial",
     "دخالت در خاک‌سپاری یا مراسم یادبود", "Entrave à l’inhumation ou à la commémoration"),
    ("martyr_status_or_compensation_pressure", "Pressure to accept “martyr” status or compensation",
     "فشار برای پذیرش عنوان «شهید» یا غرامت",
     "Pression pour accepter le statut de « martyr » ou une indemnisation"),
    ("demand_to_stop_speaking", "Demand to stop speaking to media or to delete posts",
     "درخواست سکوت در برابر رسانه‌ها یا حذف پست‌ها",
     "Exigence de ne plus parler aux médias ou de supprimer des publications"),
    ("travel_ban", "Travel ban", "ممنوع‌الخروجی", "Interdiction de voyager"),
    ("passport_or_device_confiscation", "Passport or device confiscation",
     "ضبط گذرنامه یا دستگاه", "Confiscation du passeport ou d’appareils"),
    ("property_damage", "Property damage", "خسارت به اموال", "Dégâts matériels"),
    ("online_harassment", "Online harassment", "آزار اینترنتی", "Harcèlement en ligne"),
    ("hacking_or_phishing", "Hacking or phishing", "هک یا فیشینگ", "Piratage ou hameçonnage"),
    ("state_media_smear", "Smear in state media", "بدنام‌سازی در رسانه‌های حکومتی",
     "Diffamation dans les médias d’État"),
    ("reprisals_at_work_or_school", "Reprisals at work or school",
     "تلافی در محل کار یا تحصیل", "Représailles au travail ou à l’école"),
    ("other", "Other", "سایر", "Autre"),
]


def upgrade():
    op.create_table('families',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('next_person_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_families')),
    sa.UniqueConstraint('code', name=op.f('uq_families_code'))
    )
    op.create_table('incident_type_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.Column('label_fa', sa.String(length=120), nullable=False),
    sa.Column('label_fr', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_type_terms')),
    sa.UniqueConstraint('code', name=op.f('uq_incident_type_terms_code'))
    )
    op.create_table('victims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_latin', sa.String(length=200), nullable=False),
    sa.Column('name_persian', sa.String(length=200), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('ties_countries', sa.String(length=200), nullable=False),
    sa.Column('ties_note', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_victims'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['advocate_id'], ['users.id'], name=op.f('fk_assignments_advocate_id_users')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_assignments_family_id_families')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
    sa.UniqueConstraint('family_id', 'advocate_id', name=op.f('uq_assignments_family_id'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_advocate_id'), ['advocate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_family_id'), ['family_id'], unique=False)

    op.create_table('family_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_family_memberships_family_id_families')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_family_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_memberships')),
    sa.UniqueConstraint('user_id', name=op.f('uq_family_memberships_user_id'))
    )
    with op.batch_alter_table('family_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_memberships_family_id'), ['family_id'], unique=False)

    op.create_table('family_victims',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('victim_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_family_victims_family_id_families')),
    sa.ForeignKeyConstraint(['victim_id'], ['victims.id'], name=op.f('fk_family_victims_victim_id_victims')),
    sa.PrimaryKeyConstraint('family_id', 'victim_id', name=op.f('pk_family_victims'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', name='incident_status', native_enum=False, length=40), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.Column('start_first_day', sa.Date(), nullable=True),
    sa.Column('start_last_day', sa.Date(), nullable=True),
    sa.Column('start_precision', sa.Enum('time', 'day', 'month', 'year', name='date_precision', native_enum=False, length=10), nullable=True),
    sa.Column('start_time', sa.Time(), nullable=True),
    sa.Column('start_text', sa.String(length=80), nullable=False),
    sa.Column('start_calendar', sa.String(length=12), nullable=False),
    sa.Column('end_first_day', sa.Date(), nullable=True),
    sa.Column('end_last_day', sa.Date(), nullable=True),
    sa.Column('end_precision', sa.Enum('time', 'day', 'month', 'year', name='date_precision', native_enum=False, length=10), nullable=True),
    sa.Column('end_time', sa.Time(), nullable=True),
    sa.Column('end_text', sa.String(length=80), nullable=False),
    sa.Column('end_calendar', sa.String(length=12), nullable=False),
    sa.Column('approximate', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('province', sa.String(length=80), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('place_type', sa.Enum('home', 'workplace', 'government_office', 'airport', 'cemetery_or_memorial', 'online', 'phone', 'other', name='place_type', native_enum=False, length=40), nullable=True),
    sa.Column('online_platform', sa.String(length=80), nullable=False),
    sa.Column('country_sent', sa.String(length=2), nullable=False),
    sa.Column('country_received', sa.String(length=2), nullable=False),
    sa.Column('country_carried_out', sa.String(length=2), nullable=False),
    sa.Column('narrative_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('narrative_language', sa.String(length=8), nullable=False),
    sa.Column('demands_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('threat_wording_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('trigger', sa.Enum('media_interview', 'rally', 'anniversary', 'legal_filing', 'none_known', 'other', name='incident_trigger', native_enum=False, length=40), nullable=True),
    sa.Column('perpetrators_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('reporter_is_target', sa.Boolean(), nullable=False),
    sa.Column('harm_note_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('witnesses_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('verification', sa.Enum('unverified', 'partially_corroborated', 'corroborated', name='verification', native_enum=False, length=40), nullable=False),
    sa.Column('verification_notes_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_incidents_family_id_families')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_incidents_reporter_id_users')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_incidents_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_country'), ['country'], unique=False)
        batch_op.create_index('ix_incidents_scope', ['family_id', 'status'], unique=False,
                              postgresql_include=['id', 'start_first_day', 'start_last_day',
                                                  'end_last_day', 'country', 'verification'])
        batch_op.create_index(batch_op.f('ix_incidents_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_start_first_day'), ['start_first_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_verification'), ['verification'], unique=False)

    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('relationship_note', sa.String(length=120), nullable=False),
    sa.Column('residence', sa.Enum('iran', 'canada', 'elsewhere', name='residence', native_enum=False, length=40), nullable=False),
    sa.Column('residence_country', sa.String(length=2), nullable=False),
    sa.Column('lives_in_iran', sa.Boolean(), nullable=False),
    sa.Column('travels_to_iran', sa.Boolean(), nullable=False),
    sa.Column('name_persian_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('name_latin_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('contact_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('address_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_people_created_by_id_users')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_people_family_id_families')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('code', name=op.f('uq_people_code')),
    sa.UniqueConstraint('family_id', 'number', name=op.f('uq_people_family_id'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_family_id'), ['family_id'], unique=False)

    op.create_table('authority_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.Enum('rcmp', 'police', 'other', name='authority', native_enum=False, length=40), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('reported_on_text', sa.String(length=80), nullable=False),
    sa.Column('reference_sealed', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_authority_reports_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_reports'))
    )
    with op.batch_alter_table('authority_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authority_reports_incident_id'), ['incident_id'], unique=False)

    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('destinations', sa.JSON(), nullable=False),
    sa.Column('disclosure', sa.Enum('full_name', 'pseudonym', 'anonymous', name='disclosure', native_enum=False, length=40), nullable=False),
    sa.Column('testify', sa.Enum('yes', 'no', 'unsure', name='testify', native_enum=False, length=40), nullable=False),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_consent_records_family_id_families')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_consent_records_incident_id_incidents')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_consent_records_person_id_people')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consent_records_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_family_id'), ['family_id'], unique=False)
        batch_op.create_index('ix_consent_records_subject', ['incident_id', 'person_id'], unique=False)

    op.create_table('incident_agencies',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.Enum('irgc_intelligence', 'ministry_of_intelligence', 'judiciary', 'police', 'cyber_police', 'consulate_or_embassy', 'state_media', 'unknown', 'other', name='agency', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_agencies_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', 'agency', name=op.f('pk_incident_agencies'))
    )
    op.create_table('incident_harms',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('harm', sa.Enum('fear_or_distress', 'physical', 'loss_of_liberty', 'financial', 'loss_of_work_or_study', 'family_separation', 'self_censorship', 'other', name='harm', native_enum=False, length=40), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_harms_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', 'harm', name=op.f('pk_incident_harms'))
    )
    op.create_table('incident_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('linked_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('related', 'duplicate', name='link_kind', native_enum=False, length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incident_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_links_incident_id_incidents')),
    sa.ForeignKeyConstraint(['linked_id'], ['incidents.id'], name=op.f('fk_incident_links_linked_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_links')),
    sa.UniqueConstraint('incident_id', 'linked_id', name=op.f('uq_incident_links_incident_id'))
    )
    with op.batch_alter_table('incident_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_links_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('is_question', sa.Boolean(), nullable=False),
    sa.Column('answered_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.Column('body_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incident_messages_author_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_messages_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_messages'))
    )
    with op.batch_alter_table('incident_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_messages_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(), nullable=False),
    sa.Column('changed_fields', sa.JSON(), nullable=False),
    sa.Column('snapshot_sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incident_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_revisions_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_revisions')),
    sa.UniqueConstraint('incident_id', 'number', name=op.f('uq_incident_revisions_incident_id'))
    )
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_revisions_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_targets',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_targets_incident_id_incidents')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_incident_targets_person_id_people')),
    sa.PrimaryKeyConstraint('incident_id', 'person_id', name=op.f('pk_incident_targets'))
    )
    op.create_table('incident_types',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_types_incident_id_incidents')),
    sa.ForeignKeyConstraint(['type_id'], ['incident_type_terms.id'], name=op.f('fk_incident_types_type_id_incident_type_terms')),
    sa.PrimaryKeyConstraint('incident_id', 'type_id', name=op.f('pk_incident_types'))
    )
    op.create_table('legal_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.Column('suggested_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', portal.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_legal_tags_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_legal_tags_incident_id_incidents')),
    sa.ForeignKeyConstraint(['suggested_by_id'], ['users.id'], name=op.f('fk_legal_tags_suggested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_tags')),
    sa.UniqueConstraint('incident_id', 'tag', name=op.f('uq_legal_tags_incident_id'))
    )
    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_tags_incident_id'), ['incident_id'], unique=False)

    op.create_table('search_tokens',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_search_tokens_incident_id_incidents')),
    sa.PrimaryKeyConstraint('token', 'incident_id', name=op.f('pk_search_tokens'))
    )
    with op.batch_alter_table('search_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_tokens_incident_id'), ['incident_id'], unique=False)


    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invitations_family_id_families'),
                                    'families', ['family_id'], ['id'])

    terms = sa.table("incident_type_terms", sa.column("code", sa.String),
                     sa.column("label_en", sa.String), sa.column("label_fa", sa.String),
                     sa.column("label_fr", sa.String), sa.column("position", sa.Integer),
                     sa.column("active", sa.Boolean))
    op.bulk_insert(terms, [
        {"code": code, "label_en": en, "label_fa": fa, "label_fr": fr,
         "position": position, "active": True}
        for position, (code, en, fa, fr) in enumerate(BUILTIN_TYPES)
    ])

def downgrade():
    # Dropping the column drops its foreign key too (PostgreSQL cascades it; SQLite's
    # batch mode rebuilds the table without it).
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('family_id')

    with op.batch_alter_table('search_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_tokens_incident_id'))

    op.drop_table('search_tokens')
    with op.batch_alter_table('legal_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_tags_incident_id'))

    op.drop_table('legal_tags')
    op.drop_table('incident_types')
    op.drop_table('incident_targets')
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_revisions_incident_id'))

    op.drop_table('incident_revisions')
    with op.batch_alter_table('incident_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_messages_incident_id'))

    op.drop_table('incident_messages')
    with op.batch_alter_table('incident_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_links_incident_id'))

    op.drop_table('incident_links')
    op.drop_table('incident_harms')
    op.drop_table('incident_agencies')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_records_subject')
        batch_op.drop_index(batch_op.f('ix_consent_records_family_id'))

    op.drop_table('consent_records')
    with op.batch_alter_table('authority_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authority_reports_incident_id'))

    op.drop_table('authority_reports')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_family_id'))

    op.drop_table('people')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_verification'))
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_start_first_day'))
        batch_op.drop_index(batch_op.f('ix_incidents_reporter_id'))
        batch_op.drop_index('ix_incidents_scope')
        batch_op.drop_index(batch_op.f('ix_incidents_country'))

    op.drop_table('incidents')
    op.drop_table('family_victims')
    with op.batch_alter_table('family_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_memberships_family_id'))

    op.drop_table('family_memberships')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_family_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_advocate_id'))

    op.drop_table('assignments')
    op.drop_table('victims')
    op.drop_table('incident_type_terms')
    op.drop_table('families')
