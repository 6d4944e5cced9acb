"""``flask init`` (issue 16): the reference data a fresh zone lacks, installed once, never duplicated nor
overwritten; a restored backup carries its own and needs no ``init``; an import of organisations into a
database without industries says to run it.

Every test here starts from a database made by the migrations alone: no demo seed, no fixture-made
reference rows.
"""
from __future__ import annotations

import io

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from incubator import create_app
from incubator.compliance.models import RuleSet
from incubator.compliance.services import update_rule_set
from incubator.extensions import db
from incubator.organisations.models import Industry, Organisation
from incubator.organisations.services import OrganisationError, save_industry
from incubator.startups.models import GraduationCriteriaVersion, RubricCriterion

from . import factories
from .conftest import MIGRATIONS, POSTGRES_URL, base_config

FIRST_RUN = "installed: industries 9, rule sets 5, review criteria 4, graduation criteria versions 1"
NOTHING = "installed: industries 0, rule sets 0, review criteria 0, graduation criteria versions 0"
ZONE_INDUSTRIES = ["高端装备制造", "电子信息", "新能源新材料", "人工智能", "大数据", "生物医药", "集成电路", "现代农业", "其他"]


def init(runner) -> str:
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output.strip()


def reference_rows() -> dict[str, list]:
    """Every reference row, as comparable tuples (ordered)."""
    return {
        "industries": [tuple(row) for row in db.session.execute(
            select(Industry.code, Industry.name_zh, Industry.name_en, Industry.is_active).order_by(Industry.code))],
        "rule_sets": [tuple(row) for row in db.session.execute(
            select(RuleSet.code, RuleSet.name_zh, RuleSet.is_active).order_by(RuleSet.code))],
        "rubric": [tuple(row) for row in db.session.execute(
            select(RubricCriterion.name_zh, RubricCriterion.weight, RubricCriterion.is_active)
            .where(RubricCriterion.platform_id.is_(None)).order_by(RubricCriterion.sort_order, RubricCriterion.id))],
        "graduation": list(db.session.scalars(
            select(GraduationCriteriaVersion.number).order_by(GraduationCriteriaVersion.number))),
    }


def test_init_on_a_fresh_database_installs_the_zone_reference_data_once(app, runner):
    assert db.session.scalar(select(func.count()).select_from(Industry)) == 0  # the migrations add none
    assert init(runner) == FIRST_RUN
    rows = reference_rows()
    assert [name for name in db.session.scalars(select(Industry.name_zh).order_by(Industry.sort_order))] \
        == ZONE_INDUSTRIES
    assert len(rows["rule_sets"]) == 5 and len(rows["rubric"]) == 4 and rows["graduation"] == [1]

    assert init(runner) == NOTHING
    db.session.expire_all()
    assert reference_rows() == rows


def test_init_never_overwrites_nor_duplicates_what_an_administrator_changed(app, runner):
    init(runner)
    renamed = db.session.scalar(select(Industry).where(Industry.code == "other"))
    save_industry(renamed, code="misc", name_zh="其它产业", name_en="Other industries", sort_order=renamed.sort_order,
                  is_active=True)
    retired = db.session.scalar(select(Industry).where(Industry.code == "modern_agriculture"))
    save_industry(retired, code=retired.code, name_zh=retired.name_zh, name_en=retired.name_en,
                  sort_order=retired.sort_order, is_active=False)
    rule_set = db.session.scalars(select(RuleSet).order_by(RuleSet.code)).first()
    update_rule_set(rule_set, code=f"{rule_set.code}-JS", name_zh="江苏省版本")
    for criterion in db.session.scalars(select(RubricCriterion).where(RubricCriterion.platform_id.is_(None))):
        criterion.is_active = False  # the zone scores with platform rubrics only
    db.session.commit()
    changed = reference_rows()

    assert init(runner) == NOTHING
    db.session.expire_all()
    assert reference_rows() == changed
    assert ("misc", "其它产业", "Other industries", True) in changed["industries"]
    assert ("modern_agriculture", "现代农业", "Modern agriculture", False) in changed["industries"]


def test_industry_names_are_unique_in_either_language(app, runner):
    init(runner)
    with pytest.raises(OrganisationError, match="电子信息"):
        save_industry(None, code="electronics", name_zh="电子信息", name_en="Electronics", sort_order=5,
                      is_active=True)
    with pytest.raises(OrganisationError, match="big data"):
        save_industry(None, code="bigdata2", name_zh="数据产业", name_en="big data", sort_order=5, is_active=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Industry)) == 9


def test_an_import_of_organisations_without_industries_says_to_run_init(app, runner, tmp_path):
    path = tmp_path / "单位.csv"
    path.write_bytes(("统一社会信用代码,名称,类别,行业,成立日期\r\n"
                      f"{factories.credit_code(901)},云溪智造科技有限公司,初创企业,高端装备制造,2023/5/1\r\n").encode("gb18030"))
    result = runner.invoke(args=["import", "organizations", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "row 1, column -: The zone has no industries yet: run “flask --app wsgi init” once (it installs the zone's "
        "reference data), then import again.")
    in_chinese = runner.invoke(args=["import", "organizations", str(path), "--lang", "zh"])
    assert "请先运行一次“flask --app wsgi init”" in in_chinese.output.splitlines()[0]

    init(runner)
    result = runner.invoke(args=["import", "organizations", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    assert db.session.scalar(select(Industry.code).join(Organisation)) == "high_end_equipment"


def test_the_upload_page_says_to_run_init_when_the_zone_has_no_industries(app, login_as):
    client, _ = login_as("admin", locale="zh")
    upload = ("统一社会信用代码,名称,类别,行业\r\n"
              f"{factories.credit_code(902)},云溪智造科技有限公司,初创企业,高端装备制造\r\n").encode("gb18030")
    sent = client.post("/import/", data={"kind": "organizations", "file": (io.BytesIO(upload), "单位.csv")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "此文件无法按原样导入（原因见下方问题）：未读取任何内容。" in page
    assert "园区尚无行业目录：请先运行一次“flask --app wsgi init”（安装园区基础数据），然后重新导入。" in page
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables at all (a scratch PostgreSQL database on that run)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    from .security.conftest import scratch_postgres_database

    with scratch_postgres_database(f"{make_url(POSTGRES_URL).database}_reference") as url:
        yield url


# On PostgreSQL the restore drops and recreates the schema; a pooled connection collected at that moment is
# reported by psycopg from ``__del__``: not a failure of what is tested (as in tests/security).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_restored_backup_carries_its_reference_data_and_needs_no_init(app, runner, empty_database_url, tmp_path):
    init(runner)
    industry = db.session.scalar(select(Industry).where(Industry.code == "big_data"))
    save_industry(industry, code="big_data", name_zh="大数据与云计算", name_en="Big data and cloud", sort_order=50,
                  is_active=True)
    db.session.commit()
    source = reference_rows()
    archive = tmp_path / "zone.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output

    target = tmp_path / "restored"
    target.mkdir()
    restored_app = create_app({**base_config(empty_database_url, target), "UPLOAD_FOLDER": str(target / "uploads")})
    try:
        with restored_app.app_context():
            restored_runner = restored_app.test_cli_runner()
            result = restored_runner.invoke(args=["restore", str(archive)])
            assert result.exit_code == 0, result.output
            assert reference_rows() == source
            assert init(restored_runner) == NOTHING  # nothing was missing: the administrator's name stays
            db.session.expire_all()
            assert reference_rows() == source
    finally:
        with restored_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_migration_0016_renames_unchanged_defaults_keeps_an_administrators_names_and_makes_names_unique(
        empty_database_url, tmp_path):
    """An existing zone upgraded: the defaults it never touched take the zone's names, a name its administrator
    chose stays, and two industries of one name (the import took the last) become two names."""
    migrations = str(MIGRATIONS)
    app = create_app(base_config(empty_database_url, tmp_path))
    try:
        with app.app_context():
            upgrade(directory=migrations, revision="0014_auth_hardening")
            db.session.execute(insert(Industry.__table__), [
                {"code": "high_end_equipment", "name_zh": "高端装备", "name_en": "High-end equipment",
                 "sort_order": 10, "is_active": True},
                {"code": "new_energy_materials", "name_zh": "新能源产业", "name_en": "New energy and new materials",
                 "sort_order": 30, "is_active": True},
                {"code": "electronics", "name_zh": "电子信息", "name_en": "Electronics", "sort_order": 20,
                 "is_active": True},
                {"code": "electronic_information", "name_zh": "电子信息", "name_en": "Electronic information",
                 "sort_order": 25, "is_active": True},
            ])
            db.session.commit()

            def names():
                db.session.expire_all()
                return [tuple(row) for row in db.session.execute(
                    select(Industry.code, Industry.name_zh, Industry.name_en).order_by(Industry.id))]

            upgrade(directory=migrations, revision="0016_zone_reference_data")
            assert names() == [
                ("high_end_equipment", "高端装备制造", "High-end equipment manufacturing"),  # an unchanged default
                ("new_energy_materials", "新能源产业", "New energy and new materials"),  # the administrator's name
                ("electronics", "电子信息", "Electronics"),
                ("electronic_information", "电子信息（electronic_information）", "Electronic information"),
            ]
            db.session.commit()
            with pytest.raises(IntegrityError):  # from now on the database itself keeps names unique
                db.session.execute(insert(Industry.__table__).values(
                    code="copy", name_zh="电子信息", name_en="Copy", sort_order=1, is_active=True))
            db.session.rollback()

            downgrade(directory=migrations, revision="0014_auth_hardening")
            assert names()[:2] == [("high_end_equipment", "高端装备", "High-end equipment"),
                                   ("new_energy_materials", "新能源产业", "New energy and new materials")]
            db.session.commit()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
