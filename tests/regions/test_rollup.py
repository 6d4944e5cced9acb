"""A region's roll-up (issue 23, part 1): built from its zones' published versions, one definition of every
figure (flows and stocks summed, ratios recomputed from their parts), rankings, year-on-year, the page and
the exports, and what region staff and zone users may not reach."""
from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from incubator.evaluation.models import EvaluationSnapshot
from incubator.evaluation.services import ScopeResult
from incubator.extensions import db
from incubator.outcomes import catalogue
from incubator.outcomes.catalogue import CATALOGUE, FLOW, RATIO, STOCK
from incubator.outcomes.computations import divide
from incubator.regions import exports
from incubator.regions.services import region_rollup
from incubator.outcomes.formatting import indicator_value
from tests.pages import html_text, page_text

from .conftest import Q3, build_region, indicator_cells


def published_zone_results(zone_ids, period):
    """Each zone's latest published zone results, read back from the snapshot table directly."""
    results = []
    for zone_id in sorted(zone_ids):
        snapshot = db.session.scalar(select(EvaluationSnapshot).where(
            EvaluationSnapshot.zone_id == zone_id, EvaluationSnapshot.period == str(period))
            .order_by(EvaluationSnapshot.version.desc()).limit(1))
        if snapshot is not None:
            results.append(ScopeResult.from_json(snapshot.summary["zone"]))
    return results


def test_a_regions_total_equals_the_sum_of_its_zones_published_figures_for_every_indicator_kind(app, region):
    rollup = region_rollup(region["province"], Q3)
    zones = published_zone_results([region["a"].id, region["b"].id], Q3)
    assert len(zones) == 2
    kinds_seen = set()
    for indicator in CATALOGUE:
        got = rollup.result(indicator.code)
        if indicator.kind in (FLOW, STOCK):
            for attribute in ("period_value", "ytd_value"):
                expected = sum(getattr(zone.result(indicator.code), attribute) for zone in zones)
                assert getattr(got, attribute) == expected, (indicator.code, attribute)
        else:
            ratio = indicator.computation
            for attribute in ("period_value", "ytd_value"):
                top = sum(getattr(zone.result(ratio.numerator), attribute) for zone in zones)
                bottom = sum(getattr(zone.result(ratio.denominator), attribute) for zone in zones)
                assert getattr(got, attribute) == divide(top, bottom, ratio.factor), (indicator.code, attribute)
        if got.ytd_value:
            kinds_seen.add(indicator.kind)
    assert kinds_seen == {FLOW, STOCK, RATIO}  # every kind carried a figure, so none passed by being zero

    # the two zones' figures differ, and a ratio is not the average of theirs
    revenues = [zone.result("REVENUE").ytd_value for zone in zones]
    assert revenues[0] != revenues[1]
    intensities = [zone.result("RD_INTENSITY").ytd_value for zone in zones]
    assert rollup.result("RD_INTENSITY").ytd_value != (intensities[0] + intensities[1]) / 2
    assert rollup.result("REVENUE").ytd_value == sum(revenues)
    # the unpublished zone C and the other province's zone D are counted nowhere
    assert [(s.zone.code, s.published) for s in rollup.zones] == [("B", True), ("C", False), ("ZONE", True)]


def test_the_roll_up_reads_each_zones_latest_version_and_never_live_figures(app, region):
    before = region_rollup(region["province"], Q3).result("REVENUE").ytd_value
    # zone A publishes a correction: the latest version counts, the first no longer
    from incubator.startups.models import QuarterlyReport

    report = db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q3")
                               .order_by(QuarterlyReport.id).limit(1))
    report.revenue += 2_000_000
    db.session.commit()
    assert region_rollup(region["province"], Q3).result("REVENUE").ytd_value == before  # not live
    from .conftest import publish_as

    publish_as(app, region["admin_a"], Q3)
    zones = published_zone_results([region["a"].id, region["b"].id], Q3)
    after = region_rollup(region["province"], Q3)
    assert after.result("REVENUE").ytd_value == sum(zone.result("REVENUE").ytd_value for zone in zones) != before
    assert {s.zone.code: s.snapshot.version for s in after.published_zones} == {"B": 1, "ZONE": 2}


def test_zones_and_platforms_are_ranked_by_score_and_a_city_sees_its_own_zones(app, region):
    rollup = region_rollup(region["province"], Q3)
    assert [(s.zone.code, s.rank) for s in rollup.ranked_zones] == [("B", 1), ("ZONE", 2)]
    scores = [s.result.score for s in rollup.ranked_zones]
    assert scores == sorted(scores, reverse=True) and scores[1] is not None
    # each zone's own platforms, ranked across zones (zone D's platform is another province's)
    assert [(p.zone.code, p.scope.code) for p in rollup.platforms] == [("ZONE", "PA"), ("B", "PB")]
    assert [p.rank for p in rollup.platforms] == [1, 2]
    city = region_rollup(region["city"], Q3)
    assert [(s.zone.code, s.published) for s in city.zones] == [("C", False), ("ZONE", True)]
    assert city.result("REVENUE").ytd_value == published_zone_results([region["a"].id], Q3)[0].result(
        "REVENUE").ytd_value


def test_year_on_year_needs_every_counted_zone_published_a_year_earlier(app, make_user):
    region = build_region(app, make_user, previous_year_for=("a",))
    rollup = region_rollup(region["province"], Q3)
    assert not rollup.previous_complete
    assert all(result.ytd_prev_year is None and result.yoy_growth_pct is None for result in rollup.results)
    from .conftest import Q3_BEFORE, publish_as

    publish_as(app, region["admin_b"], Q3_BEFORE)
    rollup = region_rollup(region["province"], Q3)
    assert rollup.previous_complete
    before = published_zone_results([region["a"].id, region["b"].id], Q3_BEFORE)
    revenue = rollup.result("REVENUE")
    assert revenue.ytd_prev_year == sum(zone.result("REVENUE").ytd_value for zone in before) > 0
    assert revenue.yoy_growth_pct == divide(revenue.ytd_value - revenue.ytd_prev_year, revenue.ytd_prev_year,
                                            Decimal(100))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_region_staff_see_their_regions_page_in_both_languages(app, region, client, auth, lang):
    staff = region["staff_js"]
    staff.locale = lang
    db.session.commit()
    auth.login(staff)
    assert client.get("/region/").status_code == 302
    response = client.get("/region/2026Q3")
    assert response.status_code == 200
    text = page_text(response)
    assert ("江苏省" if lang == "zh" else "Jiangsu") in text
    assert ("乙区" if lang == "zh" else "Zone B") in text and ("丁区" not in text and "Zone D" not in text)
    expected_revenue = region_rollup(region["province"], Q3).result("REVENUE").ytd_value
    with app.test_request_context():
        shown = html_text(str(indicator_value(expected_revenue, "REVENUE")))
    assert indicator_cells(response)[("REVENUE", "ytd")] == shown == "400.00"  # 100 万 of zone A, 300 万 of zone B


def test_the_csv_follows_the_zone_contract_with_codes_and_the_xlsx_reads_in_the_language(app, region, client, auth):
    auth.login(region["staff_js"])
    response = client.get("/region/2026Q3/export.csv?lang=zh")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert 'filename="region-evaluation_JS_2026Q3_zh.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["summary.csv", "zones.csv", "platforms.csv", "about.csv"]
    from incubator.evaluation.exports import FILES as ZONE_FILES

    zone_summary = next(item for item in ZONE_FILES if item.name == "summary.csv")
    summary = list(csv.reader(io.StringIO(archive.read("summary.csv").decode("utf-8-sig"))))
    assert summary[0] == [key for key, _label, _kind in zone_summary.columns]
    by_code = {row[0]: row for row in summary[1:]}
    assert list(by_code) == [indicator.code for indicator in CATALOGUE]
    assert by_code["REVENUE"][3] == "flow" and by_code["RD_INTENSITY"][3] == "ratio"
    rollup = region_rollup(region["province"], Q3)
    assert Decimal(by_code["REVENUE"][5]) == catalogue.get("REVENUE").rounded(rollup.result("REVENUE").ytd_value)
    zones = list(csv.reader(io.StringIO(archive.read("zones.csv").decode("utf-8-sig"))))
    assert [(row[0], row[2], row[7]) for row in zones[1:]] == [("B", "published", "1"), ("C", "unpublished", ""),
                                                               ("ZONE", "published", "2")]

    workbook_response = client.get("/region/2026Q3/export.xlsx?lang=en")
    assert workbook_response.status_code == 200
    assert 'filename="region-evaluation_JS_2026Q3_en.xlsx"' in workbook_response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(workbook_response.data), read_only=True)
    assert workbook.sheetnames == ["Region", "Zones", "Platforms", "About"]
    zone_sheet = [list(row) for row in workbook["Zones"].iter_rows(values_only=True)]
    assert zone_sheet[0][:3] == ["Zone code", "Zone", "Publication"]
    assert [row[2] for row in zone_sheet[1:]] == ["Published", "Not published", "Published"]
    workbook.close()


# --- attacks ------------------------------------------------------------------------------------------------

def test_region_staff_of_one_region_cannot_see_another_regions_zones(app, region, login_as):
    from flask.testing import FlaskClient  # noqa: F401  (the clients below are the app's)
    from tests.conftest import AuthActions

    zj = app.test_client()
    AuthActions(zj).login(region["staff_zj"])
    text = page_text(zj.get("/region/2026Q3"))
    assert "Zone D" in text and "Zone B" not in text and "Zone C" not in text
    for url in ("/region/2026Q3?region=JS", "/region/2026Q3?region=SZ", "/region/2026Q3/export.csv?region=JS",
                "/region/go?period=2026Q3&region=JS", "/region/?region=SZ"):
        assert zj.get(url).status_code == 404, url
    # a city's staff do not widen their view to the province above them
    sz = app.test_client()
    AuthActions(sz).login(region["staff_sz"])
    assert sz.get("/region/2026Q3?region=JS").status_code == 404
    text = page_text(sz.get("/region/2026Q3"))
    assert "Zone C" in text and "Zone B" not in text and "Zone D" not in text
    archive = zipfile.ZipFile(io.BytesIO(sz.get("/region/2026Q3/export.csv").data))
    zone_codes = [row[0] for row in csv.reader(io.StringIO(archive.read("zones.csv").decode("utf-8-sig")))][1:]
    assert zone_codes == ["C", "ZONE"]
    # the province's staff open the city below it
    js = app.test_client()
    AuthActions(js).login(region["staff_js"])
    assert js.get("/region/2026Q3?region=SZ").status_code == 200


@pytest.mark.parametrize("role", ["admin", "manager", "startup", "partner", "reviewer"])
def test_zone_users_cannot_open_region_pages(app, region, login_as, role):
    client, _user = login_as(role)
    for url in ("/region/", "/region/2026Q3", "/region/2026Q3/export.csv", "/region/2026Q3/export.xlsx",
                "/region/go?period=2026Q3"):
        assert client.get(url).status_code == 403, (role, url)


def test_anonymous_visitors_are_sent_to_sign_in(app, region, client):
    for url in ("/region/", "/region/2026Q3", "/region/2026Q3/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_region_staff_cannot_change_anything(app, region, client, auth):
    from incubator.outcomes.models import Target
    from incubator.platforms.models import Platform

    def counts():
        return (db.session.scalar(select(func.count()).select_from(EvaluationSnapshot)),
                db.session.scalar(select(func.count()).select_from(Target)),
                db.session.scalar(select(func.count()).select_from(Platform)))

    before = counts()
    staff = region["staff_js"]  # holds the role admin, to read like one
    auth.login(staff)
    for url, data in ((f"/evaluation/{Q3}/publish", {"note": "x"}),
                      ("/outcomes/targets?year=2026&scope=ZONE", {"REVENUE": "1"}),
                      ("/platforms/new", {"code": "PX", "name": "X"}),
                      (f"/platforms/{region['pa'].id}/edit", {"name": "renamed"}),
                      ("/region/2026Q3", {})):
        assert client.post(url, data=data).status_code in (403, 405), url
    db.session.expire_all()
    assert counts() == before
    assert db.session.get(Platform, region["pa"].id).name == "甲平台"
    # their own session stays theirs: the language and signing out
    assert client.post("/language/zh", data={"next": "/region/"}).status_code == 302
    assert client.post("/logout").status_code == 302


def test_the_roll_up_issues_the_same_queries_for_one_zone_as_for_several(app, region, count_queries):
    db.session.expire_all()
    with count_queries() as one_zone:
        city = region_rollup(region["city"], Q3)
    db.session.expire_all()
    with count_queries() as three_zones:
        province = region_rollup(region["province"], Q3)
    assert (len(city.published_zones), len(province.published_zones)) == (1, 2)
    assert one_zone.count == three_zones.count <= 5


def test_a_provinces_staff_choose_their_own_region_first_then_its_cities(app, region):
    from incubator.regions.services import regions_readable_by
    from incubator.zones.services import create_region

    create_region("NJ", "南京市", "Nanjing", "city", region["province"])
    db.session.commit()
    assert [item.code for item in regions_readable_by(region["staff_js"])] == ["JS", "NJ", "SZ"]
    assert [item.code for item in regions_readable_by(region["staff_sz"])] == ["SZ"]
    assert regions_readable_by(region["admin_a"]) == []


def test_a_version_published_before_an_indicator_existed_counts_for_the_others(app):
    from incubator.outcomes.results import IndicatorResult
    from incubator.regions.services import rolled_up_values

    def zone(revenue, rd_expense, with_rd=True):
        results = [IndicatorResult("REVENUE", revenue, revenue, None, None, None, None, Decimal(1), None)]
        if with_rd:
            results.append(IndicatorResult("RD_EXPENSE", rd_expense, rd_expense, None, None, None, None,
                                           Decimal(1), None))
        return ScopeResult("zone", "ZONE", None, results=results)

    values = rolled_up_values([zone(Decimal(100), Decimal(10)), zone(Decimal(300), None, with_rd=False)])
    assert values["REVENUE"] == (Decimal(400), Decimal(400))
    assert values["RD_EXPENSE"] == (Decimal(10), Decimal(10))
    assert values["RD_INTENSITY"] == (Decimal("2.5"), Decimal("2.5"))  # 10 ÷ 400, from the parts
    assert values["EMPLOYEES"] == (None, None)  # no zone published it
