"""Steps shared by the browser journeys."""
from __future__ import annotations

from ..conftest import PASSWORD


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form in a clean browser context and land on the home page."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(f"{base}/home")
