"""industries named as the zone names them; an industry name means one industry

Revision ID: 0016_zone_reference_data
Revises: 0014_auth_hardening
Create Date: 2026-12-07 02:30:00

An unchanged default industry takes the zone's own name (高端装备 → 高端装备制造, 新能源与新材料 → 新能源新材料);
a name an administrator changed stays as it is. Industry names become unique: where two industries share a
name today (the import then silently took the last), every one after the first gets its code added to the
name, so no organisation changes industry and an administrator sees what to tidy up.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_zone_reference_data'
down_revision = '0014_auth_hardening'
branch_labels = None
depends_on = None

# (code, column, the name before, the zone's name): the defaults of organisations/services.py.
RENAMES = (
    ("high_end_equipment", "name_zh", "高端装备", "高端装备制造"),
    ("high_end_equipment", "name_en", "High-end equipment", "High-end equipment manufacturing"),
    ("new_energy_materials", "name_zh", "新能源与新材料", "新能源新材料"),
)
NAME_LENGTH = 100

industries = sa.table("industries", sa.column("id", sa.Integer), sa.column("code", sa.String),
                      sa.column("name_zh", sa.String), sa.column("name_en", sa.String))


def _rows(connection) -> list[dict]:
    return [dict(row._mapping) for row in connection.execute(
        sa.select(industries.c.id, industries.c.code, industries.c.name_zh, industries.c.name_en)
        .order_by(industries.c.id))]


def _rename(connection, pairs) -> None:
    """Rename ``column`` from ``old`` to ``new`` on the industry ``code`` while ``new`` is free."""
    for code, column, old, new in pairs:
        taken = {row[column] for row in _rows(connection) if row["code"] != code}
        if new in taken:
            continue
        connection.execute(industries.update().where(industries.c.code == code, industries.c[column] == old)
                           .values({column: new}))


def _make_names_unique(connection) -> None:
    for column, template in (("name_zh", "{name}（{code}）"), ("name_en", "{name} ({code})")):
        seen = set()
        for row in _rows(connection):
            key = (row[column] or "").strip().lower()
            if key not in seen:
                seen.add(key)
                continue
            suffix = template.format(name="", code=row["code"])
            name = (row[column] or "")[: NAME_LENGTH - len(suffix)] + suffix
            connection.execute(industries.update().where(industries.c.id == row["id"]).values({column: name}))
            seen.add(name.strip().lower())


def upgrade():
    connection = op.get_bind()
    _rename(connection, RENAMES)
    _make_names_unique(connection)
    with op.batch_alter_table('industries', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_industries_name_zh'), ['name_zh'])
        batch_op.create_unique_constraint(batch_op.f('uq_industries_name_en'), ['name_en'])


def downgrade():
    with op.batch_alter_table('industries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_industries_name_en'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_industries_name_zh'), type_='unique')
    _rename(op.get_bind(), [(code, column, new, old) for code, column, old, new in RENAMES])
