"""zones as tenants, regions above them: a one-zone install becomes a one-zone deployment

Revision ID: 0022_zones
Revises: 0021_jobs
Create Date: 2026-12-07 15:30:00

Adds ``regions`` (a tree: city, province) and ``zones``, and one zone that every existing platform,
incubation, target, indicator weight, published evaluation, review criterion and user belongs to. The targets',
weights' and evaluations' uniqueness becomes per zone. On PostgreSQL the zoned tables get row-level security,
FORCEd (a policy per table: see ROW_SECURITY_TABLES). Nothing else changes: the way back drops the columns
and tables again and restores the old uniqueness, and refuses a deployment with more than one zone (their
targets and evaluations would collide in one zone's constraints).
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_zones'
down_revision = '0021_jobs'
branch_labels = None
depends_on = None

FIRST_ZONE = {"code": "ZONE", "name_zh": "示范开发区", "name_en": "Demonstration Development Zone"}
# table -> whether its zone_id is required (a region's staff have none)
ZONED = {"platforms": True, "incubations": True, "targets": True, "indicator_weights": True,
         "evaluation_snapshots": True, "rubric_criteria": True, "users": False}
# table -> (the uniqueness before, the uniqueness per zone)
PER_ZONE_UNIQUE = {
    "targets": (("year", "scope", "indicator"), ("zone_id", "year", "scope", "indicator")),
    "indicator_weights": (("year", "indicator"), ("zone_id", "year", "indicator")),
    "evaluation_snapshots": (("period", "version"), ("zone_id", "period", "version")),
}

# PostgreSQL: the zoned tables show a row only to a transaction whose setting incubator.zone_ids names its
# zone, or is 'all'; unset, nothing (incubator/zones/row_security.py).
ROW_SECURITY_TABLES = ("platforms", "incubations", "targets", "indicator_weights", "evaluation_snapshots",
                       "rubric_criteria")
# CASE, not OR: PostgreSQL may evaluate both sides of an OR, and 'all' is no integer.
ZONE_POLICY = ("CASE WHEN current_setting('incubator.zone_ids', true) = 'all' THEN true ELSE coalesce(zone_id = ANY "
               "(string_to_array(nullif(current_setting('incubator.zone_ids', true), ''), ',')::integer[]), false) END")


def _unique_name(table, columns):
    return f"uq_{table}_{'_'.join(columns)}"


def upgrade():
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("level IN ('city','province')", name=op.f('ck_regions_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['regions.id'], name=op.f('fk_regions_parent_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regions')),
    sa.UniqueConstraint('code', name=op.f('uq_regions_code'))
    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regions_parent_id'), ['parent_id'], unique=False)

    zones = op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_zones_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('code', name=op.f('uq_zones_code'))
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_region_id'), ['region_id'], unique=False)

    connection = op.get_bind()
    zone_id = connection.execute(zones.insert().values(
        **FIRST_ZONE, created_at=datetime.now(timezone.utc).replace(tzinfo=None))).inserted_primary_key[0]

    for table, required in ZONED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        connection.execute(sa.table(table, sa.column('zone_id')).update().values(zone_id=zone_id))
        with op.batch_alter_table(table, schema=None) as batch_op:
            if required:
                batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_zone_id'), ['zone_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_zone_id_zones'), 'zones', ['zone_id'], ['id'])
            if table in PER_ZONE_UNIQUE:
                before, after = PER_ZONE_UNIQUE[table]
                batch_op.drop_constraint(_unique_name(table, before), type_='unique')
                batch_op.create_unique_constraint(_unique_name(table, after), list(after))
            if table == 'users':
                batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
                batch_op.create_index(batch_op.f('ix_users_region_id'), ['region_id'], unique=False)
                batch_op.create_foreign_key(batch_op.f('fk_users_region_id_regions'), 'regions', ['region_id'], ['id'])
                batch_op.create_check_constraint(op.f('ck_users_one_zone_or_region'),
                                                 'zone_id IS NULL OR region_id IS NULL')

    if connection.dialect.name == "postgresql":
        for table in ROW_SECURITY_TABLES:
            op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            op.execute(f'CREATE POLICY zone_isolation ON "{table}" USING ({ZONE_POLICY}) WITH CHECK ({ZONE_POLICY})')


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table in ROW_SECURITY_TABLES:
            op.execute(f'DROP POLICY IF EXISTS zone_isolation ON "{table}"')
            op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    zones = connection.scalar(sa.text("SELECT count(*) FROM zones"))
    if zones > 1:
        raise RuntimeError(f"this deployment has {zones} zones; below 0022_zones a database holds one zone only")
    regional = connection.scalar(sa.text("SELECT count(*) FROM users WHERE region_id IS NOT NULL"))
    if regional:
        raise RuntimeError(f"{regional} users work for a region; below 0022_zones there are no regions")
    for table in reversed(list(ZONED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'users':
                batch_op.drop_constraint(op.f('ck_users_one_zone_or_region'), type_='check')
                batch_op.drop_constraint(batch_op.f('fk_users_region_id_regions'), type_='foreignkey')
                batch_op.drop_index(batch_op.f('ix_users_region_id'))
                batch_op.drop_column('region_id')
            if table in PER_ZONE_UNIQUE:
                before, after = PER_ZONE_UNIQUE[table]
                batch_op.drop_constraint(_unique_name(table, after), type_='unique')
                batch_op.create_unique_constraint(_unique_name(table, before), list(before))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_zone_id_zones'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_zone_id'))
            batch_op.drop_column('zone_id')

    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_region_id'))
    op.drop_table('zones')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regions_parent_id'))
    op.drop_table('regions')
