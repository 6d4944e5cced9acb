"""The grouped menu: a few groups per role, the current place marked, breadcrumbs on record pages, and the
language picked on the login page winning over the stored one."""
from __future__ import annotations

import re
from datetime import date

import pytest

from incubator.auth.models import User
from incubator.extensions import db
from incubator.navigation import NAV_GROUPS, menu_for, nav_for

from .conftest import AuthActions

ROLES = ("admin", "manager", "reviewer", "startup", "partner")


def _menu_html(page: str) -> str:
    start = page.index('id="main-nav"')
    return page[start:page.index("</div>", start)]  # the grouped menu holds no <div>


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_at_most_seven_places_holding_every_entry_it_may_open(app, role):
    with app.test_request_context("/home"):
        entries = menu_for(role)
        assert len(entries) <= 1 + len(NAV_GROUPS) <= 8  # Home and at most seven groups
        grouped = sorted(item.endpoint for entry in entries for item in entry.items)
        assert grouped == sorted(item.endpoint for item in nav_for(role))


def test_an_unknown_group_is_refused_when_an_area_registers_its_entry():
    from incubator.navigation import register_nav

    with pytest.raises(ValueError, match="unknown navigation group"):
        register_nav("nowhere.index", "Nowhere", {"admin"}, group="no-such-group")


def test_the_group_of_the_current_page_is_marked_and_a_record_page_has_breadcrumbs(login_as):
    admin, _ = login_as("admin", locale="en")
    listing = admin.get("/admin/users").get_data(as_text=True)
    marked = re.findall(r'<a class="[^"]*\bactive\b[^"]*"[^>]*aria-current="page"[^>]*>([^<]+)</a>',
                        _menu_html(listing))
    assert marked == ["Users"]
    assert 'class="app-breadcrumbs"' not in listing  # a list is a menu entry itself: no trail
    new_form = admin.get("/admin/users/new").get_data(as_text=True)
    start = new_form.index('class="app-breadcrumbs"')
    trail = new_form[start:new_form.index("</nav>", start)]
    assert re.findall(r'<a href="([^"]+)">', trail) == ["/home", "/admin/users"]


def test_a_founder_does_not_see_administrators_groups(login_as):
    from tests import factories

    company = factories.organisation(name="在孵公司")
    factories.incubation(company, factories.platform(code="NAV"), date(2025, 1, 1))
    founder, _ = login_as("startup", locale="en", organisation_id=company.id)
    menu = _menu_html(founder.get("/home").get_data(as_text=True))
    assert 'href="/admin/users"' not in menu and 'href="/admin/audit/"' not in menu
    assert 'href="/reports"' in menu
    applicant, _ = login_as("startup", locale="en")  # no company admitted: no quarterly report to file
    assert 'href="/reports"' not in _menu_html(applicant.get("/home").get_data(as_text=True))


def test_the_language_picked_on_the_login_page_replaces_the_stored_choice(app, make_user):
    user = make_user("manager", locale="zh")
    client = app.test_client()
    client.post("/language/en", data={"next": "/login"})
    AuthActions(client).login(user)
    page = client.get("/home").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert db.session.get(User, user.id).locale == "en"


def test_logging_in_without_picking_a_language_keeps_the_stored_one(app, make_user):
    user = make_user("manager", locale="zh")
    client = app.test_client()
    AuthActions(client).login(user)
    assert '<html lang="zh-CN">' in client.get("/home", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert db.session.get(User, user.id).locale == "zh"
