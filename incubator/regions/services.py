"""A region's roll-up of a quarter, built from its zones' published evaluations (read-only, never committed).

The unit is a zone's latest published version of the quarter (``EvaluationSnapshot``): a zone that has not
published is listed as such and counted nowhere, never computed live. Every indicator of the catalogue is
rolled up by its kind: flows and stocks (the value at quarter end) are the sums of the zones' published
values; a ratio is recomputed from the region's sums of its numerator and denominator (an average of the
zones' ratios would weigh a small zone like a large one). Year-on-year growth is given only when every zone
counted this year published the same quarter a year earlier, so the two figures cover the same zones.
Region targets are not set yet, so a region's results carry no target, achievement or score.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from .. import clock
from ..evaluation.models import EvaluationSnapshot
from ..evaluation.services import ScopeResult
from ..extensions import db
from ..outcomes import catalogue
from ..outcomes.catalogue import CATALOGUE
from ..outcomes.computations import EXACT, divide
from ..outcomes.results import IndicatorResult, yoy_growth
from ..periods import Period
from ..platforms.models import Platform
from ..zones.models import Region, Zone
from ..zones.services import region_zone_ids


@dataclass
class ZoneStanding:
    """A zone of the region in the quarter: its published version (None: not published) and its score."""

    zone: Zone
    snapshot: EvaluationSnapshot | None
    result: ScopeResult | None = None
    rank: int | None = None

    @property
    def published(self) -> bool:
        return self.snapshot is not None

    def name(self, lang: str) -> str:
        return self.zone.name_zh if lang == "zh" else self.zone.name_en


@dataclass
class PlatformStanding:
    """A platform of a zone's published evaluation, ranked across the region's zones."""

    zone: Zone
    scope: ScopeResult
    rank: int | None = None


@dataclass
class RegionRollup:
    region: Region
    period: Period
    zones: list[ZoneStanding]
    results: list[IndicatorResult]
    platforms: list[PlatformStanding] = field(default_factory=list)
    previous_complete: bool = False  # every counted zone published the quarter a year earlier
    generated_at: datetime | None = None

    def name(self, lang: str) -> str:
        return self.region.name_zh if lang == "zh" else self.region.name_en

    @property
    def published_zones(self) -> list[ZoneStanding]:
        return [standing for standing in self.zones if standing.published]

    @property
    def unpublished_zones(self) -> list[ZoneStanding]:
        return [standing for standing in self.zones if not standing.published]

    def result(self, code: str) -> IndicatorResult:
        return next(item for item in self.results if item.code == code)

    @property
    def ranked_zones(self) -> list[ZoneStanding]:
        return sorted((s for s in self.zones if s.rank is not None), key=lambda s: s.rank)


def regions_readable_by(user) -> list[Region]:
    """The region of a region's staff and the regions below it (a province's cities), by code."""
    region_id = getattr(user, "region_id", None)
    if region_id is None:
        return []
    own_first = case((Region.id == region_id, 0), else_=1)
    return list(db.session.scalars(select(Region).where(
        (Region.id == region_id) | (Region.parent_id == region_id)).order_by(own_first, Region.code)))


def region_zones(region: Region) -> list[Zone]:
    return list(db.session.scalars(select(Zone).where(Zone.id.in_(region_zone_ids(region.id))).order_by(Zone.code)))


def latest_snapshots(zone_ids: list[int], period: Period) -> dict[int, EvaluationSnapshot]:
    """Each zone's latest published version of ``period`` (zones without one are absent): one query."""
    if not zone_ids:
        return {}
    latest = (select(EvaluationSnapshot.zone_id, func.max(EvaluationSnapshot.version).label("version"))
              .where(EvaluationSnapshot.zone_id.in_(zone_ids), EvaluationSnapshot.period == str(period))
              .group_by(EvaluationSnapshot.zone_id).subquery())
    rows = db.session.scalars(select(EvaluationSnapshot).join(
        latest, (latest.c.zone_id == EvaluationSnapshot.zone_id) & (latest.c.version == EvaluationSnapshot.version))
        .where(EvaluationSnapshot.period == str(period)).order_by(EvaluationSnapshot.zone_id))
    return {snapshot.zone_id: snapshot for snapshot in rows}


def _sum(values) -> Decimal | None:
    """The sum of the defined values; undefined when no zone has one."""
    defined = [value for value in values if value is not None]
    if not defined:
        return None
    total = Decimal(0)
    for value in defined:
        total = EXACT.add(total, value)
    return total


def rolled_up_values(zone_results: list[ScopeResult]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """code -> (quarter value, year to date) of the region from its zones' published results, by kind."""
    values: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for indicator in CATALOGUE:
        if isinstance(indicator.computation, catalogue.Measure):
            # A version published before an indicator joined the catalogue has no figure of it.
            items = [item for scope in zone_results for item in scope.results if item.code == indicator.code]
            values[indicator.code] = (_sum(item.period_value for item in items),
                                      _sum(item.ytd_value for item in items))
    for indicator in CATALOGUE:
        ratio = indicator.computation
        if isinstance(ratio, catalogue.Ratio):
            top, bottom = values[ratio.numerator], values[ratio.denominator]
            values[indicator.code] = (divide(top[0], bottom[0], ratio.factor),
                                      divide(top[1], bottom[1], ratio.factor))
    return values


def _ranked(items: list, score_of) -> None:
    """Rank 1 for the highest score; equal scores share a rank; an item without a score has no rank."""
    scored = [item for item in items if score_of(item) is not None]
    previous_score, previous_rank = None, 0
    for position, item in enumerate(scored, start=1):
        score = score_of(item)
        item.rank = previous_rank if score == previous_score else position
        previous_score, previous_rank = score, item.rank


def region_rollup(region: Region, period: Period) -> RegionRollup:
    """The roll-up of ``region`` (with the regions below it) for ``period`` from its zones' published versions."""
    zones = region_zones(region)
    now = latest_snapshots([zone.id for zone in zones], period)
    standings = [ZoneStanding(zone, now.get(zone.id)) for zone in zones]
    for standing in standings:
        if standing.snapshot is not None:
            standing.result = ScopeResult.from_json(standing.snapshot.summary["zone"])
    counted = [standing for standing in standings if standing.published]
    values = rolled_up_values([standing.result for standing in counted])

    previous_period = Period(period.year - 1, period.quarter)
    before = latest_snapshots([standing.zone.id for standing in counted], previous_period)
    previous_complete = bool(counted) and len(before) == len(counted)
    previous = (rolled_up_values([ScopeResult.from_json(before[s.zone.id].summary["zone"]) for s in counted])
                if previous_complete else {})

    results = []
    for indicator in CATALOGUE:
        period_value, ytd_value = values[indicator.code]
        ytd_before = previous.get(indicator.code, (None, None))[1]
        results.append(IndicatorResult(indicator.code, period_value, ytd_value, ytd_before,
                                       yoy_growth(ytd_value, ytd_before), None, None,
                                       catalogue.expected(indicator, period.quarter), None))

    ordered = sorted(counted, key=lambda s: (-(s.result.score if s.result.score is not None else Decimal(-1)),
                                             s.zone.code))
    _ranked(ordered, lambda s: s.result.score)

    # A snapshot names the platforms its zone published; only those of the zone are its own (a version
    # published before the live figures were narrowed by zone may list the deployment's).
    platform_zone = dict(db.session.execute(select(Platform.id, Platform.zone_id).where(
        Platform.zone_id.in_([s.zone.id for s in counted]))).all()) if counted else {}
    platforms = [PlatformStanding(s.zone, scope) for s in counted
                 for scope in (ScopeResult.from_json(item) for item in s.snapshot.summary["platforms"])
                 if platform_zone.get(scope.platform_id) == s.zone.id]
    platforms.sort(key=lambda p: (-(p.scope.score if p.scope.score is not None else Decimal(-1)), p.zone.code,
                                  p.scope.code))
    _ranked(platforms, lambda p: p.scope.score)
    return RegionRollup(region, period, standings, results, platforms, previous_complete, clock.now())
