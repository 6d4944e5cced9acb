"""platforms: recognitions and alerts, space units, tenancies, experts, residencies, on-site days

Revision ID: 0004_platforms
Revises: 0003_targets
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_platforms'
down_revision = '0003_targets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_sort', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('academy', sa.String(length=3), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('affiliation', sa.String(length=200), nullable=True),
    sa.Column('field', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("academy IS NULL OR academy IN ('CAS','CAE')", name=op.f('ck_experts_academy')),
    sa.CheckConstraint("kind IN ('academician','professor','mentor')", name=op.f('ck_experts_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experts'))
    )
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.create_index('ix_experts_name_sort', ['name_sort'], unique=False)

    op.create_table('platform_recognition_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_platform_recognition_alerts_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_recognition_alerts')),
    sa.UniqueConstraint('platform_id', 'expires_on', name=op.f('uq_platform_recognition_alerts_platform_id_expires_on'))
    )
    op.create_table('platform_recognitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('recognized_on', sa.Date(), nullable=False),
    sa.Column('issuing_body', sa.String(length=200), nullable=False),
    sa.Column('document_no', sa.String(length=100), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level IN ('national','provincial','municipal','county')", name=op.f('ck_platform_recognitions_level')),
    sa.CheckConstraint('expires_on IS NULL OR expires_on > recognized_on', name=op.f('ck_platform_recognitions_expires_after_recognized')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_platform_recognitions_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_recognitions'))
    )
    with op.batch_alter_table('platform_recognitions', schema=None) as batch_op:
        batch_op.create_index('ix_platform_recognitions_platform_date', ['platform_id', 'recognized_on'], unique=False)

    op.create_table('residencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('agreement_no', sa.String(length=60), nullable=True),
    sa.Column('min_onsite_days', sa.Integer(), nullable=False),
    sa.Column('research_topic', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_residencies_ends_after_starts')),
    sa.CheckConstraint('min_onsite_days >= 0 AND min_onsite_days <= 366', name=op.f('ck_residencies_min_onsite_days')),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_residencies_expert_id_experts')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_residencies_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residencies'))
    )
    with op.batch_alter_table('residencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_residencies_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index('ix_residencies_platform', ['platform_id'], unique=False)

    op.create_table('space_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('monthly_rent', sa.BigInteger(), nullable=False),
    sa.Column('floor', sa.String(length=20), nullable=True),
    sa.Column('bookable', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('room','office','desk','workshop_bay','lab_bench')", name=op.f('ck_space_units_kind')),
    sa.CheckConstraint("purpose IN ('tenant','public_service')", name=op.f('ck_space_units_purpose')),
    sa.CheckConstraint('area_m2 >= 0', name=op.f('ck_space_units_area_not_negative')),
    sa.CheckConstraint('monthly_rent >= 0', name=op.f('ck_space_units_rent_not_negative')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_space_units_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_units')),
    sa.UniqueConstraint('platform_id', 'code', name=op.f('uq_space_units_platform_id_code'))
    )
    with op.batch_alter_table('space_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_space_units_platform_id'), ['platform_id'], unique=False)

    op.create_table('tenancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('monthly_rent', sa.BigInteger(), nullable=False),
    sa.Column('contract_no', sa.String(length=60), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_tenancies_ends_after_starts')),
    sa.CheckConstraint('monthly_rent >= 0', name=op.f('ck_tenancies_rent_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_tenancies_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_tenancies_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenancies'))
    )
    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenancies_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_tenancies_platform_dates', ['platform_id', 'starts_on', 'ends_on'], unique=False)

    op.create_table('onsite_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('residency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['residency_id'], ['residencies.id'], name=op.f('fk_onsite_days_residency_id_residencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_onsite_days')),
    sa.UniqueConstraint('residency_id', 'day', name=op.f('uq_onsite_days_residency_id_day'))
    )
    op.create_table('residency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('residency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('joint_project','talent_trained')", name=op.f('ck_residency_records_kind')),
    sa.CheckConstraint('people >= 0', name=op.f('ck_residency_records_people_not_negative')),
    sa.ForeignKeyConstraint(['residency_id'], ['residencies.id'], name=op.f('fk_residency_records_residency_id_residencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_residency_records'))
    )
    with op.batch_alter_table('residency_records', schema=None) as batch_op:
        batch_op.create_index('ix_residency_records_residency', ['residency_id'], unique=False)

    op.create_table('tenancy_units',
    sa.Column('tenancy_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenancy_id'], ['tenancies.id'], name=op.f('fk_tenancy_units_tenancy_id_tenancies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['space_units.id'], name=op.f('fk_tenancy_units_unit_id_space_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenancy_id', 'unit_id', name=op.f('pk_tenancy_units'))
    )
    with op.batch_alter_table('tenancy_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenancy_units_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('attributes')

    with op.batch_alter_table('tenancy_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenancy_units_unit_id'))

    op.drop_table('tenancy_units')
    with op.batch_alter_table('residency_records', schema=None) as batch_op:
        batch_op.drop_index('ix_residency_records_residency')

    op.drop_table('residency_records')
    op.drop_table('onsite_days')
    with op.batch_alter_table('tenancies', schema=None) as batch_op:
        batch_op.drop_index('ix_tenancies_platform_dates')
        batch_op.drop_index(batch_op.f('ix_tenancies_organisation_id'))

    op.drop_table('tenancies')
    with op.batch_alter_table('space_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_space_units_platform_id'))

    op.drop_table('space_units')
    with op.batch_alter_table('residencies', schema=None) as batch_op:
        batch_op.drop_index('ix_residencies_platform')
        batch_op.drop_index(batch_op.f('ix_residencies_expert_id'))

    op.drop_table('residencies')
    with op.batch_alter_table('platform_recognitions', schema=None) as batch_op:
        batch_op.drop_index('ix_platform_recognitions_platform_date')

    op.drop_table('platform_recognitions')
    op.drop_table('platform_recognition_alerts')
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.drop_index('ix_experts_name_sort')

    op.drop_table('experts')
