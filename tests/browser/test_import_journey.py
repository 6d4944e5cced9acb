"""In a real browser: an administrator picks the kind, sees its columns, uploads a CSV with a bad row,
reads the problem by row and column, imports only the valid rows after confirming, and sees the summary."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from incubator import clock
from incubator.database import write_intent
from incubator.extensions import db
from incubator.startups.models import QuarterlyReport

from .. import factories
from .journeys import log_in

pytestmark = pytest.mark.browser
GOOD, BAD = factories.credit_code(701), factories.credit_code(702)


def test_admin_previews_problems_and_imports_the_valid_rows(live_server, page, make_user, tmp_path):
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    admin = make_user("admin")
    email = admin.email
    factories.organisation("startup", code=GOOD)
    factories.organisation("startup", code=BAD)
    db.session.commit()
    db.session.close()
    upload = tmp_path / "季度报表.csv"
    upload.write_text("统一社会信用代码,报告期,营业收入,研发经费支出,期末从业人员\n"
                      f"{GOOD},2026Q3,\"1,234.5\",100,12\n{BAD},2026Q3,-5,1,3\n", encoding="utf-8-sig")
    base = live_server.url
    token = write_intent.set(False)  # read without SQLite's write lock while the live server writes
    try:
        log_in(page, base, email)

        page.goto(f"{base}/import/")
        page.select_option("select[name=kind]", "reports")
        assert "show" in page.get_attribute("#kind-reports", "class")  # the chosen kind's columns open
        assert page.is_visible("#kind-reports >> text=营业收入")
        page.set_input_files("input[name=file]", str(upload))
        page.click("#submit")

        page.wait_for_selector("#problems")
        row = page.locator("#problems tbody tr").first
        assert row.locator("td").nth(0).inner_text() == "3"
        assert "revenue" in row.locator("td").nth(1).inner_text()
        assert row.locator("td").nth(2).inner_text() == "An amount may not be negative."
        assert page.inner_text("[data-count=created]") == "1"
        assert db.session.scalar(select(QuarterlyReport.id)) is None  # the preview changed nothing
        db.session.close()

        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#confirm")
        page.wait_for_selector("#outcome")
        assert "1 created" in page.inner_text("#outcome")
        assert page.inner_text("#summary") == "created 1, updated 0, unchanged 0, rejected 1"
        stored = db.session.scalars(select(QuarterlyReport)).all()
        assert [(report.revenue, report.status) for report in stored] == [(12_345_000, "verified")]
    finally:
        db.session.close()
        write_intent.reset(token)
        clock.freeze(None)
