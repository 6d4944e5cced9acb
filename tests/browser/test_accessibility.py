"""Accessibility: axe-core (installed from the npm registry by ``python -m incubator.assets``, like ECharts)
runs on one page per endpoint that a crawl of each role reaches, in both languages, and the test fails on any
serious or critical violation, naming the rule and the elements. To fit the CI budget an endpoint is checked
as the first role that reaches it (in the order of ``ACCOUNTS``: the administrator sees the most of a page);
every role's home is checked as that role.

The app's Content-Security-Policy refuses injected scripts, so the browser context bypasses CSP (only
here: the pages themselves are served exactly as in production). One live server, one seeded demo zone (a
tenth of it); the pages to check come from a test-client walk of each account (GET only, nothing sent).
"""
from __future__ import annotations

import pytest

from incubator.assets import VENDOR
from incubator.extensions import db
from incubator.seed import run_seeders

from ..conftest import AuthActions
from ..crawl import walk

pytestmark = pytest.mark.browser

AXE = VENDOR / "axe-core" / "axe.min.js"
PASSWORD = "axe-test-pass"
ACCOUNTS = {"admin": "admin@demo.zone", "manager": "manager@demo.zone", "reviewer": "reviewer@demo.zone",
            "startup": "founder@demo.zone", "partner": "partner@demo.zone"}
# Files, not pages: the walk does not fetch them (an export of the whole zone costs seconds and has no DOM).
NOT_PAGES = ("export", "download", "csv", "xlsx", "pdf", "template", "openapi", "document", "file")
# Swagger UI draws the API's reference page from its own bundle (its colours, its nested buttons): a page of
# a vendored tool, not of the app, so it is left to its project.
NOT_CHECKED = {"api_pages.reference"}
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact)).map((v) => ({
    rule: v.id, impact: v.impact, count: v.nodes.length,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim()),
  }));
}"""


def _page_per_endpoint(app, email: str) -> dict[str, str]:
    """endpoint -> the first HTML page of it the account reaches from its home."""
    client = app.test_client()
    assert AuthActions(client).login(email, PASSWORD).status_code == 302, email
    reached = walk(client, app, ["/home"], per_endpoint=1, per_page=1, limit=400,
                   skip=lambda url, endpoint: any(word in endpoint or word in url for word in NOT_PAGES))
    pages = {}
    for url, visit in reached.visits.items():
        if visit.status == 200 and visit.mimetype == "text/html" and visit.endpoint not in pages \
                and visit.endpoint not in NOT_CHECKED:
            pages[visit.endpoint] = url
    return dict(sorted(pages.items()))


def _log_in(page, base: str, email: str, language: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.click(f"button[data-lang={language}]")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{base}/home")


@pytest.mark.slow
def test_no_page_has_a_serious_or_critical_axe_violation(app, live_server, browser):
    assert AXE.exists(), "axe-core is missing: run `python -m incubator.assets` (make test does)"
    live_server.config["DEMO_PASSWORD"] = PASSWORD
    with live_server.app_context():
        run_seeders(2026, scale=0.1)
        db.session.commit()
    app.config["DEMO_PASSWORD"] = PASSWORD
    script = AXE.read_text(encoding="utf-8")
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768}, bypass_csp=True)
    context.add_init_script(script)  # given to the browser once, run in every page it opens
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    checked = 0
    seen: set[str] = set()
    try:
        for role, email in ACCOUNTS.items():
            reached = _page_per_endpoint(app, email)
            assert "main.home" in reached, role
            # An endpoint an earlier role's walk reached is the same template: it is checked once, by the first
            # role (admins see the most of each page); every role's home, which differs by role, is checked.
            pages = {endpoint: path for endpoint, path in reached.items()
                     if endpoint == "main.home" or endpoint not in seen}
            seen.update(reached)
            for language in ("zh", "en"):
                _log_in(page, live_server.url, email, language)
                for endpoint, path in pages.items():
                    response = page.goto(f"{live_server.url}{path}", wait_until="domcontentloaded")
                    if response is None or response.status != 200:
                        problems.append(f"{role} {language} {path}: status {response and response.status}")
                        continue
                    checked += 1
                    found = page.evaluate(RUN_AXE)
                    for violation in found:
                        problems.append(f"{role} {language} {path} ({endpoint}): {violation['impact']} "
                                        f"{violation['rule']} on {violation['count']} element(s): "
                                        + "; ".join(violation["nodes"]))
    finally:
        context.close()
    assert checked >= 100  # the walk reached the zone's pages (not only an error page or the login)
    assert not problems, f"{len(problems)} serious or critical violations:\n" + "\n".join(problems)
