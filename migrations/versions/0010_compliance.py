"""compliance: rule sets and criteria, platforms' annual facts, last evaluated states and alerts

Revision ID: 0010_compliance
Revises: 0009_bookings
Create Date: 2026-11-29 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_compliance'
down_revision = '0009_bookings'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('compliance_rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=30), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('source_document', sa.String(length=300), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("subject IN ('incubator','maker_space','academician_workstation','company')", name=op.f('ck_compliance_rule_sets_subject')),
    sa.ForeignKeyConstraint(['based_on_id'], ['compliance_rule_sets.id'], name=op.f('fk_compliance_rule_sets_based_on_id_compliance_rule_sets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_rule_sets')),
    sa.UniqueConstraint('code', name=op.f('uq_compliance_rule_sets_code'))
    )

    op.create_table('compliance_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('computation', sa.String(length=60), nullable=False),
    sa.Column('comparison', sa.String(length=2), nullable=False),
    sa.Column('threshold_scaled', sa.BigInteger(), nullable=False),
    sa.Column('group_code', sa.String(length=60), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint("comparison IN ('>=','<=','==')", name=op.f('ck_compliance_criteria_comparison')),
    sa.ForeignKeyConstraint(['rule_set_id'], ['compliance_rule_sets.id'], name=op.f('fk_compliance_criteria_rule_set_id_compliance_rule_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_criteria')),
    sa.UniqueConstraint('rule_set_id', 'code', name=op.f('uq_compliance_criteria_rule_set_id_code'))
    )
    with op.batch_alter_table('compliance_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compliance_criteria_rule_set_id'), ['rule_set_id'], unique=False)

    op.create_table('platform_annual_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('full_time_staff', sa.Integer(), nullable=False),
    sa.Column('professional_staff', sa.Integer(), nullable=False),
    sa.Column('staff_with_degree', sa.Integer(), nullable=False),
    sa.Column('returnee_staff', sa.Integer(), nullable=False),
    sa.Column('service_staff', sa.Integer(), nullable=False),
    sa.Column('mentors', sa.Integer(), nullable=False),
    sa.Column('events_held', sa.Integer(), nullable=False),
    sa.Column('teams_signed_in', sa.Integer(), nullable=False),
    sa.Column('team_members', sa.Integer(), nullable=False),
    sa.Column('new_companies_registered', sa.Integer(), nullable=False),
    sa.Column('teams_financed', sa.Integer(), nullable=False),
    sa.Column('founders_students', sa.Integer(), nullable=False),
    sa.Column('founders_researchers', sa.Integer(), nullable=False),
    sa.Column('founders_returnees', sa.Integer(), nullable=False),
    sa.Column('area_total_m2', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('area_offices_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('area_tenant_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('area_public_service_m2', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('income_total', sa.BigInteger(), nullable=False),
    sa.Column('income_services', sa.BigInteger(), nullable=False),
    sa.Column('income_property', sa.BigInteger(), nullable=False),
    sa.Column('income_investment', sa.BigInteger(), nullable=False),
    sa.Column('profit', sa.BigInteger(), nullable=False),
    sa.Column('taxes', sa.BigInteger(), nullable=False),
    sa.Column('subsidies_received', sa.BigInteger(), nullable=False),
    sa.Column('incubation_fund', sa.BigInteger(), nullable=False),
    sa.Column('tenant_subsidies', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('year BETWEEN 1990 AND 2100', name=op.f('ck_platform_annual_facts_year')),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_platform_annual_facts_platform_id_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_annual_facts')),
    sa.UniqueConstraint('platform_id', 'year', name=op.f('uq_platform_annual_facts_platform_id_year'))
    )
    with op.batch_alter_table('platform_annual_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_annual_facts_platform_id'), ['platform_id'], unique=False)

    op.create_table('compliance_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('check_key', sa.String(length=130), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('evaluated_year', sa.Integer(), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_states')),
    sa.UniqueConstraint('subject_type', 'subject_id', 'check_key', name=op.f('uq_compliance_states_subject_type_subject_id_check_key'))
    )

    op.create_table('compliance_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('rule_set_id', sa.Integer(), nullable=True),
    sa.Column('criterion_code', sa.String(length=60), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('criterion_met','criterion_lost','graduation_eligible','high_tech_eligible')", name=op.f('ck_compliance_alerts_kind')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_compliance_alerts_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name=op.f('fk_compliance_alerts_platform_id_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_set_id'], ['compliance_rule_sets.id'], name=op.f('fk_compliance_alerts_rule_set_id_compliance_rule_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compliance_alerts'))
    )
    with op.batch_alter_table('compliance_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_compliance_alerts_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_compliance_alerts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_compliance_alerts_platform_id'), ['platform_id'], unique=False)


def downgrade():
    with op.batch_alter_table('compliance_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_compliance_alerts_created')
    with op.batch_alter_table('compliance_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_alerts_organisation_id'))
    with op.batch_alter_table('compliance_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_alerts_platform_id'))
    op.drop_table('compliance_alerts')
    op.drop_table('compliance_states')
    with op.batch_alter_table('platform_annual_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_annual_facts_platform_id'))
    op.drop_table('platform_annual_facts')
    with op.batch_alter_table('compliance_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compliance_criteria_rule_set_id'))
    op.drop_table('compliance_criteria')
    op.drop_table('compliance_rule_sets')
