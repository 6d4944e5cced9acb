"""The one page helper (``incubator/pages.py``): the ``page`` argument, the pages kept within range, the pager's
numbers, and lists paged through it that never show another platform's records on any page."""
from __future__ import annotations

import pytest

from incubator.extensions import db
from incubator.pages import Page, counted_page, list_page, page_number
from incubator.platforms import services as platform_services
from tests import factories
from tests.pages import page_text


@pytest.fixture
def config_overrides():
    return {"PAGE_SIZE": 2}


@pytest.mark.parametrize("query, expected", [("", 1), ("?page=3", 3), ("?page=abc", 1), ("?page=0", 1),
                                             ("?page=-2", 1)])
def test_the_page_argument_falls_back_to_the_first_page(app, query, expected):
    with app.test_request_context(f"/{query}"):
        assert page_number() == expected


def test_a_list_page_stays_within_its_pages_and_holds_its_slice(app):
    with app.test_request_context("/?page=9"):
        page = list_page(list(range(25)), 10)
    assert (page.page, page.pages, page.total, page.items) == (3, 3, 25, [20, 21, 22, 23, 24])
    assert (page.has_prev, page.has_next, page.prev_num) == (True, False, 2)
    with app.test_request_context("/"):
        assert list_page([]).items == [] and list_page([]).pages == 1  # the configured size: 2


def test_a_counted_page_gives_the_offset_to_read_from(app):
    with app.test_request_context("/?page=2"):
        page = counted_page(45, 20)
    assert (page.offset, page.per_page, page.items) == (20, 20, [])


def test_the_pager_numbers_skip_the_far_pages():
    assert list(Page(10, 1, 20).iter_pages()) == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert list(Page(1, 5, 12).iter_pages()) == [1, 2, 3]


def test_lists_answer_a_page_past_the_end_on_an_empty_database(login_as):
    client, _admin = login_as("admin")
    for url in ("/platforms?page=7", "/evaluation/2025Q4?page=7", "/admin/audit/?page=7"):
        response = client.get(url)
        assert response.status_code == 200, url


def test_no_page_of_a_managers_platform_list_shows_another_platform(login_as):
    client, manager = login_as("manager")
    for number in range(3):
        platform_services.set_managers(factories.platform(code=f"MINE{number}", name=f"我的平台{number}"), [manager])
    for number in range(3):
        factories.platform(code=f"THEIRS{number}", name=f"别人的平台{number}")
    db.session.commit()
    shown = []
    for number in (1, 2, 3, 4):
        text = page_text(client.get(f"/platforms?page={number}"))
        assert "别人的平台" not in text, number
        assert number > 2 or "3 in total" in text  # past the end: the empty list's own message
        shown += [f"我的平台{n}" for n in range(3) if f"我的平台{n}" in text]
    assert sorted(shown) == ["我的平台0", "我的平台1", "我的平台2"]  # two on the first page, one on the second
