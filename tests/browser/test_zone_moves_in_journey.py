"""In a real browser, a zone's first steps (issue 16): on a database that has only its migrations, the
office runs ``init`` and ``create-user`` from the command line, logs in as that new administrator, works in
Chinese and brings in its organisations (xlsx), platforms (GB18030 CSV) and incubations (UTF-8 CSV with
BOM) through the upload page. An industry the zone does not have is refused with the accepted names in
Chinese; the corrected files import without a single refused row.

No demo seed, no fixture-made rows: the reference data comes from ``init`` only (on PostgreSQL the
cleanup empties what other tests wrote, so nothing else could be relied on anyway).
"""
from __future__ import annotations

import random
from datetime import datetime

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.database import write_intent
from incubator.extensions import db
from incubator.organisations.models import Industry, Organisation
from incubator.platforms.models import Platform
from incubator.startups.models import Incubation

from ..conftest import PASSWORD
from ..test_zone_moves_in import generate_zone, write_csv, write_xlsx
from .journeys import log_in

pytestmark = pytest.mark.browser
EMAIL = "office@zone.example"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(page, base: str, kind: str, path) -> None:
    page.goto(f"{base}/import/")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    page.click("#submit")
    page.wait_for_selector("#counts")


def _confirm(page) -> str:
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm")
    page.wait_for_selector("#outcome")
    return page.inner_text("#summary")


def test_a_new_admin_brings_the_zone_in_through_the_upload_page(app, runner, live_server, page, tmp_path):
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    assert _count(Industry) == 0  # only the migrations ran: no reference data, no demo
    assert runner.invoke(args=["init"]).exit_code == 0
    created = runner.invoke(args=["create-user", EMAIL, "--role", "admin"], input=PASSWORD + "\n")
    assert created.output.strip() == f"created admin {EMAIL}"
    db.session.close()

    zone = generate_zone(random.Random(16))
    organisations = zone["organizations"]
    unknown_industry = [organisations[0][0], organisations[0][1], "初创企业", "智能制造", "2024/5/20"]
    with_mistake = write_xlsx(tmp_path / "单位（初稿）.xlsx", "organizations", [unknown_industry, *organisations[1:]])
    corrected = write_xlsx(tmp_path / "单位.xlsx", "organizations", organisations)
    platforms = write_csv(tmp_path / "平台.csv", "platforms", zone["platforms"], "gb18030")
    incubations = write_csv(tmp_path / "入孵.csv", "incubations", zone["incubations"], "utf-8-sig")

    base = live_server.url
    token = write_intent.set(False)  # read without SQLite's write lock while the live server writes
    try:
        log_in(page, base, EMAIL)
        page.click("button[data-lang=zh]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "zh-CN"

        _upload(page, base, "organizations", with_mistake)
        assert page.inner_text("[data-count=rejected]") == "1"
        problem = page.locator("#problems tbody tr").first.locator("td")
        assert problem.nth(0).inner_text() == "2"
        assert problem.nth(2).inner_text() == (
            "行业「智能制造」不在园区行业目录中；可用：高端装备制造、电子信息、新能源新材料、人工智能、大数据、生物医药、"
            "集成电路、现代农业、其他。")
        page.click("#cancel")

        _upload(page, base, "organizations", corrected)
        assert page.inner_text("[data-count=rejected]") == "0"
        assert page.inner_text("[data-count=created]") == str(len(organisations))
        assert _confirm(page) == f"created {len(organisations)}, updated 0, unchanged 0, rejected 0"

        for kind, path in (("platforms", platforms), ("incubations", incubations)):
            _upload(page, base, kind, path)
            assert page.inner_text("[data-count=rejected]") == "0", kind
            assert _confirm(page) == f"created {len(zone[kind])}, updated 0, unchanged 0, rejected 0", kind

        db.session.close()
        assert (_count(Organisation), _count(Platform), _count(Incubation)) == (28, 3, 24)
        zone_industries = db.session.execute(
            select(Organisation.credit_code, Industry.code).join(Industry, Organisation.industry_id == Industry.id)
            .where(Organisation.credit_code.in_(zone["startups"][:3])).order_by(Organisation.credit_code)).all()
        assert [industry for _code, industry in zone_industries] == [
            "high_end_equipment", "electronic_information", "new_energy_materials"]  # 高端装备制造, 电子信息, 新能源新材料
    finally:
        db.session.close()
        write_intent.reset(token)
        clock.freeze(None)
