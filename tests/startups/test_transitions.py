"""The state machines of applications and reports: every (state, action) pair is allowed or refused as designed."""
from __future__ import annotations

import itertools

import pytest

from incubator.startups import services as svc
from incubator.startups.models import APPLICATION_STATUSES, REPORT_STATUSES

EXPECTED_APPLICATION = {
    ("draft", "submit"): "submitted", ("returned", "submit"): "submitted",
    ("submitted", "start_review"): "under_review", ("submitted", "return"): "returned",
    ("under_review", "return"): "returned", ("under_review", "admit"): "admitted",
    ("under_review", "reject"): "rejected",
    ("draft", "withdraw"): "withdrawn", ("submitted", "withdraw"): "withdrawn",
    ("under_review", "withdraw"): "withdrawn", ("returned", "withdraw"): "withdrawn",
}


@pytest.mark.parametrize("status, action", list(itertools.product(APPLICATION_STATUSES, svc.APPLICATION_ACTIONS)))
def test_every_application_state_and_action(status, action):
    expected = EXPECTED_APPLICATION.get((status, action))
    if expected is None:
        with pytest.raises(svc.IllegalTransition):
            svc.next_status(status, action)
    else:
        assert svc.next_status(status, action) == expected


def test_final_states_allow_nothing():
    for status in ("admitted", "rejected", "withdrawn"):
        for action in svc.APPLICATION_ACTIONS:
            with pytest.raises(svc.IllegalTransition):
                svc.next_status(status, action)


EXPECTED_REPORT = {("draft", "submit"): "submitted", ("returned", "submit"): "submitted",
                   ("submitted", "verify"): "verified", ("submitted", "return"): "returned",
                   ("verified", "reopen"): "returned"}


def test_report_transition_table_is_exactly_the_design():
    assert svc.REPORT_TRANSITIONS == EXPECTED_REPORT
    assert set(s for s, _ in EXPECTED_REPORT) | set(EXPECTED_REPORT.values()) == set(REPORT_STATUSES)


@pytest.mark.parametrize("status, action", list(itertools.product(REPORT_STATUSES,
                                                                  ("submit", "verify", "return", "reopen"))))
def test_every_report_state_and_action(app, make_user, status, action):
    from incubator.extensions import db
    from tests import factories

    admin = make_user("admin")
    company = factories.organisation()
    report = factories.report(company, "2025Q1", status=status)
    db.session.commit()
    expected = EXPECTED_REPORT.get((status, action))
    if expected is None:
        with pytest.raises(svc.IllegalTransition):
            svc._report_transition(report, action, admin, reason="why")
    else:
        svc._report_transition(report, action, admin, reason="why")
        assert report.status == expected
