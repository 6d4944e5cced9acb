"""Use per resource and per company, its CSV and xlsx exports (formula-safe), and iCalendar files."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from incubator.bookings import exports, services
from incubator.bookings.models import BookingBlock
from incubator.extensions import db

from .conftest import MONDAY, at
from .test_views import client_for
from tests.pages import page_text

TUESDAY = MONDAY + timedelta(days=1)
RANGE = "first_day=2026-03-01&last_day=2026-03-31"


def _bookings(world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 12), "=HYPERLINK(\"http://x\")")
    services.book(world.instrument, world.founder_b, at(TUESDAY, 13), at(TUESDAY, 14), "样品, 测试; 第二行\n备注")
    services.book(world.room, world.founder_a, at(TUESDAY, 9), at(TUESDAY, 10, 30))
    cancelled = services.book(world.room, world.founder_b, at(TUESDAY, 14), at(TUESDAY, 15))
    services.cancel_booking(cancelled, world.founder_b)
    db.session.commit()


def test_use_sums_confirmed_hours_and_amounts_per_resource_and_per_company(world):
    _bookings(world)
    use = services.usage(world.manager, MONDAY, MONDAY + timedelta(days=6))
    by_resource = {row.key: (row.bookings, row.hours, row.amount) for row in use["resources"]}
    assert by_resource[world.instrument.id] == (2, Decimal("3.00"), 60)
    assert by_resource[world.room.id] == (1, Decimal("1.50"), 0)
    by_company = {row.label: (row.bookings, row.hours, row.amount) for row in use["companies"]}
    assert by_company == {"甲公司": (2, Decimal("3.50"), 40), "乙公司": (1, Decimal("1.00"), 20)}
    assert services.usage(world.other_manager, MONDAY, MONDAY + timedelta(days=6)) == {"resources": [],
                                                                                       "companies": []}


def test_use_page_shows_the_figures(app, world):
    _bookings(world)
    page = page_text(client_for(app, world.manager).get(f"/bookings/use?{RANGE}"))
    assert "甲公司" in page and "3.5" in page


def test_csv_export_protects_against_formulas(app, world):
    _bookings(world)
    response = client_for(app, world.manager).get(f"/bookings/use?{RANGE}&format=csv")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert "甲公司,2,3.50,40" in text


def test_xlsx_export_has_three_sheets_and_text_stays_text(app, world):
    _bookings(world)
    response = client_for(app, world.manager).get(f"/bookings/use?{RANGE}&format=xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Per resource", "Per company", "Bookings"]
    rows = list(book["Bookings"].iter_rows(values_only=True))
    assert rows[0][0] == "Day" and len(rows) == 4  # header + three confirmed bookings
    purposes = [row[10] for row in rows[1:]]
    assert '=HYPERLINK("http://x")' in purposes
    cell = next(c for c in book["Bookings"]["K"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    for sheet in book.worksheets:  # tables for people: filtered, printable one page wide with a titled header
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1", sheet.title
        assert "2026" in sheet.oddHeader.left.text, sheet.title


def test_ics_escapes_text_uses_tzid_and_utc_stamps_and_folds_long_lines(app, world):
    _bookings(world)
    response = client_for(app, world.manager).get(f"/bookings/use?{RANGE}&format=ics")
    assert response.mimetype == "text/calendar"
    raw = response.get_data()
    text = raw.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in unfolded and "TZOFFSETTO:+0800" in unfolded
    assert "DTSTART;TZID=Asia/Shanghai:20260303T130000" in unfolded
    assert "DTEND;TZID=Asia/Shanghai:20260303T140000" in unfolded
    assert "DTSTAMP:20260302T000000Z" in unfolded  # 08:00 in Shanghai is midnight UTC
    assert "样品\\, 测试\\; 第二行\\n备注" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 3  # of four bookings, the cancelled one is not exported


def test_fold_never_splits_a_chinese_character():
    line = "SUMMARY:" + "会议室预约" * 20
    folded = exports.fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)


def test_my_calendar_file_lists_only_my_companys_bookings(app, world):
    _bookings(world)
    text = client_for(app, world.colleague_a).get("/bookings/calendar.ics").get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 2 and "乙公司" not in text


def test_blocks_list_shows_each_series_once_and_removing_frees_the_time(app, world):
    plan = services.plan_blocks([world.instrument, world.room], TUESDAY, TUESDAY + timedelta(days=13), {2, 4},
                                services.time(9, 0), services.time(12, 0))
    series, _cancelled = services.create_blocks([world.instrument, world.room], plan, "course", "创客课程", True)
    db.session.commit()
    client = client_for(app, world.manager)
    page = client.get("/bookings/blocks").get_data(as_text=True)
    assert page.count("创客课程") == 1 and ">8<" in page  # 4 days × 2 resources
    assert client_for(app, world.other_manager).post(f"/bookings/blocks/{series}/delete").status_code == 404
    assert client.post(f"/bookings/blocks/{series}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0
