"""The demo seeder, the platform page's recognition tab, the rule-set form and the install button."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.compliance.models import ComplianceState, PlatformAnnualFacts, RuleSet
from incubator.compliance.seed import seed_compliance
from incubator.extensions import db
from incubator.seed import SeedContext
from tests import factories


def test_seeder_enters_two_years_of_facts_and_records_states(app):
    incubator = factories.platform(code="S1", kind="incubator", area_m2=Decimal("12000"), operating_since=date(2015, 1, 1))
    space = factories.platform(code="S2", kind="maker_space", area_m2=Decimal("900"), stations=40)
    factories.platform(code="S3", kind="key_lab")
    factories.incubation(factories.organisation(), incubator, date(2025, 3, 1))
    db.session.commit()
    context = SeedContext(rng=random.Random(1), made={"platforms": {"S1": incubator, "S2": space}})
    seed_compliance(context)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RuleSet)) == 5
    years = sorted(db.session.execute(select(PlatformAnnualFacts.platform_id, PlatformAnnualFacts.year)).all())
    assert years == [(incubator.id, 2025), (incubator.id, 2026), (space.id, 2025), (space.id, 2026)]
    facts = db.session.scalars(select(PlatformAnnualFacts)).all()
    assert all(f.income_total >= f.income_services + f.income_property + f.income_investment for f in facts)
    assert all(f.team_members >= f.teams_signed_in for f in facts)
    assert db.session.scalar(select(func.count()).select_from(ComplianceState)) > 0


def test_platform_page_has_a_recognition_tab(app, login_as):
    from incubator.compliance.services import install_default_rule_sets

    install_default_rule_sets()
    platform = factories.platform(code="TAB1", kind="incubator")
    db.session.commit()
    client, _ = login_as("admin")
    html = client.get(f"/platforms/{platform.id}?tab=compliance").get_data(as_text=True)
    assert "National tech business incubator (general)" in html
    assert f"/compliance/platforms/{platform.id}" in html


def test_admin_installs_the_official_rule_sets_once(app, login_as):
    client, _ = login_as("admin")
    assert "No rule set yet" in client.get("/compliance/rule-sets").get_data(as_text=True)
    client.post("/compliance/rule-sets/install")
    client.post("/compliance/rule-sets/install")
    assert db.session.scalar(select(func.count()).select_from(RuleSet)) == 5
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "rule_set_installed")) == 5
    html = client.get("/compliance/rule-sets").get_data(as_text=True)
    assert "national_maker_space_filing" in html and "provincial_academician_workstation" in html


def test_admin_edits_a_rule_set_and_may_deactivate_it(app, login_as):
    from incubator.compliance.services import install_default_rule_sets, platform_gap

    install_default_rule_sets()
    db.session.commit()
    client, _ = login_as("admin")
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_incubator_2018_specialised"))
    data = {"code": rule_set.code, "name_zh": rule_set.name_zh, "name_en": "Specialised", "region": "",
            "source_document": "国科发区〔2018〕300号", "effective_on": "2019-01-01", "notes": "checked"}
    response = client.post(f"/compliance/rule-sets/{rule_set.id}", data=data)  # is_active unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert not rule_set.is_active and rule_set.effective_on == date(2019, 1, 1)
    platform = factories.platform(code="DEACT", kind="incubator")
    codes = [r.rule_set.code for r in platform_gap(platform, 2025)]
    assert codes == ["national_incubator_2018"]
    bad = client.post(f"/compliance/rule-sets/{rule_set.id}", data={**data, "code": "national_incubator_2018",
                                                                     "effective_on": "not a date"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'value="not a date"' in html and "is-invalid" in html
    taken = client.post(f"/compliance/rule-sets/{rule_set.id}", data={**data, "code": "national_incubator_2018"})
    assert "already exists" in taken.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rule_set_updated")) is not None
