"""In a real browser: a platform manager registers a maker space with units, lets a desk to a company, records
an academician's residency and on-site days at the workstation they manage, and sees occupancy and the shortfall."""
from __future__ import annotations

from datetime import datetime

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.organisations.credit_code import make as make_credit_code
from incubator.platforms import services

from .. import factories
from .journeys import log_in, open_from_menu

pytestmark = pytest.mark.browser


def add_unit(page, code: str, kind: str, area: str, rent: str, another: bool) -> None:
    page.fill("#code", code)
    page.select_option("#kind", kind)
    page.select_option("#purpose", "tenant")
    page.fill("#area_m2", area)
    page.fill("#monthly_rent", rent)
    page.click("#save-and-add" if another else "#submit")
    page.wait_for_selector(f"text=Unit {code} has been added.")


def test_manager_registers_a_maker_space_lets_a_desk_and_records_an_academicians_days(live_server, page,
                                                                                     make_user):
    clock.freeze(datetime(2026, 6, 15, 9, 30))
    manager = make_user("manager", email="chen@journey.cn", name="陈静")
    station = factories.platform(code="YS-WEB", name="浏览器院士工作站", kind="academician_workstation",
                                 level="provincial")
    services.set_managers(station, [manager])
    db.session.commit()
    station_id = station.id
    db.session.close()  # the server thread writes; this session holds no transaction meanwhile
    base = live_server.url
    log_in(page, base, "chen@journey.cn")

    # Register the maker space; a negative area is refused first, keeping what was typed.
    open_from_menu(page, "Platforms")
    page.click("#new-platform")
    page.fill("#code", "ZC-WEB")
    page.fill("#name", "浏览器众创空间")
    page.select_option("#kind", "maker_space")
    page.select_option("#level", "municipal")
    page.fill("#area_m2", "-800")
    page.fill("#stations", "60")
    assert page.is_visible("#attr_open_stations") and not page.is_visible("#attr_discipline")
    page.fill("#attr_focus", "硬件创新")
    page.click("#submit")
    page.wait_for_selector("text=The area may not be negative.")
    assert page.input_value("#name") == "浏览器众创空间"
    page.fill("#area_m2", "800")
    page.click("#submit")
    page.wait_for_selector("text=Platform 浏览器众创空间 has been registered.")
    assert "Maker space" in page.inner_text("main")

    # Units: two desks and an office.
    page.click("#add-unit")
    add_unit(page, "D01", "desk", "6", "500", another=True)
    add_unit(page, "D02", "desk", "6", "500", another=True)
    add_unit(page, "201", "office", "48", "3,000", another=False)
    assert page.inner_text("#occupancy-units") == "0 / 3"

    # Let desk D01 to a new company (a wrong credit code first: the position is named, nothing saved).
    page.click("#tab-tenants")
    page.click("#add-tenancy")
    page.fill("#new_company_name", "浏览器科技有限公司")
    good_code = make_credit_code("91320594246813579")
    wrong_code = good_code[:17] + ("0" if good_code[17] != "0" else "1")
    page.fill("#new_company_credit_code", wrong_code)
    desk = page.locator("#units option", has_text="D01").get_attribute("value")
    page.select_option("#units", [desk])
    page.fill("#starts_on", "2026-06-01")
    page.fill("#monthly_rent", "450")
    page.click("#submit")
    page.wait_for_selector("text=Character 18")
    page.fill("#new_company_credit_code", good_code)
    page.select_option("#units", [desk])
    page.click("#submit")
    page.wait_for_selector("text=D01 let to 浏览器科技有限公司.")
    assert "浏览器科技有限公司" in page.inner_text("#tenancies")

    # Occupancy now: one desk of three units, 6 of 60 m².
    page.click("#tab-spaces")
    assert page.inner_text("#occupancy-units") == "1 / 3"
    assert page.inner_text("#occupancy-area") == "6 / 60"
    assert page.inner_text("#occupancy-rate") == "10%"

    # An overlapping tenancy of the same desk is refused.
    page.click("#tab-tenants")
    page.click("#add-tenancy")
    page.fill("#new_company_name", "后来公司")
    page.select_option("#units", [desk])
    page.fill("#starts_on", "2026-07-01")
    page.click("#submit")
    page.wait_for_selector("text=Unit D01 is already let to 浏览器科技有限公司")

    # At the workstation: an academician's residency (default minimum 90 days) and three days on site.
    page.goto(f"{base}/platforms/{station_id}")
    page.click("#add-residency")
    page.fill("#new_expert_name", "王院士")
    page.select_option("#new_expert_kind", "academician")
    page.select_option("#new_expert_academy", "CAE")
    page.fill("#new_expert_affiliation", "浙江大学")
    page.fill("#starts_on", "2026-01-01")
    page.fill("#ends_on", "2030-12-31")
    assert page.input_value("#min_onsite_days") == "90"
    page.click("#submit")
    page.wait_for_selector("text=The residency of 王院士 has been recorded.")
    page.fill("#first_day", "2026-06-08")
    page.fill("#last_day", "2026-06-10")
    page.fill("#note", "联合攻关")
    page.click("#days-form #submit")
    page.wait_for_selector("text=3 on-site days logged.")
    assert page.inner_text("#onsite-days") == "3"
    assert page.inner_text("#onsite-minimum") == "90"
    assert page.inner_text("#onsite-shortfall") == "87"
    assert page.is_visible("#falls-short")

    # The experts tab flags the shortfall too.
    page.goto(f"{base}/platforms/{station_id}?tab=experts")
    row = page.inner_text("#residencies")
    assert "王院士" in row and "87" in row and "Falls short" in row
