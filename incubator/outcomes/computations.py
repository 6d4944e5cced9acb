"""Set-based computation of the base measures and the catalogue's indicators, per scope level and period.

A scope level is ``zone`` (one scope, key ``ZONE``), ``platform`` (key: platform id) or ``company`` (key:
organisation id). Each data source is read with ONE grouped query per level, whatever the number of
companies and of periods asked for: quarterly buckets come from ``GROUP BY year, quarter`` or from
``CASE`` columns, never from a loop issuing queries.

Placement (where a company was incubating on a day) follows the contract, as a correlated subquery
(``placement``) or, for reports, from the incubations covering the quarter ends read once
(``quarter_end_placements``) applied to per-company sums: the incubations covering the
day (``admitted_on ≤ day`` and ``ended_on`` empty or ``≥ day``); the one admitted last decides, on the
same day the lower platform code. Reports are placed by their own quarter end, deals by their date at
the recipient, partnerships without a platform by their company at the evaluated quarter end, and a
training cohort counts where its partnership counts.
"""
from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select

from ..access import acting_zone_company_ids, acting_zone_platform_ids
from ..extensions import db
from ..partnerships.models import Partnership, TechTransferDeal, TrainingCohort
from ..periods import Period
from ..platforms.models import Platform
from ..startups.models import REPORT_FIGURES, Incubation, QuarterlyReport
from .catalogue import CATALOGUE, STOCK, Measure, Ratio

ZONE = "ZONE"
LEVELS = ("zone", "platform", "company")
# Base measures read at quarter end rather than summed: those the catalogue's stock indicators are made of.
STOCK_MEASURES = frozenset(indicator.computation.measure for indicator in CATALOGUE
                           if indicator.kind == STOCK and isinstance(indicator.computation, Measure))
PERIOD, YTD = 0, 1

# Divisions keep at least 28 significant digits whatever the caller's context.
EXACT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)


def code_order(column):
    """Order platform codes by code point on every database (PostgreSQL collations may differ)."""
    if db.engine.dialect.name == "postgresql":
        return column.collate("C")
    return column


def placement(organisation_column, day_column):
    """A correlated scalar subquery: the platform id where the organisation was incubating on the day."""
    return (
        select(Incubation.platform_id)
        .join(Platform, Platform.id == Incubation.platform_id)
        .where(Incubation.organisation_id == organisation_column,
               Incubation.admitted_on <= day_column,
               or_(Incubation.ended_on.is_(None), Incubation.ended_on >= day_column))
        .order_by(Incubation.admitted_on.desc(), code_order(Platform.code))
        .limit(1)
        .correlate_except(Incubation, Platform)
        .scalar_subquery()
    )


def buckets_for(periods: Iterable[Period]) -> list[Period]:
    """Every quarter that a flow's year-to-date of the given periods needs, in order."""
    needed = set()
    for period in periods:
        needed.update(period.year_to_date())
    return sorted(needed)


class Figures:
    """Base measures per scope: ``values[scope][measure][(period, PERIOD|YTD)]`` (raw ints, money in yuan)."""

    def __init__(self, level: str, periods: list[Period]):
        self.level = level
        self.periods = sorted(set(periods))
        self.buckets = buckets_for(self.periods)
        self.values: dict = defaultdict(lambda: defaultdict(dict))
        self._quarterly: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))

    def add_quarter(self, scope, measure: str, quarter: Period, amount) -> None:
        self._quarterly[scope][measure][quarter] += int(amount or 0)

    def set(self, scope, measure: str, period: Period, column: int, amount) -> None:
        self.values[scope][measure][(period, column)] = int(amount or 0)

    def finish(self) -> "Figures":
        """Turn quarterly buckets into period and year-to-date figures (flows add up, stocks do not)."""
        for scope, measures in self._quarterly.items():
            for measure, by_quarter in measures.items():
                target = self.values[scope][measure]
                for period in self.periods:
                    own = by_quarter.get(period, 0)
                    if measure in STOCK_MEASURES:
                        target[(period, PERIOD)] = target[(period, YTD)] = own
                    else:
                        target[(period, PERIOD)] = own
                        target[(period, YTD)] = sum(by_quarter.get(q, 0) for q in period.year_to_date())
        self._quarterly.clear()
        return self

    def scopes(self):
        return self.values.keys()


# --- the sources --------------------------------------------------------------------------------------

def _report_sources(figures: Figures, scope_ids=None) -> None:
    """Sums of every report figure per scope and quarter: one grouped query."""
    report = QuarterlyReport
    years = sorted({q.year for q in figures.buckets})
    last_quarter = max(q.quarter for q in figures.buckets)
    condition = and_(report.status == "verified", report.year.in_(years))
    if last_quarter < 4:
        condition = and_(condition, report.quarter <= last_quarter)
    if figures.level == "zone":
        companies = acting_zone_company_ids()
        if companies is not None:  # several zones: the signed-in user's zones' companies
            condition = and_(condition, report.organisation_id.in_(companies))
        query = (select(literal(ZONE), report.year, report.quarter,
                        *[func.coalesce(func.sum(getattr(report, f)), 0) for f in REPORT_FIGURES])
                 .where(condition).group_by(report.year, report.quarter))
    elif figures.level == "company":
        if scope_ids is not None:
            condition = and_(condition, report.organisation_id.in_(scope_ids))
        query = (select(report.organisation_id, report.year, report.quarter,
                        *[func.coalesce(func.sum(getattr(report, f)), 0) for f in REPORT_FIGURES])
                 .where(condition).group_by(report.organisation_id, report.year, report.quarter))
    else:
        _placed_report_sources(figures, condition, scope_ids)
        return
    wanted = set(figures.buckets)
    for row in db.session.execute(query):
        quarter = Period(row[1], row[2])
        if quarter not in wanted:
            continue
        for name, amount in zip(REPORT_FIGURES, row[3:]):
            figures.add_quarter(row[0], name, quarter, amount)


def quarter_end_placements(quarters) -> dict:
    """Where each organisation was incubating at each quarter end: ``{(organisation_id, (year, quarter)): platform_id}``.

    One query of the incubations covering any of those days; the contract's rule applied in Python (the one
    admitted last decides; on the same day the lower platform code, by code point).
    """
    ends = {(quarter.year, quarter.quarter): quarter.end for quarter in quarters}
    first, last = min(ends.values()), max(ends.values())
    rows = db.session.execute(
        select(Incubation.organisation_id, Incubation.platform_id, Incubation.admitted_on, Incubation.ended_on,
               Platform.code)
        .join(Platform, Platform.id == Incubation.platform_id)
        .where(Incubation.admitted_on <= last, or_(Incubation.ended_on.is_(None), Incubation.ended_on >= first)))
    best: dict = {}
    for organisation_id, platform_id, admitted_on, ended_on, code in rows:
        for key, end in ends.items():
            if admitted_on <= end and (ended_on is None or ended_on >= end):
                current = best.get((organisation_id, key))
                if (current is None or admitted_on > current[0]
                        or (admitted_on == current[0] and code < current[1])):
                    best[(organisation_id, key)] = (admitted_on, code, platform_id)
    return {key: value[2] for key, value in best.items()}


def _placed_report_sources(figures: Figures, condition, scope_ids=None) -> None:
    """Report sums per platform: each verified report (one query) placed by its own quarter end, summed."""
    report = QuarterlyReport
    placements = quarter_end_placements(figures.buckets)
    if scope_ids is not None:
        wanted = set(_plain_ids(scope_ids))
        placements = {key: platform for key, platform in placements.items() if platform in wanted}
        organisations = sorted({organisation for organisation, _quarter in placements})
        if not organisations:
            return
        if len(organisations) <= 5000:
            condition = and_(condition, report.organisation_id.in_(organisations))
    # One report per company and quarter (a unique key), so its own figures are the company's sums.
    query = select(report.organisation_id, report.year, report.quarter,
                   *[getattr(report, f) for f in REPORT_FIGURES]).where(condition)
    totals: dict = {}
    width = len(REPORT_FIGURES)
    for row in db.session.execute(query):
        platform_id = placements.get((row[0], (row[1], row[2])))
        if platform_id is None:
            continue
        key = (platform_id, row[1], row[2])
        sums = totals.get(key)
        if sums is None:
            totals[key] = list(row[3:])
        else:
            for index in range(width):
                sums[index] += row[3 + index]
    wanted_quarters = set(figures.buckets)
    for (platform_id, year, quarter_number), sums in totals.items():
        quarter = Period(year, quarter_number)
        if quarter not in wanted_quarters:
            continue
        for name, amount in zip(REPORT_FIGURES, sums):
            figures.add_quarter(platform_id, name, quarter, amount)


def _count_when(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _incubation_sources(figures: Figures, scope_ids=None) -> None:
    """Admitted and graduated in each quarter, incubating at each quarter end: one query of CASE columns."""
    item = Incubation
    columns = []
    for quarter in figures.buckets:
        columns.append(_count_when(item.admitted_on.between(quarter.start, quarter.end)))
        columns.append(_count_when(and_(item.status == "graduated", item.ended_on.between(quarter.start, quarter.end))))
    for quarter in figures.periods:  # a stock is only needed at the end of each evaluated quarter
        columns.append(_count_when(and_(item.admitted_on <= quarter.end,
                                        or_(item.ended_on.is_(None), item.ended_on >= quarter.end))))
    first, last = figures.buckets[0].start, figures.buckets[-1].end
    condition = and_(item.admitted_on <= last, or_(item.ended_on.is_(None), item.ended_on >= first))
    if figures.level == "zone":
        platforms = acting_zone_platform_ids()
        if platforms is not None:
            condition = and_(condition, item.platform_id.in_(platforms))
        query = select(literal(ZONE), *columns).where(condition)
    elif figures.level == "platform":
        if scope_ids is not None:
            condition = and_(condition, item.platform_id.in_(scope_ids))
        query = select(item.platform_id, *columns).where(condition).group_by(item.platform_id)
    else:
        return  # incubation indicators are not company figures
    stocks_from = 2 * len(figures.buckets)
    for row in db.session.execute(query):
        values = row[1:]
        for index, quarter in enumerate(figures.buckets):
            figures.add_quarter(row[0], "admitted", quarter, values[2 * index])
            figures.add_quarter(row[0], "graduated", quarter, values[2 * index + 1])
        for index, quarter in enumerate(figures.periods):
            figures.add_quarter(row[0], "incubating", quarter, values[stocks_from + index])


def _deal_sources(figures: Figures, scope_ids=None) -> None:
    """Deals and their value per quarter, at the recipient's platform on the deal's date: one query."""
    deal = TechTransferDeal
    first, last = figures.buckets[0].start, figures.buckets[-1].end
    condition = deal.deal_date.between(first, last)
    if figures.level == "company":
        return

    def columns(date_column, value_column):
        result = []
        for quarter in figures.buckets:
            inside = date_column.between(quarter.start, quarter.end)
            result.append(_count_when(inside))
            result.append(func.coalesce(func.sum(case((inside, value_column), else_=0)), 0))
        return result

    if figures.level == "zone":
        companies = acting_zone_company_ids()
        if companies is not None:
            condition = and_(condition, deal.recipient_id.in_(companies))
        query = select(literal(ZONE), *columns(deal.deal_date, deal.value)).where(condition)
    else:
        placed = (select(placement(deal.recipient_id, deal.deal_date).label("scope"), deal.deal_date, deal.value)
                  .where(condition).subquery())
        query = (select(placed.c.scope, *columns(placed.c.deal_date, placed.c.value))
                 .where(placed.c.scope.is_not(None)).group_by(placed.c.scope))
        if scope_ids is not None:
            query = query.where(placed.c.scope.in_(scope_ids))
    for row in db.session.execute(query):
        values = row[1:]
        for index, quarter in enumerate(figures.buckets):
            figures.add_quarter(row[0], "deals", quarter, values[2 * index])
            figures.add_quarter(row[0], "deal_value", quarter, values[2 * index + 1])


def _partnership_sources(figures: Figures, scope_ids=None) -> None:
    """Active partnerships at the quarter end and talents hired, where each partnership counts.

    Two queries: the partnerships with their placement at each evaluated quarter end, and the cohorts'
    hires per partnership and quarter. A partnership counts for its platform, or for the platform
    where its company was incubating at the end of the quarter being evaluated.
    """
    if figures.level == "company":
        return
    agreement, cohort = Partnership, TrainingCohort
    periods = figures.periods
    first, last = figures.buckets[0].start, figures.buckets[-1].end
    if figures.level == "zone":
        _zone_partnerships(figures)
        return
    placements = []
    if figures.level == "platform":
        for period in periods:
            placements.append(func.coalesce(agreement.platform_id, placement(agreement.company_id, literal(period.end))))
    query = select(agreement.id, agreement.starts_on, agreement.ends_on, *placements)
    if figures.level == "platform":
        query = query.where(or_(agreement.platform_id.is_not(None), agreement.company_id.is_not(None)))
    rows = db.session.execute(query).all()

    hires_columns = [func.coalesce(func.sum(case((cohort.completed_on.between(q.start, q.end), cohort.hired_in_zone),
                                                 else_=0)), 0) for q in figures.buckets]
    hires = {row[0]: row[1:] for row in db.session.execute(
        select(cohort.partnership_id, *hires_columns)
        .where(cohort.completed_on.between(first, last)).group_by(cohort.partnership_id))}
    bucket_index = {quarter: index for index, quarter in enumerate(figures.buckets)}
    wanted = None if scope_ids is None else set(_plain_ids(scope_ids))

    totals: dict = defaultdict(lambda: defaultdict(int))
    for row in rows:
        agreement_id, starts_on, ends_on = row[0], row[1], row[2]
        own_hires = hires.get(agreement_id)
        for index, period in enumerate(periods):
            scope = ZONE if figures.level == "zone" else row[3 + index]
            if scope is None or (wanted is not None and scope not in wanted):
                continue
            if starts_on <= period.end and (ends_on is None or ends_on >= period.end):
                totals[scope][("partnerships", period, PERIOD)] += 1
            if own_hires:
                totals[scope][("talents", period, PERIOD)] += int(own_hires[bucket_index[period]])
                totals[scope][("talents", period, YTD)] += sum(int(own_hires[bucket_index[q]])
                                                               for q in period.year_to_date())
    for scope, amounts in totals.items():
        for period in periods:
            active = amounts.get(("partnerships", period, PERIOD), 0)
            figures.set(scope, "partnerships", period, PERIOD, active)
            figures.set(scope, "partnerships", period, YTD, active)
            figures.set(scope, "talents", period, PERIOD, amounts.get(("talents", period, PERIOD), 0))
            figures.set(scope, "talents", period, YTD, amounts.get(("talents", period, YTD), 0))


def _zone_partnerships(figures: Figures) -> None:
    """The zone counts every partnership and cohort: two aggregate queries, no placement."""
    agreement, cohort = Partnership, TrainingCohort
    first, last = figures.buckets[0].start, figures.buckets[-1].end
    ours = _zone_agreements()
    active = db.session.execute(select(*[
        _count_when(and_(agreement.starts_on <= period.end,
                         or_(agreement.ends_on.is_(None), agreement.ends_on >= period.end)))
        for period in figures.periods]).where(*ours)).one()
    cohorts = select(*[
        func.coalesce(func.sum(case((cohort.completed_on.between(q.start, q.end), cohort.hired_in_zone), else_=0)), 0)
        for q in figures.buckets]).where(cohort.completed_on.between(first, last))
    if ours:
        cohorts = cohorts.where(cohort.partnership_id.in_(select(agreement.id).where(*ours)))
    hires = db.session.execute(cohorts).one()
    by_quarter = dict(zip(figures.buckets, hires))
    for index, period in enumerate(figures.periods):
        figures.set(ZONE, "partnerships", period, PERIOD, active[index])
        figures.set(ZONE, "partnerships", period, YTD, active[index])
        figures.set(ZONE, "talents", period, PERIOD, by_quarter.get(period, 0))
        figures.set(ZONE, "talents", period, YTD, sum(int(by_quarter.get(q, 0) or 0) for q in period.year_to_date()))


def _zone_agreements() -> list:
    """``[]`` or ``[condition]``: with several zones, the agreements of the signed-in user's zones -- signed
    for one of their platforms or one of their companies. (An agreement of neither, signed by "the zone
    itself", names no zone: it counts only in a one-zone deployment.)"""
    platforms, companies = acting_zone_platform_ids(), acting_zone_company_ids()
    if platforms is None:
        return []
    return [or_(Partnership.platform_id.in_(platforms), Partnership.company_id.in_(companies))]


def _plain_ids(scope_ids):
    if isinstance(scope_ids, (list, tuple, set, frozenset)):
        return scope_ids
    return db.session.scalars(scope_ids).all()


SOURCES = (_report_sources, _incubation_sources, _deal_sources, _partnership_sources)


def compute_figures(level: str, periods: Iterable[Period], scope_ids=None) -> Figures:
    """Read every base measure of ``level`` for ``periods``: a fixed number of queries.

    :param scope_ids: restrict to these platform or organisation ids (a list or a SELECT), or None.
    """
    if level not in LEVELS:
        raise ValueError(level)
    figures = Figures(level, list(periods))
    for source in SOURCES:
        source(figures, scope_ids)
    return figures.finish()


# --- from base measures to indicators -----------------------------------------------------------------

def divide(numerator: Decimal | None, denominator: Decimal | None, factor: Decimal = Decimal(1)) -> Decimal | None:
    """Exact division; undefined (None) when either side is undefined or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return EXACT.divide(EXACT.multiply(numerator, factor), denominator)


def indicator_values(figures: Figures, scope, period: Period) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Every catalogue indicator of one scope for one period: code -> (period_value, ytd_value)."""
    measures = figures.values.get(scope, {})
    result: dict[str, tuple] = {}
    for indicator in CATALOGUE:
        if isinstance(indicator.computation, Measure):
            result[indicator.code] = (indicator.computation.value(measures, (period, PERIOD)),
                                      indicator.computation.value(measures, (period, YTD)))
    for indicator in CATALOGUE:
        computation = indicator.computation
        if isinstance(computation, Ratio):
            top, bottom = result[computation.numerator], result[computation.denominator]
            result[indicator.code] = (divide(top[0], bottom[0], computation.factor),
                                      divide(top[1], bottom[1], computation.factor))
    return {indicator.code: result[indicator.code] for indicator in CATALOGUE}
