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


def open_from_menu(page, label: str) -> None:
    """Follow the main menu's entry ``label`` as a person does: open the entry's group first when it sits in
    one (a group of one entry is a plain link)."""
    menu = page.locator("nav.navbar")
    entry = menu.locator("a.dropdown-item, a.nav-link:not(.dropdown-toggle)").filter(
        has_text=label).first
    if not entry.is_visible():
        entry.locator("xpath=ancestor::li[contains(@class, 'dropdown')]").locator(".dropdown-toggle").first.click()
    entry.click()
