"""Demo targets and weights: this year's targets 10 % above last year's figures, for the zone and each platform."""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..periods import Period
from ..platforms.models import Platform
from . import catalogue
from .computations import ZONE, compute_figures, indicator_values
from .models import IndicatorWeight, Target, to_scaled

DEMO_INDICATORS = ("REVENUE", "RD_INTENSITY", "EMPLOYEES", "INVENTION_PATENTS_GRANTED", "FINANCING",
                   "STARTUPS_ADMITTED", "STARTUPS_INCUBATING", "TECH_TRANSFER_VALUE", "ACTIVE_PARTNERSHIPS")


def _target_from(value: Decimal | None, indicator: catalogue.Indicator) -> Decimal | None:
    if value is None or value <= 0:
        return None
    raised = value * Decimal("1.1")
    return raised.quantize(Decimal(1).scaleb(-min(indicator.places, 2)), rounding=ROUND_CEILING)


def seed_targets(context) -> None:
    """Targets of the current year from last year's full-year figures (+10 %); weights favour revenue."""
    year = clock.today().year
    last_year_end = Period(year - 1, 4)
    existing = set(db.session.execute(select(Target.scope, Target.indicator).where(Target.year == year)).all())
    scopes = [(ZONE, None, compute_figures("zone", [last_year_end]))]
    platform_figures = compute_figures("platform", [last_year_end])
    for platform in db.session.scalars(select(Platform).order_by(Platform.code)):
        scopes.append((platform.code, platform, platform_figures))
    admin = context.made.get("users", {}).get("admin@demo.zone")
    for scope, platform, figures in scopes:
        values = indicator_values(figures, platform.id if platform else ZONE, last_year_end)
        for code in DEMO_INDICATORS:
            indicator = catalogue.get(code)
            target = _target_from(values[code][1], indicator)
            if target is None or (scope, code) in existing:
                continue
            db.session.add(Target(year=year, scope=scope, platform_id=getattr(platform, "id", None), indicator=code,
                                  value_scaled=to_scaled(target), status="approved",
                                  approved_by_id=getattr(admin, "id", None)))
    if not db.session.scalar(select(IndicatorWeight.id).where(IndicatorWeight.year == year)):
        db.session.add(IndicatorWeight(year=year, indicator="REVENUE", weight_scaled=to_scaled(Decimal(2))))
        db.session.add(IndicatorWeight(year=year, indicator="TECH_TRANSFER_VALUE", weight_scaled=to_scaled(Decimal("1.5"))))
    db.session.flush()
