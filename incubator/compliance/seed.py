"""Demo data: the official rule sets, two years of annual facts for the seeded platforms, and first alerts."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from .. import clock
from ..extensions import db
from ..platforms.models import Platform
from ..startups.models import Incubation
from .alerts import refresh
from .computations import covering
from .services import install_default_rule_sets, save_facts

FACT_KINDS = ("incubator", "maker_space", "academician_workstation")


def _seeded_platforms(context) -> list[Platform]:
    made = context.made.get("platforms")
    if isinstance(made, dict):
        made = list(made.values())
    platforms = [p for p in (made or []) if isinstance(p, Platform)]
    if not platforms:
        platforms = list(db.session.scalars(select(Platform).order_by(Platform.code)))
    return [p for p in platforms if p.kind in FACT_KINDS]


def _facts(rng, platform: Platform, tenants: int, year_offset: int) -> dict:
    """Plausible figures of one year: a little better in the later year."""
    growth = 1 + Decimal(year_offset) / 10
    area = Decimal(platform.area_m2 or 0)
    if platform.kind == "maker_space":
        teams = int(rng.randint(14, 30) * growth)
        values = {"full_time_staff": rng.randint(2, 6), "service_staff": rng.randint(1, 3),
                  "mentors": rng.randint(2, 8), "events_held": rng.randint(6, 18) + year_offset * 2,
                  "teams_signed_in": teams, "team_members": teams * rng.randint(2, 5),
                  "new_companies_registered": rng.randint(4, 14), "teams_financed": rng.randint(1, 7)}
    else:
        values = {"full_time_staff": rng.randint(6, 18), "service_staff": max(1, tenants // 10 + rng.randint(-1, 2)),
                  "mentors": max(1, tenants // 8 + rng.randint(-1, 3)), "events_held": rng.randint(10, 36),
                  "teams_signed_in": rng.randint(5, 20), "team_members": 0, "new_companies_registered": rng.randint(3, 12),
                  "teams_financed": rng.randint(1, 6)}
        values["team_members"] = values["teams_signed_in"] * rng.randint(2, 4)
    staff = values["full_time_staff"]
    values.update(professional_staff=rng.randint(1, staff), staff_with_degree=rng.randint(1, staff),
                  returnee_staff=rng.randint(0, min(2, staff)), founders_students=rng.randint(0, 12),
                  founders_researchers=rng.randint(0, 8), founders_returnees=rng.randint(0, 4))
    values.update(area_total_m2=None, area_offices_m2=(area * Decimal("0.05")).quantize(Decimal("0.01")),
                  area_tenant_m2=(area * Decimal(rng.randint(55, 72)) / 100).quantize(Decimal("0.01")),
                  area_public_service_m2=(area * Decimal(rng.randint(8, 15)) / 100).quantize(Decimal("0.01")))
    services_income = rng.randint(80, 400) * 10_000
    property_income = rng.randint(100, 900) * 10_000
    investment = rng.randint(0, 200) * 10_000
    values.update(income_services=services_income, income_property=property_income, income_investment=investment,
                  income_total=services_income + property_income + investment + rng.randint(0, 50) * 10_000,
                  profit=rng.randint(-50, 300) * 10_000, taxes=rng.randint(10, 80) * 10_000,
                  subsidies_received=rng.randint(0, 150) * 10_000, incubation_fund=rng.randint(0, 30) * 100_000,
                  tenant_subsidies=rng.randint(0, 300) * 10_000)
    return values


def seed_compliance(context) -> None:
    """Install the rule sets, enter last year's and this year's facts, then refresh alerts year by year."""
    install_default_rule_sets()
    platforms = _seeded_platforms(context)
    this_year = clock.today().year
    tenants = dict(db.session.execute(
        select(Incubation.platform_id, func.count()).where(covering(clock.today()))
        .group_by(Incubation.platform_id)).all())
    made = []
    for platform in platforms:
        if platform.kind == "academician_workstation":
            continue  # judged from residencies and on-site days (platforms area)
        for offset, year in enumerate((this_year - 1, this_year)):
            made.append(save_facts(platform, year, _facts(context.rng, platform, tenants.get(platform.id, 0), offset)))
    context.made["annual_facts"] = made
    refresh(this_year - 1)  # last year's outcomes are the baseline …
    refresh(this_year)      # … so this year's changes show as alerts
