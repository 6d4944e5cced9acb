"""Each criterion computed on a small hand-built zone: at the threshold, just below it, and a provincial variant."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from incubator.compliance.computations import Context, months_between
from incubator.compliance.models import RuleSet
from incubator.compliance.services import copy_rule_set, evaluate, platform_gap, save_criterion
from incubator.extensions import db
from sqlalchemy import select
from tests import factories

from .conftest import JUDGED_YEAR, build_incubator

pytestmark = pytest.mark.usefixtures("rule_sets")


def national(platform, code="national_incubator_2018"):
    results = {r.rule_set.code: r for r in platform_gap(platform, JUDGED_YEAR)}
    return {item.criterion.code: item for item in results[code].criteria}, results[code]


def test_an_incubator_exactly_at_every_national_threshold_meets_them_all(app):
    platform, _ = build_incubator()
    criteria, result = national(platform)
    values = {code: item.value for code, item in criteria.items()}
    assert values == {
        "operating": Decimal(3), "area": Decimal(10000), "area_use": Decimal(75), "tenants": Decimal(50),
        "tenant_density": Decimal(5), "graduates": Decimal(20), "patent_applications": Decimal(50),
        "valid_ip": Decimal(30), "financed": Decimal(10), "service_staff": Decimal(1), "mentors": Decimal(1),
    }
    assert all(item.met for item in criteria.values())
    assert result.met and result.groups_met == result.groups_total == 10  # the two IP criteria form one group


@pytest.mark.parametrize("change, code, distance", [
    ({"tenants": 49, "with_patent_applications": 25, "with_valid_ip": 15, "financed": 5}, "tenants", "1 more tenant"),
    ({"graduates": 8}, "graduates", "12 more graduated companies"),
    ({"area": Decimal("8200"), "tenant_area": Decimal("5650"), "public_area": Decimal("500")}, "area", "1,800 m² more"),
    ({"operating_since": date(2023, 1, 1)}, "operating", "1 more month"),
    ({"financed": 4}, "financed", "1 more financed tenant"),
    ({"service_staff": 4}, "service_staff", "1 more service staff member"),
    ({"mentors": 2}, "mentors", "3 more mentors"),
    ({"public_area": Decimal("499.99")}, "area_use", "0.01 m² more in use"),
])
def test_one_step_below_a_threshold_is_not_met_and_shows_the_distance(app, change, code, distance):
    platform, _ = build_incubator(**change)
    criteria, result = national(platform)
    assert not criteria[code].met
    assert criteria[code].distance_text() == distance
    assert not result.met


def test_tenant_density_at_exactly_three_per_thousand_square_metres(app):
    platform, companies = build_incubator(tenants=30, with_patent_applications=15, with_valid_ip=9, financed=3,
                                          service_staff=3, mentors=3)
    criteria, _ = national(platform)
    assert criteria["tenant_density"].value == Decimal(3) and criteria["tenant_density"].met
    assert not criteria["tenants"].met and criteria["tenants"].distance_text() == "20 more tenants"


def test_tenant_density_below_three_asks_for_whole_tenants(app):
    platform, _ = build_incubator(tenants=29, with_patent_applications=15, with_valid_ip=9, financed=3,
                                  service_staff=3, mentors=3)
    criteria, _ = national(platform)
    assert not criteria["tenant_density"].met
    assert criteria["tenant_density"].distance_text() == "1 more tenant"


def test_the_ip_group_is_met_by_either_of_its_criteria(app):
    platform, _ = build_incubator(with_patent_applications=10, with_valid_ip=15)
    criteria, result = national(platform)
    assert not criteria["patent_applications"].met and criteria["valid_ip"].met
    assert criteria["patent_applications"].group_met and result.met
    platform2, _ = build_incubator(code="INC2", with_patent_applications=10, with_valid_ip=14)
    criteria2, result2 = national(platform2)
    assert not criteria2["patent_applications"].group_met and not result2.met
    assert criteria2["patent_applications"].distance_text() == "15 more tenants with patent applications"
    assert criteria2["valid_ip"].distance_text() == "1 more tenant holding valid IP"


def test_expired_ip_and_patents_filed_after_the_date_judged_do_not_count(app):
    platform, companies = build_incubator(with_patent_applications=0, with_valid_ip=0)
    from .conftest import add_ip
    for org in companies[:20]:
        add_ip(org, kind="software_copyright", status="granted", granted_on=date(2020, 1, 1),
               expires_on=date(2025, 12, 30))  # expired the day before
    for org in companies[20:45]:
        add_ip(org, filed_on=date(2026, 1, 2))  # after 31 December 2025
    db.session.commit()
    criteria, _ = national(platform)
    assert criteria["valid_ip"].value == 0 and criteria["patent_applications"].value == 0


def test_only_verified_reports_of_the_year_count_as_financed(app):
    platform, companies = build_incubator(financed=0)
    factories.report(companies[0], "2025Q3", status="submitted", financing=500_000)
    factories.report(companies[1], "2024Q4", financing=500_000)
    factories.report(companies[2], "2025Q4", financing=500_000)
    db.session.commit()
    criteria, _ = national(platform)
    assert criteria["financed"].value == Decimal(2)  # 1 of 50 tenants


def test_specialised_incubator_rules_use_their_own_numbers(app):
    platform, _ = build_incubator(tenants=30, graduates=15, with_patent_applications=15, with_valid_ip=9, financed=3,
                                  service_staff=3, mentors=3)
    general, general_result = national(platform)
    special, special_result = national(platform, "national_incubator_2018_specialised")
    assert not general["tenants"].met and not general["graduates"].met
    assert special["tenants"].met and special["graduates"].met and special["tenant_density"].met
    assert special_result.met and not general_result.met


def test_a_provincial_variant_is_a_copy_with_other_numbers(app):
    platform, _ = build_incubator(tenants=45, with_patent_applications=23, with_valid_ip=14, financed=5)
    source = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_incubator_2018"))
    variant = copy_rule_set(source, code="jiangsu_incubator", name_zh="江苏省级孵化器", name_en="Jiangsu incubator",
                            region="江苏", source_document="江苏省科技企业孵化器管理办法", effective_on=date(2021, 1, 1))
    tenants = next(c for c in variant.criteria if c.code == "tenants")
    save_criterion(variant, tenants, {"code": "tenants", "name_zh": "在孵企业不少于40家", "name_en": "At least 40 tenants",
                                      "computation": "tenant_count", "comparison": ">=", "group_code": None,
                                      "sort_order": tenants.sort_order, "threshold": Decimal(40)})
    db.session.commit()
    national_criteria, _ = national(platform)
    provincial_criteria, provincial = national(platform, "jiangsu_incubator")
    assert not national_criteria["tenants"].met and national_criteria["tenants"].distance_text() == "5 more tenants"
    assert provincial_criteria["tenants"].met
    assert len(variant.criteria) == len(source.criteria) and variant.based_on_id == source.id
    assert next(c for c in source.criteria if c.code == "tenants").threshold == 50  # the original is untouched


def maker_space(**facts):
    platform = factories.platform(code="MS1", kind="maker_space", operating_since=date(2024, 6, 30),
                                  area_m2=Decimal("499"), stations=30)
    from incubator.compliance.services import save_facts
    values = {"teams_signed_in": 20, "new_companies_registered": 9, "teams_financed": 5, "full_time_staff": 3,
              "mentors": 3, "events_held": 10}
    values.update(facts)
    save_facts(platform, JUDGED_YEAR, values)
    db.session.commit()
    results = {r.rule_set.code: r for r in platform_gap(platform, JUDGED_YEAR)}
    result = results["national_maker_space_filing"]
    return {item.criterion.code: item for item in result.criteria}, result


def test_maker_space_filing_at_the_thresholds_with_or_groups(app):
    criteria, result = maker_space()
    assert criteria["operating"].value == 18 and criteria["operating"].met
    assert not criteria["area"].met and criteria["stations"].met and criteria["area"].group_met
    assert not criteria["new_companies"].met and criteria["teams_financed"].met
    assert all(criteria[c].met for c in ("teams", "staff", "mentors", "events"))
    assert result.met


def test_maker_space_just_below_shows_each_distance(app):
    criteria, result = maker_space(teams_signed_in=8, events_held=9, full_time_staff=2, teams_financed=4)
    assert criteria["teams"].distance_text() == "12 more teams"
    assert criteria["events"].distance_text() == "1 more event"
    assert criteria["staff"].distance_text() == "1 more staff member"
    assert not criteria["new_companies"].group_met
    assert criteria["teams_financed"].distance_text() == "1 more team"
    assert not result.met


def workstation(starts, ends, days):
    from incubator.platforms.models import Expert, OnsiteDay, Residency
    from datetime import timedelta

    platform = factories.platform(code="AW1", kind="academician_workstation")
    expert = Expert(name="张院士", name_sort="zhang", kind="academician", academy="CAS")
    db.session.add(expert)
    db.session.flush()
    residency = Residency(platform_id=platform.id, expert_id=expert.id, starts_on=starts, ends_on=ends)
    db.session.add(residency)
    db.session.flush()
    for n in range(days):
        db.session.add(OnsiteDay(residency_id=residency.id, day=date(2025, 1, 1) + timedelta(days=n)))
    db.session.commit()
    results = {r.rule_set.code: r for r in platform_gap(platform, JUDGED_YEAR)}
    return {item.criterion.code: item for item in results["provincial_academician_workstation"].criteria}


def test_academician_workstation_at_the_thresholds(app):
    criteria = workstation(date(2024, 1, 1), date(2026, 12, 31), 90)
    assert criteria["academician"].met and criteria["term_min"].value == 3 and criteria["term_min"].met
    assert criteria["term_max"].met and criteria["onsite"].value == 90 and criteria["onsite"].met


def test_academician_workstation_short_term_and_too_few_days(app):
    criteria = workstation(date(2024, 1, 1), date(2026, 11, 30), 89)
    assert not criteria["term_min"].met and criteria["term_min"].distance_text() == "1 more month"
    assert criteria["onsite"].distance_text() == "1 more day"


def test_academician_agreement_longer_than_five_years_breaks_the_maximum(app):
    criteria = workstation(date(2022, 1, 1), date(2027, 12, 31), 120)
    assert criteria["term_min"].met and not criteria["term_max"].met
    assert criteria["term_max"].distance_text() == "12 months over the maximum"


def test_months_between_counts_the_same_day_as_a_full_month():
    assert months_between(date(2022, 12, 31), date(2025, 12, 31)) == 36
    assert months_between(date(2023, 1, 1), date(2025, 12, 31)) == 35
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 0


def test_graduation_rules_any_one_suffices_at_the_boundary(app):
    org = factories.organisation()
    factories.report(org, "2024Q4", revenue=6_000_000)
    factories.report(org, "2025Q1", revenue=4_000_000, financing=4_999_999)
    other = factories.organisation()
    factories.report(other, "2024Q4", revenue=9_999_999)
    db.session.commit()
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "graduation_national_2018"))
    results = evaluate([rule_set], Context.for_year(JUDGED_YEAR, [org.id, other.id]))
    first = {i.criterion.code: i for i in results[(rule_set.id, org.id)].criteria}
    assert first["revenue"].met and first["revenue"].value == Decimal(1000)
    assert not first["financing"].met and first["financing"].distance_text() == "0.0001 (10,000 CNY) more"
    assert results[(rule_set.id, org.id)].met and not results[(rule_set.id, other.id)].met


def test_distances_read_in_chinese_for_chinese_users(app):
    from flask_babel import force_locale

    platform, _ = build_incubator(graduates=8, area=Decimal("8200"), tenant_area=Decimal("5650"))
    with force_locale("zh"):
        criteria, _ = national(platform)
        assert criteria["graduates"].distance_text() == "还差 12 家毕业企业"
        assert criteria["area"].distance_text() == "还差 1,800 平方米"
