"""Access decided in policy modules: templates ask ``can()``, views and templates name the same actions.

Parses every template (a role comparison there is a rule restated outside its policy module), checks that
every ``can('...')`` names a registered action, and that every view an action stands for lets in exactly the
action's roles. The behaviour on the seeded zone (a page offers a button exactly when its view accepts it) is
``tests/security/test_policy_agreement.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import nodes

from incubator import access

TEMPLATES = Path(__file__).resolve().parents[1] / "incubator" / "templates"
COMPARISONS = {"eq", "ne", "in", "notin"}

# Every registered action and the views it stands for: each view must let in exactly the action's roles (a view
# decorated with ``action_required`` does by construction). An empty tuple: the action is a decision inside
# views that more roles reach (which form a targets page saves, the zone scope of a dashboard, ...); the
# seeded-zone test and the area tests prove those.
ACTION_ENDPOINTS = {
    "organisation.list": ("organisations.index", "organisations.detail"),
    "organisation.create": ("organisations.new",),
    "organisation.edit": ("organisations.edit", "organisations.ip_new", "organisations.ip_edit",
                          "organisations.ip_delete"),
    "industry.manage": ("organisations.industries", "organisations.industry_form"),
    "incentives.read": ("incentives.index", "incentives.policy", "incentives.claim", "incentives.claim_document"),
    "incentives.dashboard": ("incentives.dashboard",),
    "policy.create": ("incentives.policy_new",),
    "policy.edit": ("incentives.policy_edit",),
    "policy.copy": ("incentives.policy_copy",),
    "policy.close": ("incentives.policy_close",),
    "policy.approval_list": ("incentives.approval_list",),
    "policy.export": ("incentives.policy_export",),
    "claim.create": ("incentives.claim_new",),
    "claim.create_in_bulk": ("incentives.claims_bulk",),
    "claim.decide": (),
    "claim.recommend": ("incentives.claim_recommend",),
    "claim.approve": ("incentives.claim_approve",),
    "claim.reject": ("incentives.claim_reject",),
    "claim.pay": ("incentives.claim_payment",),
    "ledger.own": ("incentives.my_ledger",),
    "ledger.view": ("incentives.company_ledger_view",),
    "application.submit": ("startups.application_submit",),
    "application.withdraw": ("startups.application_withdraw",),
    "application.start_review": ("startups.application_start_review",),
    "application.return": ("startups.application_return",),
    "application.admit": ("startups.application_admit",),
    "application.reject": ("startups.application_reject",),
    "application.create": ("startups.application_new",),
    "application.follow": (),
    "application.decide": ("startups.application_binding", "startups.application_assign"),
    "application.read_scores": (),
    "application.document": ("startups.application_document",),
    "meeting.list": ("startups.meetings", "startups.reviewer_invite"),
    "review.list": ("startups.reviews", "startups.review_score"),
    "incubation.read": ("startups.incubation_detail",),
    "dashboard.read": ("outcomes.zone_dashboard", "outcomes.platform_dashboard"),
    "zone.figures": (),
    "target.list": ("outcomes.targets",),
    "target.set": (),
    "target.propose": (),
    "target.copy": ("outcomes.copy_targets",),
    "target.decide": ("outcomes.proposals", "outcomes.decide"),
    "weights.set": ("outcomes.weights",),
    "evaluation.open": ("evaluation.show",),
    "flags.read": ("quality.flags",),
    "flags.zone": (),
    "flags.settings": ("quality.settings", "quality.save_settings"),
    "compliance.read": ("compliance.overview", "compliance.high_tech", "compliance.torch_index"),
    "rule_set.manage": ("compliance.rule_sets", "compliance.install_rule_sets", "compliance.rule_set"),
    "platform.recognise": ("platforms.recognition_new", "platforms.recognition_delete"),
    "platform.managers": ("platforms.managers",),
    "import.run": ("importer.index",),
    "import.unrestricted": (),
    "audit.read": ("audit.index",),
    "resource.manage": ("bookings.new_resource", "bookings.edit_resource", "bookings.approvals",
                        "bookings.decide"),
    "resource.book": (),
    "resource.book_for": ("bookings.book_for",),
    "agreement.read": ("partnerships.agreements", "partnerships.agreement", "partnerships.cohorts"),
    "agreement.as_partner": (),
    "institution.read": ("partnerships.institutions", "partnerships.institution"),
    "institution.manage": ("partnerships.new_institution", "partnerships.edit_institution",
                           "partnerships.add_contact", "partnerships.delete_contact", "partnerships.bind_account"),
    "deal.read": ("partnerships.deals",),
    "talent.read": ("partnerships.talents",),
    "cohort.report": ("partnerships.cohort",),
    "cohort.delete": ("partnerships.delete_cohort",),
}


def role_tests(source: str, environment) -> list[int]:
    """The lines of ``source`` (a template) that compare ``current_user.role`` with ==, !=, in or not in."""
    found = []
    for compare in environment.parse(source).find_all(nodes.Compare):
        operands = [compare.expr] + [operand.expr for operand in compare.ops]
        if any(operation.op in COMPARISONS for operation in compare.ops) and any(
                isinstance(item, nodes.Getattr) and item.attr == "role" and isinstance(item.node, nodes.Name)
                and item.node.name == "current_user" for item in operands):
            found.append(compare.lineno)
    return found


def asked_actions(source: str, environment) -> set[str]:
    """The action names of every ``can('name', ...)`` call in ``source``."""
    names = set()
    for call in environment.parse(source).find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "can":
            assert call.args and isinstance(call.args[0], nodes.Const), f"can() with a computed name, line {call.lineno}"
            names.add(call.args[0].value)
    return names


def templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_role_test_detector_finds_comparisons_and_lets_display_be(app):
    environment = app.jinja_env
    assert role_tests("{% if current_user.role == 'admin' %}x{% endif %}", environment) == [1]
    assert role_tests("\n{{ 'a' if current_user.role in ('admin', 'manager') else 'b' }}", environment) == [2]
    assert role_tests("{% if 'startup' != current_user.role %}x{% endif %}", environment) == [1]
    assert role_tests("{{ role_labels[current_user.role] }} {{ current_user.role }}", environment) == []


def test_no_template_decides_access_by_comparing_the_role(app):
    offenders = {}
    for path in templates():
        lines = role_tests(path.read_text(encoding="utf-8"), app.jinja_env)
        if lines:
            offenders[str(path.relative_to(TEMPLATES))] = lines
    assert offenders == {}, "ask can('<action>', record) instead of comparing current_user.role"


def test_templates_ask_only_registered_actions(app):
    asked = set()
    for path in templates():
        asked |= asked_actions(path.read_text(encoding="utf-8"), app.jinja_env)
    assert asked, "the templates ask can()"
    assert sorted(asked - set(access.ACTIONS)) == []


def test_every_action_names_its_views_and_they_let_in_its_roles(app):
    assert sorted(access.ACTIONS) == sorted(ACTION_ENDPOINTS)
    mismatched = {}
    for name, endpoints in ACTION_ENDPOINTS.items():
        for endpoint in endpoints:
            view = app.view_functions[endpoint]
            if getattr(view, "allowed_roles", None) != access.ACTIONS[name].roles:
                mismatched[endpoint] = (name, sorted(getattr(view, "allowed_roles", ()) or ()))
    assert mismatched == {}


def test_an_action_is_defined_once_and_an_unknown_one_is_an_error(app, make_user):
    action = access.ACTIONS["claim.recommend"]
    assert access.define_action(action.name, action.roles, action.rule) is action
    with pytest.raises(ValueError):
        access.define_action(action.name, {"admin"})
    with pytest.raises(KeyError):
        access.allowed(make_user("admin"), "claim.no_such_step")


def test_an_action_refuses_the_anonymous_and_other_roles(app, make_user):
    assert access.allowed(make_user("admin"), "policy.create")
    assert not access.allowed(make_user("manager"), "policy.create")
    from flask_login import AnonymousUserMixin

    assert not access.allowed(AnonymousUserMixin(), "organisation.list")


def test_from_an_empty_zone_the_edit_button_and_the_edit_page_follow_the_write_scope(app, login_as):
    """No seed: a manager edits the company incubating on their platform now, reads a former incubatee without
    the button (its edit page answers 404), and does not see another platform's company at all."""
    from datetime import date

    from incubator.extensions import db
    from incubator.organisations.models import Organisation
    from tests import factories
    from tests.crawl import local_url, page_links_and_forms

    client, manager = login_as("manager")
    mine, other = factories.platform(), factories.platform()
    mine.managers.append(manager)
    current, former, elsewhere = (factories.organisation() for _ in range(3))
    factories.incubation(current, mine, date(2024, 1, 1))
    factories.incubation(former, mine, date(2022, 1, 1), status="graduated", ended_on=date(2023, 6, 30))
    factories.incubation(elsewhere, other, date(2024, 1, 1))
    db.session.commit()
    seen = {}
    for company in (current, former, elsewhere):
        detail, edit = f"/organisations/{company.id}", f"/organisations/{company.id}/edit"
        page = client.get(detail)
        links = {local_url(link) for link in page_links_and_forms(page.get_data(as_text=True), detail)[0]} \
            if page.status_code == 200 else set()
        seen[company.name] = (page.status_code, edit in links, client.get(edit).status_code,
                              access.allowed(manager, "organisation.edit", db.session.get(Organisation, company.id)))
    assert seen == {current.name: (200, True, 200, True), former.name: (200, False, 404, False),
                    elsewhere.name: (404, False, 404, False)}
