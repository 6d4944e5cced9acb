"""Order-based training cohorts: the rule hired ≤ completed ≤ enrolled, only under talent_training agreements."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.partnerships.models import TrainingCohort

from .. import factories


def cohort_form(**values) -> dict:
    data = {"cohort_year": "2025", "enrolled": "40", "completed": "36", "hired_in_zone": "20",
            "completed_on": "2025-07-01"}
    data.update(values)
    return data


def cohorts() -> int:
    return db.session.scalar(select(func.count(TrainingCohort.id)))


def test_admin_adds_a_cohort_and_it_is_audited(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/cohorts/new", data=cohort_form())
    assert response.status_code == 302
    cohort = db.session.scalar(select(TrainingCohort))
    assert (cohort.enrolled, cohort.completed, cohort.hired_in_zone) == (40, 36, 20)
    assert cohort.figures_reported_at is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training_cohort.created"))


def test_hired_above_completed_is_refused_with_a_clear_message(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/cohorts/new",
                           data=cohort_form(completed="30", hired_in_zone="31"))
    page = response.get_data(as_text=True)
    assert "Hired by zone companies (31) may not exceed completed (30)." in page
    assert 'value="31"' in page  # what the user typed stays
    assert cohorts() == 0


def test_completed_above_enrolled_is_refused(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/cohorts/new",
                           data=cohort_form(enrolled="10", completed="11", hired_in_zone="0"))
    assert "Completed (11) may not exceed enrolled (10)." in response.get_data(as_text=True)
    assert cohorts() == 0


def test_negative_and_non_numbers_are_refused(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    db.session.commit()
    page = client.post(f"/partnerships/{agreement.id}/cohorts/new",
                       data=cohort_form(enrolled="-3")).get_data(as_text=True)
    assert "may not be negative" in page
    page = client.post(f"/partnerships/{agreement.id}/cohorts/new",
                       data=cohort_form(enrolled="很多")).get_data(as_text=True)
    assert "Enter a whole number." in page
    assert cohorts() == 0


def test_full_width_digits_are_read(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    db.session.commit()
    client.post(f"/partnerships/{agreement.id}/cohorts/new",
                data=cohort_form(enrolled="４０", completed="３０", hired_in_zone="１２"))
    assert db.session.scalar(select(TrainingCohort.hired_in_zone)) == 12


def test_a_second_cohort_of_the_same_year_is_refused(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 9, 1))
    factories.cohort(agreement, 2025, 30)
    db.session.commit()
    page = client.post(f"/partnerships/{agreement.id}/cohorts/new", data=cohort_form()).get_data(as_text=True)
    assert "This agreement already has a cohort of 2025." in page
    assert cohorts() == 1


def test_cohorts_belong_to_talent_training_agreements_only(app, make_user, university):
    import pytest

    from incubator.partnerships import services

    admin = make_user("admin")
    agreement = factories.partnership(university, kind="joint_lab")
    with pytest.raises(services.Problems) as error:
        services.add_cohort(agreement, {"cohort_year": 2025, "enrolled": 10})
    assert "cohort_year" in error.value.problems
    assert admin.role == "admin"


def test_kind_cannot_leave_talent_training_while_cohorts_exist(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", reference="T-1")
    factories.cohort(agreement, 2025, 10)
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/edit", data={
        "reference": "T-1", "title": "x", "partner_id": str(university.id), "kind": "joint_rd",
        "platform_id": "", "company_id": "", "starts_on": "2025-01-01", "ends_on": "", "contract_value": "0"})
    assert "stays an order-based training agreement" in response.get_data(as_text=True)


def test_cohort_list_totals_per_year_in_fixed_queries(login_as, university, count_queries):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2020, 1, 1))
    factories.cohort(agreement, 2024, 30, 28, 10)
    db.session.commit()
    client.get("/partnerships/cohorts")
    with count_queries() as few:
        client.get("/partnerships/cohorts")
    for year in range(2010, 2024):
        other = factories.partnership(university, kind="talent_training", starts_on=date(2009, 1, 1))
        factories.cohort(other, year, 20, 10, 5)
    factories.cohort(factories.partnership(university, kind="talent_training"), 2024, 12, 12, 12)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/partnerships/cohorts?year=2024").get_data(as_text=True)
    assert many.count == few.count
    totals = page[page.index('id="cohort-totals"'):page.index("</table>", page.index('id="cohort-totals"'))]
    assert "<td>2024</td><td class=\"text-end\">2</td><td class=\"text-end\">42</td>" in totals
    assert "<td class=\"text-end\">22</td></tr>" in totals  # 10 + 12 hired
