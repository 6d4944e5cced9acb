"""Pages of the evaluation and the dashboard read alike: one word per status, the zone named once in the title."""
from __future__ import annotations

import pytest

from tests.pages import page_text


@pytest.mark.parametrize("path", ["/outcomes/dashboard?period=2026Q3", "/evaluation/2026Q3"])
def test_dashboard_and_evaluation_say_the_same_word_for_a_status(hand_zone, login_as, path):
    """The dashboard used to say 达标 where the evaluation said 进度正常: one registry now."""
    client, _admin = login_as("admin")
    client.post("/language/zh")
    text = page_text(client.get(path))
    assert "● 进度正常" in text and "达标" not in text


def test_the_window_title_names_the_zone_once(hand_zone, login_as):
    client, _admin = login_as("admin")
    client.post("/language/zh")
    html = client.get("/outcomes/dashboard?period=2026Q3").get_data(as_text=True)
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.count("示范开发区") == 1, title
    assert page_text(client.get("/home")).count("示范开发区") >= 1
