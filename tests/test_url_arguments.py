"""Issue 15, hole 9: out-of-range values in a URL answer 404 (path) or 400 with a message (query), never 500.

Every test starts from an empty migrated database; the records they need are made here.
"""
from __future__ import annotations

import re
import string

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from incubator.periods import Period, PeriodError
from incubator.url_arguments import MAX_ID, QUERY_ARGUMENTS

from incubator.extensions import db

from . import factories

TOO_BIG = "99999999999999999999999"


@pytest.fixture
def english(app):
    def client_for(login_as, role):
        client, user = login_as(role)
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client, user
    return client_for


def message_of(response) -> str:
    found = re.search(r'<p class="lead">(.*?)</p>', response.get_data(as_text=True), re.S)
    return found.group(1).strip() if found else ""


@pytest.mark.parametrize("path", [
    f"/applications/{TOO_BIG}",
    f"/applications/{MAX_ID + 1}",
    f"/startups/companies/{TOO_BIG}",
    f"/incentives/claims/{TOO_BIG}",
    f"/bookings/resources/{TOO_BIG}",
    f"/compliance/platforms/{TOO_BIG}/facts/2026",
    f"/organisations/{TOO_BIG}",
])
def test_an_id_no_database_can_hold_is_a_page_that_does_not_exist(login_as, path):
    client, _ = login_as("admin")
    assert client.get(path).status_code == 404


def test_the_largest_id_is_simply_not_found(login_as):
    client, _ = login_as("admin")
    assert client.get(f"/applications/{MAX_ID}").status_code == 404


@pytest.mark.parametrize("role, path", [
    ("startup", "/reports/0000Q1"),
    ("startup", "/reports/9999Q4"),
    ("startup", "/reports/2026Q5"),
    ("admin", "/evaluation/0000Q1"),
    ("admin", "/evaluation/0000Q1/report"),
    ("admin", "/evaluation/9999Q4/export.xlsx"),
])
def test_a_quarter_that_cannot_exist_is_a_page_that_does_not_exist(login_as, role, path):
    client, _ = login_as(role)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("text", ["0000Q1", "1899Q4", "3000Q1", "9999Q4", "10000Q1"])
def test_a_quarter_outside_the_years_of_the_zone_is_not_a_quarter(text):
    with pytest.raises(PeriodError):
        Period.parse(text)
    assert str(Period.parse("1900Q1")) == "1900Q1" and str(Period.parse("2999Q4")) == "2999Q4"


def test_a_page_number_out_of_range_answers_400_with_a_message(login_as, english):
    client, _ = english(login_as, "admin")
    for path in ("/applications", "/admin/users", "/organisations/", "/audit/"):
        response = client.get(f"{path}?page=99999999999999999999")
        assert response.status_code == 400, path
        assert message_of(response) == "“page” must be a whole number from 1 to 1000000.", path
    assert client.get("/admin/users?page=2").status_code == 200


def test_a_day_out_of_range_answers_400_on_the_resource_calendar(app, login_as, english):
    from .bookings.conftest import make_resource

    client, _ = english(login_as, "admin")
    resource = make_resource(factories.platform(code="FH-1", name="Day Incubator"))
    db.session.commit()
    assert client.get(f"/bookings/resources/{resource.id}?day=2026-03-02").status_code == 200
    for day in ("9999-12-31", "0001-01-01", "2026-02-30", "not-a-day"):
        response = client.get(f"/bookings/resources/{resource.id}?day={day}")
        assert response.status_code == 400, day
        assert message_of(response).startswith("“day” must be a day written like 2026-03-31"), day


@pytest.mark.parametrize("query", ["year=0", "year=99999999999999999999", "year=10000", "year=abc"])
def test_a_year_out_of_range_answers_400(login_as, english, query):
    client, _ = english(login_as, "admin")
    response = client.get(f"/outcomes/targets?{query}")
    assert response.status_code == 400
    assert message_of(response) == "“year” must be a whole number from 1900 to 2999."


def test_the_message_is_in_the_users_language(login_as):
    client, _ = login_as("admin", locale="zh")
    response = client.get("/admin/users?page=0")
    assert response.status_code == 400 and "“page”" in message_of(response)
    assert "whole number" not in message_of(response)


def test_an_empty_argument_is_an_absent_one(login_as):
    client, _ = login_as("admin")
    assert client.get("/admin/users?page=").status_code == 200


# --- property: whatever the text, a listed query argument is parsed or refused with 400 ----------

_HOSTILE_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=string.digits + "-+.eE ٣²", min_size=1, max_size=25),
    st.dates().map(str),
    st.text(max_size=12),
)


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(QUERY_ARGUMENTS)), text=_HOSTILE_NUMBERS)
@example(name="page", text=TOO_BIG)
@example(name="day", text="9999-12-31")
@example(name="year", text="0")
def test_property_query_arguments_never_give_a_server_error(login_as, name, text, request):
    client = request.node.__dict__.setdefault("_admin_client", None)
    if client is None:
        client, _ = login_as("admin")
        request.node._admin_client = client
    for path in ("/admin/users", "/outcomes/targets", "/bookings/"):
        response = client.get(path, query_string={name: text})
        assert response.status_code in (200, 302, 400), (path, name, text)


@pytest.mark.parametrize("path, name", [("/admin/audit/", "date_to"), ("/admin/audit/", "date_from"),
                                        ("/bookings/use", "last_day")])
def test_a_filter_form_day_out_of_range_answers_400_and_a_malformed_one_is_left_to_the_form(
        login_as, english, path, name):
    client, _ = english(login_as, "admin")
    response = client.get(path, query_string={name: "9999-12-31"})
    assert response.status_code == 400 and message_of(response).startswith(f"“{name}” must be a day"), path
    assert client.get(path, query_string={name: "not-a-day"}).status_code in (200, 302)
