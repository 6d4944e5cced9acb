"""anomaly checks: their settings, founders' notes on flags, and flags frozen into published evaluations

Revision ID: 0018_anomalies
Revises: 0016_zone_reference_data
Create Date: 2026-12-07 02:40:00

Versions published before this revision have ``anomalies_frozen`` false: they froze no flags, and export
exactly as they did (no ``anomalies.csv``, no sheet of flags).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_anomalies'
down_revision = '0016_zone_reference_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('anomaly_settings',
    sa.Column('check_code', sa.String(length=30), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_anomaly_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('check_code', name=op.f('pk_anomaly_settings'))
    )
    op.create_table('anomaly_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('check_code', sa.String(length=30), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_anomaly_notes_author_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['quarterly_reports.id'], name=op.f('fk_anomaly_notes_report_id_quarterly_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anomaly_notes')),
    sa.UniqueConstraint('report_id', 'check_code', 'indicator', name=op.f('uq_anomaly_notes_report_id_check_code_indicator'))
    )
    with op.batch_alter_table('anomaly_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomaly_notes_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('evaluation_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anomalies_frozen', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.execute("DELETE FROM evaluation_snapshot_rows WHERE section = 'anomaly'")
    with op.batch_alter_table('evaluation_snapshots', schema=None) as batch_op:
        batch_op.drop_column('anomalies_frozen')

    with op.batch_alter_table('anomaly_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomaly_notes_report_id'))

    op.drop_table('anomaly_notes')
    op.drop_table('anomaly_settings')
