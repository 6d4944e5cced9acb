"""The formatting module: amounts, percentages, dates and status words as people read them, in both languages;
download names that survive in any browser."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale

from incubator import formatting
from incubator.downloads import attachment, export_name



@pytest.mark.parametrize("wan, shown, exact", [
    (Decimal("586.5864"), "586.59", "586.5864"), (Decimal("0.0050"), "0.01", "0.0050"),
    (Decimal("-0.0040"), "0.00", "-0.0040"), (Decimal("1234567.1250"), "1,234,567.13", "1,234,567.1250"),
])
def test_amounts_read_with_two_decimals_and_keep_the_exact_value_on_hover(app, wan, shown, exact):
    with app.test_request_context(), force_locale("en"):
        assert formatting.amount(wan) == shown and formatting.exact_amount(wan) == exact
        html = str(formatting.amount_html(wan))
    assert html == f'<span class="exact-amount" title="{exact}" data-exact="{exact}">{shown}</span>'


def test_an_amount_that_rounding_leaves_exact_has_no_hover(app):
    with app.test_request_context(), force_locale("zh"):
        assert str(formatting.amount_html(Decimal("12.5"))) == "12.50"
        assert str(formatting.yuan_amount_html(None)) == ""


@pytest.mark.parametrize("ratio, shown", [
    (Decimal("0.8372"), "83.7%"), (Decimal("0.75"), "75.0%"), (Decimal("1.2"), "120.0%"), (Decimal("0.00049"), "0.0%"),
    (Decimal("0.99951"), "100.0%"), (None, ""),
])
def test_ratios_read_as_percentages(app, ratio, shown):
    with app.test_request_context(), force_locale("en"):
        assert formatting.percent(ratio) == shown


def test_dates_and_times_in_each_language_on_a_24_hour_clock_in_the_zones_time_zone(app):
    afternoon = datetime(2026, 12, 7, 8, 42, tzinfo=timezone.utc)  # 16:42 in Shanghai
    late = datetime(2026, 12, 7, 16, 30, tzinfo=timezone.utc)  # already 8 December there
    with app.test_request_context():
        with force_locale("zh"):
            assert formatting.local_date(date(2026, 12, 7)) == "2026年12月7日"
            assert formatting.local_datetime(afternoon) == "2026年12月7日 16:42"
            assert formatting.local_date(late) == "2026年12月8日"
        with force_locale("en"):
            assert formatting.local_date(date(2026, 12, 7)) == "7 Dec 2026"
            assert formatting.local_datetime(afternoon) == "7 Dec 2026, 16:42"
            assert formatting.local_datetime(late, "time") == "00:30"


def test_each_status_has_one_word_per_language(app):
    with app.test_request_context():
        with force_locale("zh"):
            assert [formatting.status_word(code) for code in ("on_track", "at_risk", "behind", None)] == [
                "进度正常", "有风险", "滞后", ""]
        with force_locale("en"):
            assert formatting.status_word("on_track") == "On track"


def test_the_unit_of_amounts_is_named_in_each_language(app):
    with app.test_request_context(), force_locale("en"):
        assert formatting.wan_unit() == "10,000 CNY"
    with app.test_request_context(), force_locale("zh"):
        assert formatting.wan_unit() == "万元"


@pytest.mark.parametrize("name, fallback, header", [
    ("evaluation_2026Q3_v1_en.zip", None, 'attachment; filename="evaluation_2026Q3_v1_en.zip"'),
    ("考核评价_2026Q3_v1_zh.xlsx", "evaluation_2026Q3_v1_zh.xlsx",
     "attachment; filename=\"evaluation_2026Q3_v1_zh.xlsx\"; "
     "filename*=UTF-8''%E8%80%83%E6%A0%B8%E8%AF%84%E4%BB%B7_2026Q3_v1_zh.xlsx"),
    ('a"b\\c/d.csv', None, "attachment; filename=\"a_b_c_d.csv\"; filename*=UTF-8''a%22b%5Cc%2Fd.csv"),
    ("统计.csv", None, "attachment; filename=\"download.csv\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.csv"),
])
def test_download_names_are_sent_with_an_ascii_name_and_rfc_5987_utf8(name, fallback, header):
    assert attachment(name, fallback) == header


def test_export_names_carry_the_period_the_platform_and_the_language():
    words = {"zh": "火炬统计", "en": "torch-statistics"}
    assert export_name(words, [2025, "B1"], "zh", "xlsx") == ("火炬统计_2025_B1_zh.xlsx", "torch-statistics_2025_B1_zh.xlsx")
    assert export_name(words, [2025, None], "en", "csv") == ("torch-statistics_2025_en.csv",) * 2
