"""A page offers a button exactly when its view accepts it (issue 17, part 4).

On the seeded demo zone, for every user of the zone and a sample of organisations, incentive claims,
applications and platforms' targets: ``access.allowed`` (what ``can()`` answers the templates), the page (does it
offer the link or form?) and the view (does the request go through and change the record?) must all agree.
Each request that could change something runs in a transaction rolled back afterwards.
"""
from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from incubator import access, clock
from incubator.extensions import db
from tests.conftest import PASSWORD, AuthActions
from tests.crawl import local_url, page_links_and_forms
from tests.security.conftest import seeded_zone_app
from tests.security.test_scope_widening import rolled_back

pytestmark = pytest.mark.slow

# The demo zone's users; applicant1 and applicant2 filed its first applications (a draft, a submitted one).
USERS = ("admin", "manager", "manager2", "reviewer", "founder", "founder2", "partner", "applicant1", "applicant2")
SCALE = 0.3  # of the demo zone, as the access walk
PER_STATUS = 1  # records sampled in each state


@pytest.fixture(scope="module")
def zone(migrated_database, tmp_path_factory):
    with seeded_zone_app("policy", migrated_database, tmp_path_factory, SCALE) as app:
        yield Zone(app)


class Zone:
    def __init__(self, app):
        from incubator.auth.models import User

        self.app = app
        self.user_ids = {name: db.session.scalar(select(User.id).where(User.email == f"{name}@demo.zone"))
                         for name in USERS}
        self.clients = {}
        for name in USERS:
            client = app.test_client()
            assert AuthActions(client).login(f"{name}@demo.zone", PASSWORD).status_code == 302, name
            self.clients[name] = client
        db.session.rollback()

    def user(self, name):
        from incubator.auth.models import User

        return db.session.get(User, self.user_ids[name])

    def url(self, endpoint, **values):
        with self.app.test_request_context():
            return url_for(endpoint, **values)


def offered(response, page_url) -> tuple[set[str], dict[str, list]]:
    """The local links of a page and its POST forms by action (their fields), empty for a refused page."""
    if response.status_code != 200:
        return set(), {}
    links, forms = page_links_and_forms(response.get_data(as_text=True), page_url)
    return ({local_url(link) for link in links} - {None},
            {form.action: form.fields for form in forms if form.method == "POST"})


def post_changes(zone, name, url, fields, state) -> bool:
    """Whether ``name`` posting ``fields`` to ``url`` goes through and changes ``state()`` (rolled back)."""
    with rolled_back():
        before = state()
        response = zone.clients[name].post(url, data=MultiDict(fields))
        db.session.expire_all()
        after = state()
    db.session.rollback()
    return response.status_code not in (400, 403, 404, 405) and after != before


def with_values(fields, values: dict) -> list:
    """The fields a page's form sends, with ``values`` typed into them (or alone when the page has no form)."""
    return [*(item for item in fields if item[0] not in values), *values.items()]


def sampled(model, status_column, statuses):
    rows = []
    for status in statuses:
        rows += list(db.session.scalars(select(model).where(status_column == status).order_by(model.id)
                                        .limit(PER_STATUS)))
    return rows


def test_the_organisation_pages_offer_editing_exactly_to_who_may_edit(zone):
    from incubator.organisations.models import Organisation

    companies = list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(("startup", "enterprise")))
                                        .order_by(Organisation.id).limit(8)))
    disagreements, edited = [], 0
    for name in USERS:
        user = zone.user(name)
        for company in companies:
            may = access.allowed(user, "organisation.edit", company)
            page = zone.url("organisations.detail", organisation_id=company.id)
            edit = zone.url("organisations.edit", organisation_id=company.id)
            links, _forms = offered(zone.clients[name].get(page), page)
            reached = zone.clients[name].get(edit).status_code == 200
            edited += may
            if not may == (edit in links) == reached:
                disagreements.append((name, company.id, may, edit in links, reached))
        db.session.rollback()
    assert disagreements == []
    assert edited, "someone may edit a sampled company"


# action -> (endpoint, values typed into the form); the smallest amounts, which no budget or cap refuses
CLAIM_STEPS = {
    "claim.recommend": ("incentives.claim_recommend", {"note": "ok"}),
    "claim.approve": ("incentives.claim_approve", {"amount": "0.0001", "reason": "agreement test"}),
    "claim.reject": ("incentives.claim_reject", {"reason": "agreement test"}),
    "claim.pay": ("incentives.claim_payment", {"paid_on": "2000-01-03", "amount": "0.0001", "voucher_no": "V-1"}),
}


def step_disagreements(zone, model, ids, page_endpoint, id_argument, steps) -> tuple[list, set]:
    """For every user and record: whether ``allowed``, the record's page (offers the step's form?) and the POST
    (goes through and changes the record's status?) agree on each of ``steps``; and the steps someone may take."""
    disagreements, taken = [], set()
    for name in USERS:
        for record_id in ids:
            page = zone.url(page_endpoint, **{id_argument: record_id})
            _links, forms = offered(zone.clients[name].get(page), page)
            for action, (endpoint, values) in steps.items():
                may = access.allowed(zone.user(name), action, db.session.get(model, record_id))
                url = zone.url(endpoint, **{id_argument: record_id})
                went_through = post_changes(zone, name, url, with_values(forms.get(url, []), values),
                                            lambda: db.session.get(model, record_id).status)
                if may:
                    taken.add(action)
                if not may == (url in forms) == went_through:
                    disagreements.append((name, record_id, action, may, url in forms, went_through))
            db.session.rollback()
    return disagreements, taken


def test_a_claim_page_offers_each_step_exactly_when_the_step_goes_through(zone):
    from incubator.incentives.models import Claim

    claims = sampled(Claim, Claim.status, ("submitted", "recommended", "approved", "paid", "rejected"))
    ids = [claim.id for claim in claims]
    db.session.rollback()
    disagreements, taken = step_disagreements(zone, Claim, ids, "incentives.claim", "claim_id", CLAIM_STEPS)
    assert disagreements == []
    assert taken == set(CLAIM_STEPS), "every step is allowed to someone on a sampled claim"


APPLICATION_STEPS = {
    "application.start_review": ("startups.application_start_review", {}),
    "application.return": ("startups.application_return", {"reason": "agreement test"}),
    "application.reject": ("startups.application_reject", {"reason": "agreement test"}),
    "application.withdraw": ("startups.application_withdraw", {}),
}


def test_an_application_page_offers_each_decision_exactly_when_it_goes_through(zone):
    from incubator.startups.models import Application

    applications = sampled(Application, Application.status,
                           ("draft", "submitted", "under_review", "returned", "admitted", "rejected", "withdrawn"))
    founders = [zone.user_ids[name] for name in ("founder", "founder2", "applicant1", "applicant2")]
    applications += list(db.session.scalars(select(Application).where(Application.applicant_id.in_(founders))
                                            .order_by(Application.id).limit(2 * PER_STATUS)))
    ids = sorted({application.id for application in applications})
    db.session.rollback()
    disagreements, taken = step_disagreements(zone, Application, ids, "startups.application_detail",
                                              "application_id", APPLICATION_STEPS)
    assert disagreements == []
    assert taken == set(APPLICATION_STEPS), "every decision is allowed to someone on a sampled application"


def test_the_targets_page_saves_for_who_may_set_and_proposes_for_the_others(zone):
    from incubator.outcomes import catalogue
    from incubator.outcomes.models import Target
    from incubator.platforms.models import Platform

    platforms = [platform.id for platform in db.session.scalars(select(Platform).order_by(Platform.code).limit(3))]
    indicator = catalogue.CATALOGUE[0].code
    year = clock.today().year + 1  # a year the demo zone sets no targets for
    db.session.rollback()

    def state(platform_id):
        return lambda: sorted((target.status, target.value_scaled, target.proposed_value_scaled) for target in
                              db.session.scalars(select(Target).where(
                                  Target.year == year, Target.platform_id == platform_id,
                                  Target.indicator == indicator).order_by(Target.id)))

    disagreements, saved = [], {"set": 0, "proposed": 0}
    for name in USERS:
        for platform_id in platforms:
            user = zone.user(name)
            may_set, may_copy, may_list = (access.allowed(user, action) for action in
                                           ("target.set", "target.copy", "target.list"))
            page = zone.url("outcomes.targets", year=year, scope=platform_id)
            response = zone.clients[name].get(page)
            _links, forms = offered(response, page)
            copy_url = local_url(zone.url("outcomes.copy_targets", year=year, scope=platform_id))
            copy_offered = copy_url in forms
            reached = local_url(page) in forms
            fields = [*(item for item in forms.get(local_url(page), []) if item[0] != indicator), (indicator, "7")]
            with rolled_back():
                zone.clients[name].post(page, data=MultiDict(fields))
                db.session.expire_all()
                after = state(platform_id)()
            db.session.rollback()
            with rolled_back():
                copy_accepted = zone.clients[name].post(copy_url).status_code not in (403, 404)
            db.session.rollback()
            outcome = ("set" if after[0][0] == "approved" else "proposed") if after else None
            expected = ("set" if may_set else "proposed") if reached else None
            if outcome:
                saved[outcome] += 1
            if outcome != expected or may_list != (response.status_code != 403) \
                    or not may_copy == copy_offered == copy_accepted:
                disagreements.append((name, platform_id, outcome, expected, response.status_code, copy_offered,
                                      copy_accepted))
    assert disagreements == []
    assert saved["set"] and saved["proposed"], saved
