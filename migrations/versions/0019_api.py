"""read-only API: personal tokens, the deletions feed, updated_at on the synchronised resources

Revision ID: 0019_api
Revises: 0018_anomalies
Create Date: 2026-12-07 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_api'
down_revision = '0018_anomalies'
branch_labels = None
depends_on = None

# Tables that gain updated_at, with the column their existing rows take it from.
SYNCED = {
    'platforms': 'created_at',
    'organisations': 'created_at',
    'incubations': 'created_at',
    'partnerships': 'created_at',
    'training_cohorts': None,
    'tech_transfer_deals': 'created_at',
    'talents': 'created_at',
}


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('area', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_api_tokens_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('api_deletions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_deletions'))
    )
    with op.batch_alter_table('api_deletions', schema=None) as batch_op:
        batch_op.create_index('ix_api_deletions_deleted_at', ['deleted_at', 'id'], unique=False)

    for table, source in SYNCED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        origin = f'COALESCE({source}, CURRENT_TIMESTAMP)' if source else 'CURRENT_TIMESTAMP'
        op.execute(f'UPDATE {table} SET updated_at = {origin}')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_updated_at'), ['updated_at'], unique=False)


def downgrade():
    for table in reversed(list(SYNCED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_updated_at'))
            batch_op.drop_column('updated_at')

    with op.batch_alter_table('api_deletions', schema=None) as batch_op:
        batch_op.drop_index('ix_api_deletions_deleted_at')
    op.drop_table('api_deletions')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
