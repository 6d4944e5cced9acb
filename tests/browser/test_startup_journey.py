"""In a real browser: a founder registers and applies with documents, a reviewer scores, the manager admits;
the founder files a quarterly report, the manager returns it, the founder corrects it, the manager verifies it."""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from incubator.auth.services import create_user
from incubator.extensions import db
from incubator.organisations.models import Industry
from incubator.startups.models import Application, QuarterlyReport
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "browser-journey-pass"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def setup_zone(server_app):
    with server_app.app_context():
        if not db.session.query(Industry).filter_by(code="artificial_intelligence").first():
            db.session.add(Industry(code="artificial_intelligence", name_zh="人工智能", name_en="Artificial intelligence"))
        platform = factories.platform(code="FH-9", name="Journey Incubator")
        manager = create_user("manager@journey.cn", "manager", PASSWORD, name="Manager Li", locale="en")
        create_user("expert@journey.cn", "reviewer", PASSWORD, name="Professor Zhao", locale="en")
        platform.managers.append(manager)
        db.session.commit()


def activation_path(server_app, address) -> str:
    """The path of the activation link mailed to ``address`` (the outbox folder of the test server)."""
    for path in sorted(Path(server_app.config["MAIL_OUTBOX"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found = re.search(r"/register/confirm/\S+", message.get_content())
        if message["To"] == address and found:
            return found.group(0)
    raise AssertionError(f"no activation link was mailed to {address}")


def login(browser, server_app, email):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server_app.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit], form button[type=submit]:not([data-lang])")
    page.wait_for_url(f"{server_app.url}/home")
    return page


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


def submit_step(page):
    click_and_wait(page, "#step-form input[type=submit]")


def test_startup_journey(live_server, page, browser):
    setup_zone(live_server)
    url = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())

    # A founder registers and applies.
    page.goto(f"{url}/register")
    page.click("button[data-lang=en]")
    page.fill("input[name=name]", "Founder Wang")
    page.fill("input[name=email]", "wang@startup.cn")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("form input[type=submit]")
    # The same answer for every address: check the mailbox; the account exists once its link is opened.
    page.wait_for_url(f"{url}/login")
    assert "Check your mailbox" in page.inner_text(".alert-info")
    page.goto(url + activation_path(live_server, "wang@startup.cn"))
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit]")
    page.wait_for_url(f"{url}/home")
    page.goto(f"{url}/applications")
    click_and_wait(page, "text=New application")
    page.fill("input[name=company_name]", "苏州智芯科技有限公司")
    page.fill("input[name=credit_code]", factories.credit_code(9001))
    page.fill("input[name=founded_on]", "2026-01-15")
    page.select_option("select[name=industry_id]", label="Artificial intelligence")
    page.check("input[name=registered_in_zone]")
    submit_step(page)
    assert "Saved as a draft." in page.inner_text(".alert-success")
    page.fill("input[name=name_0]", "王磊")
    page.fill("input[name=role_0]", "CEO")
    submit_step(page)
    page.fill("textarea[name=technology]", "工业视觉检测")
    submit_step(page)
    page.fill("textarea[name=market]", "电子制造企业")
    page.fill("textarea[name=business_model]", "软件授权")
    submit_step(page)
    page.fill("input[name=funding_needed]", "300")
    submit_step(page)
    page.select_option("select[name=platform_id]", label="Journey Incubator (FH-9)")
    page.select_option("select[name=space_kind]", "office")
    submit_step(page)
    page.wait_for_url("**/step/documents")
    for kind in ("business_licence", "business_plan", "pitch_deck", "legal_rep_id"):
        card = page.locator(f"#doc-{kind}")
        card.locator("input[type=file]").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF})
        if kind == "legal_rep_id":
            card.locator("input[name=consent]").check()
        with page.expect_navigation():
            card.locator("button[type=submit]").click()
        assert "The document has been uploaded." in page.inner_text(".alert-success")
    click_and_wait(page, "text=Submit the application")
    assert "Submitted" in page.inner_text("h1")

    # The manager assigns the reviewer.
    manager = login(browser, live_server, "manager@journey.cn")
    with live_server.app_context():
        application_id = db.session.query(Application).one().id
    manager.goto(f"{url}/applications/{application_id}")
    manager.select_option("select[name=reviewer_id]", label="Professor Zhao <expert@journey.cn>")
    click_and_wait(manager, "form[action$='/assign'] button")
    assert "Professor Zhao" in manager.inner_text("#review-table")

    # The reviewer scores.
    reviewer = login(browser, live_server, "expert@journey.cn")
    reviewer.goto(f"{url}/reviews")
    click_and_wait(reviewer, "#reviews a")
    for index, field in enumerate(reviewer.locator("input[data-weight]").all()):
        field.fill(str(8 - index % 2))
    assert reviewer.inner_text("[data-weighted-total]") != "—"
    reviewer.fill("textarea[name=comment]", "技术扎实")
    reviewer.click("#score-form input[type=submit]")
    reviewer.wait_for_url(f"{url}/reviews")

    # The manager sees the score and admits.
    manager.goto(f"{url}/applications/{application_id}")
    assert manager.inner_text("#average-score") != "—"
    manager.fill("#admit-form textarea[name=reason]", "评审通过，同意入孵")
    click_and_wait(manager, "#admit-form button[type=submit]")
    assert "Admitted" in manager.inner_text("h1")

    # The founder files the quarterly report.
    page.goto(f"{url}/home")
    assert "Admitted" in page.inner_text("#founder-panel")
    # Admitted today, the company owes no report of the quarter before (no task on its home); its reports
    # page, in the menu now, lets it file one.
    assert page.locator("#task-report_due").count() == 0
    page.goto(f"{url}/reports")
    click_and_wait(page, "a.btn-outline-primary[href^='/reports/20']")
    period = page.url.rsplit("/", 1)[1]
    figures = {"revenue": "120.5", "rd_expense": "30", "employees": "20", "rd_staff": "25"}
    for name, value in figures.items():
        page.fill(f"input[name={name}]", value)
    assert page.locator("[data-live-error=rd_staff]").is_visible()  # live check before sending
    page.fill("input[name=rd_staff]", "8")
    assert not page.locator("[data-live-error=rd_staff]").is_visible()
    click_and_wait(page, "#report-form input[name=submit]")
    assert "The report has been submitted." in page.inner_text(".alert-success")

    # The manager returns it with a reason.
    manager.goto(f"{url}/reports?status=submitted")
    click_and_wait(manager, "#reports a:has-text('苏州智芯科技有限公司')")
    manager.fill("#return-reason", "营业收入与纳税数据不符，请核实")
    click_and_wait(manager, "#return")
    assert "Returned" in manager.inner_text("h1")

    # The founder corrects it.
    page.goto(f"{url}/reports/{period}")
    assert "营业收入与纳税数据不符" in page.inner_text("#returned-reason")
    page.fill("input[name=revenue]", "110")
    click_and_wait(page, "#report-form input[name=submit]")
    assert "The report has been submitted." in page.inner_text(".alert-success")

    # The manager verifies it.
    manager.reload()
    click_and_wait(manager, "#verify")
    assert "Verified" in manager.inner_text("h1")
    with live_server.app_context():
        report = db.session.query(QuarterlyReport).one()
        assert report.status == "verified" and report.revenue == 1_100_000 and report.period == period
