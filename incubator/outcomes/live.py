"""The evaluation of a period computed from the data now: results per scope (achievement, status, score,
rating), the companies' report indicators, the deals of the year to date and the data-quality problems.

``live_evaluation(period)`` is what the dashboards show and what ``evaluation`` publishes, freezes and exports;
the rows' ``to_json``/``from_json`` are the frozen form ``evaluation`` reads back. Calls go one way: ``evaluation``
calls ``outcomes``, never the reverse. Computation is exact (``Decimal``); statuses and ratings are decided on
exact values; only output rounds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from .. import clock
from ..access import acting_zone_company_ids, acting_zone_platform_ids, scoped
from ..extensions import db
from ..organisations.models import Organisation
from ..partnerships.models import TechTransferDeal
from ..periods import Period
from ..platforms.models import Platform
from ..startups.models import REPORT_FIGURES, Incubation, QuarterlyReport
from . import catalogue
from .catalogue import REPORT_INDICATORS, STOCK
from .computations import ZONE, code_order, compute_figures, divide, indicator_values, placement, quarter_end_placements
from .results import IndicatorResult, decimal_text, rating_of, score_of, scope_results, text_decimal
from .services import approved_targets, weights_for

PROBLEMS = ("missing_report", "unverified_report")


@dataclass
class ScopeResult:
    scope_type: str  # zone | platform
    code: str
    name: str | None  # a platform's name as recorded (the zone's name depends on the language)
    kind: str | None = None
    level: str | None = None
    platform_id: int | None = None
    results: list[IndicatorResult] = field(default_factory=list)
    score: Decimal | None = None
    rating: str | None = None

    def result(self, code: str) -> IndicatorResult:
        return next(item for item in self.results if item.code == code)

    def to_json(self) -> dict:
        return {"scope_type": self.scope_type, "code": self.code, "name": self.name, "kind": self.kind,
                "level": self.level, "platform_id": self.platform_id, "score": decimal_text(self.score),
                "rating": self.rating, "results": [item.to_json() for item in self.results]}

    @classmethod
    def from_json(cls, data: dict) -> "ScopeResult":
        return cls(data["scope_type"], data["code"], data["name"], data["kind"], data["level"], data["platform_id"],
                   [IndicatorResult.from_json(item) for item in data["results"]], text_decimal(data["score"]),
                   data["rating"])


@dataclass
class CompanyRow:
    credit_code: str | None
    name: str
    platform_code: str | None
    values: dict[str, tuple[Decimal | None, Decimal | None]]  # report indicators: (period, ytd)
    organisation_id: int | None = None

    def to_json(self) -> list:
        return [self.credit_code, self.name, self.platform_code, self.organisation_id,
                [[decimal_text(self.values[i.code][0]), decimal_text(self.values[i.code][1])] for i in REPORT_INDICATORS]]

    @classmethod
    def from_json(cls, data: list) -> "CompanyRow":
        values = {i.code: (text_decimal(pair[0]), text_decimal(pair[1])) for i, pair in zip(REPORT_INDICATORS, data[4])}
        return cls(data[0], data[1], data[2], values, data[3])


@dataclass
class DealRow:
    reference: str
    date: date
    title: str
    kind: str
    source_credit_code: str | None
    source_name: str
    recipient_credit_code: str | None
    recipient_name: str
    value: Decimal  # 万元

    def to_json(self) -> list:
        return [self.reference, self.date.isoformat(), self.title, self.kind, self.source_credit_code,
                self.source_name, self.recipient_credit_code, self.recipient_name, decimal_text(self.value)]

    @classmethod
    def from_json(cls, data: list) -> "DealRow":
        return cls(data[0], date.fromisoformat(data[1]), *data[2:8], text_decimal(data[8]))


@dataclass
class QualityRow:
    credit_code: str | None
    company_name: str
    platform_code: str | None
    problem: str
    organisation_id: int | None = None

    def to_json(self) -> list:
        return [self.credit_code, self.company_name, self.platform_code, self.problem, self.organisation_id]

    @classmethod
    def from_json(cls, data: list) -> "QualityRow":
        return cls(*data)


def zone_name(lang: str) -> str:
    from ..i18n import zone_name as acting_zone_name

    return acting_zone_name(lang)


class LiveEvaluation:
    """The evaluation of a period computed from the data now (unpublished figures)."""

    version: int | None = None
    published = False
    published_by_email: str | None = None
    snapshot = None  # only a published version has one

    def __init__(self, period: Period, with_platforms: bool = True, zone_figures=None):
        self.period = period
        self.generated_at = clock.now()
        previous = Period(period.year - 1, period.quarter)
        periods = [period, previous]
        self.weights = weights_for(period.year)
        targets = approved_targets(period.year)
        self.targets = targets

        zone_figures = zone_figures or compute_figures("zone", periods)
        self.zone = ScopeResult("zone", ZONE, None)
        self.zone.results = scope_results(indicator_values(zone_figures, ZONE, period),
                                          indicator_values(zone_figures, ZONE, previous),
                                          targets.get(ZONE, {}), period)
        self.zone.score = score_of(self.zone.results, self.weights)
        self.zone.rating = rating_of(self.zone.score)

        self.platforms: list[ScopeResult] = []
        if with_platforms:
            zone_platforms = acting_zone_platform_ids()
            platform_figures = compute_figures("platform", periods, scope_ids=zone_platforms)
            platforms = db.session.execute(scoped(select(Platform.id, Platform.code, Platform.name, Platform.kind,
                                                         Platform.level), zone_platforms, Platform.id)).all()
            for platform_id, code, name, kind, level in sorted(platforms, key=lambda row: row.code):
                scope = ScopeResult("platform", code, name, kind, level, platform_id)
                scope.results = scope_results(indicator_values(platform_figures, platform_id, period),
                                              indicator_values(platform_figures, platform_id, previous),
                                              targets.get(platform_id, {}), period)
                scope.score = score_of(scope.results, self.weights)
                scope.rating = rating_of(scope.score)
                self.platforms.append(scope)
        self._platform_codes = {scope.platform_id: scope.code for scope in self.platforms}
        self._placements: dict | None = None
        self._anomalies: list | None = None

    def zone_name(self, lang: str) -> str:
        return zone_name(lang)

    @property
    def scopes(self) -> list[ScopeResult]:
        return [self.zone, *self.platforms]

    def _codes(self) -> dict[int, str]:
        if not self._platform_codes:
            self._platform_codes = dict(db.session.execute(scoped(select(Platform.id, Platform.code),
                                                                  acting_zone_platform_ids(), Platform.id)).all())
        return self._platform_codes

    def company_query(self):
        return company_query(self.period)

    def placements(self) -> dict[int, int]:
        """Where each company was incubating at the quarter end: organisation id -> platform id (one query)."""
        if self._placements is None:
            self._placements = {organisation: platform for (organisation, _quarter), platform
                                in quarter_end_placements([self.period]).items()}
        return self._placements

    def _companies_at(self, platform_id: int) -> list[int]:
        return sorted(organisation for organisation, platform in self.placements().items() if platform == platform_id)

    def iter_companies(self, offset: int = 0, limit: int | None = None, platform_id: int | None = None):
        query = self.company_query()
        if platform_id is not None:
            query = query.where(Organisation.id.in_(self._companies_at(platform_id)))
        if limit is not None:
            query = query.offset(offset).limit(limit)
        codes, placed = self._codes(), self.placements()
        result = db.session.execute(query.execution_options(yield_per=2000))
        for row in result:
            yield company_row(row, codes, placed)

    def company_total(self, platform_id: int | None = None) -> int:
        report = QuarterlyReport
        query = scoped(select(func.count(func.distinct(report.organisation_id))).where(
            report.status == "verified", report.year == self.period.year, report.quarter <= self.period.quarter),
            acting_zone_company_ids(), report.organisation_id)
        if platform_id is not None:
            query = query.where(report.organisation_id.in_(self._companies_at(platform_id)))
        return db.session.scalar(query)

    def iter_deals(self):
        yield from deal_rows(self.period)

    def iter_data_quality(self, platform_id: int | None = None):
        codes = self._codes()
        for row in db.session.execute(data_quality_query(self.period, platform_id)):
            yield QualityRow(row.credit_code, row.name, codes.get(row.placed), row.problem, row.id)

    has_anomalies = True  # live figures always carry their flags

    def iter_anomalies(self, platform_id: int | None = None):
        """The anomaly flags of the period's verified reports (the checks in force now)."""
        from ..quality.evaluation import anomaly_rows
        from ..quality.services import period_flags

        if self._anomalies is None:
            flags = period_flags(self.period)
            companies = acting_zone_company_ids()
            if companies is not None:  # several zones: the flags of the zone's companies
                ours = set(db.session.scalars(companies))
                flags = [flag for flag in flags if flag.organisation_id in ours]
            self._anomalies = anomaly_rows(self.period, flags, self._codes(), self.placements())
        code = self._codes().get(platform_id) if platform_id is not None else None
        for row in self._anomalies:
            if platform_id is None or row.platform_code == code:
                yield row


def company_query(period: Period):
    """Companies with a verified report in the year to date, their period and year-to-date sums, placed."""
    report = QuarterlyReport
    sums = []
    for name in REPORT_FIGURES:
        column = getattr(report, name)
        sums.append(func.coalesce(func.sum(case((report.quarter == period.quarter, column), else_=0)), 0).label(f"p_{name}"))
        sums.append(func.coalesce(func.sum(column), 0).label(f"y_{name}"))
    totals = (select(report.organisation_id.label("organisation_id"), *sums)
              .where(report.status == "verified", report.year == period.year, report.quarter <= period.quarter)
              .group_by(report.organisation_id).subquery())
    return (scoped(select(Organisation.id, Organisation.credit_code, Organisation.name,
                          *[totals.c[f"{prefix}_{name}"] for name in REPORT_FIGURES for prefix in ("p", "y")]),
                   acting_zone_company_ids(), Organisation.id)
            .join(totals, totals.c.organisation_id == Organisation.id)
            .order_by(code_order(func.coalesce(Organisation.credit_code, "")), code_order(Organisation.name),
                      Organisation.id))


_STOCK_FIGURES = {indicator.computation.measure for indicator in REPORT_INDICATORS
                  if indicator.kind == STOCK}
# (code, index of the figure in ``company_query``'s sums, money?, stock?) and (code, numerator, denominator, factor)
_MEASURE_PLAN = [(indicator.code, REPORT_FIGURES.index(indicator.computation.measure), indicator.computation.money,
                  indicator.computation.measure in _STOCK_FIGURES)
                 for indicator in REPORT_INDICATORS if isinstance(indicator.computation, catalogue.Measure)]
_RATIO_PLAN = [(indicator.code, indicator.computation.numerator, indicator.computation.denominator,
                indicator.computation.factor)
               for indicator in REPORT_INDICATORS if isinstance(indicator.computation, catalogue.Ratio)]
_REPORT_CODES = [indicator.code for indicator in REPORT_INDICATORS]


def company_row(row, platform_codes: dict, placements: dict) -> CompanyRow:
    """One company's report indicators from a row of ``company_query``, placed at the quarter end."""
    raw = row[3:]
    result: dict[str, tuple] = {}
    for code, index, money, stock in _MEASURE_PLAN:
        period_sum = raw[2 * index]
        ytd_sum = period_sum if stock else raw[2 * index + 1]
        if money:
            result[code] = (Decimal(period_sum).scaleb(-4), Decimal(ytd_sum).scaleb(-4))
        else:
            result[code] = (int(period_sum), int(ytd_sum))  # counts stay whole numbers
    for code, numerator, denominator, factor in _RATIO_PLAN:
        top, bottom = result[numerator], result[denominator]
        result[code] = (divide(top[0], bottom[0], factor), divide(top[1], bottom[1], factor))
    return CompanyRow(row[1], row[2], platform_codes.get(placements.get(row[0])),
                      {code: result[code] for code in _REPORT_CODES}, row[0])


def deal_rows(period: Period):
    """The tech-transfer deals of the year-to-date window, by date then reference."""
    source, recipient = aliased(Organisation), aliased(Organisation)
    deal = TechTransferDeal
    query = (select(deal.reference, deal.deal_date, deal.title, deal.kind, source.credit_code, source.name,
                    recipient.credit_code, recipient.name, deal.value)
             .join(source, source.id == deal.source_id).join(recipient, recipient.id == deal.recipient_id)
             .where(deal.deal_date.between(period.year_start, period.end))
             .order_by(deal.deal_date, code_order(deal.reference)))
    query = scoped(query, acting_zone_company_ids(), deal.recipient_id)
    for row in db.session.execute(query.execution_options(yield_per=2000)):
        yield DealRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], Decimal(row[8]).scaleb(-4))


def data_quality_query(period: Period, platform_id: int | None = None):
    """Companies incubating at quarter end without a verified report, and unverified reports of the quarter."""
    report = QuarterlyReport
    org = Organisation
    unverified = exists().where(report.organisation_id == org.id, report.period == str(period),
                                report.status != "verified")
    verified = exists().where(report.organisation_id == org.id, report.period == str(period),
                              report.status == "verified")
    incubating = exists().where(Incubation.organisation_id == org.id, Incubation.admitted_on <= period.end,
                                or_(Incubation.ended_on.is_(None), Incubation.ended_on >= period.end))
    problem = case((unverified, "unverified_report"), else_="missing_report").label("problem")
    placed = placement(org.id, literal(period.end)).label("placed")
    query = (select(org.id, org.credit_code, org.name, placed, problem)
             .where(or_(unverified, and_(incubating, ~verified)))
             .order_by(code_order(func.coalesce(org.credit_code, "")), problem, code_order(org.name), org.id))
    if platform_id is not None:
        query = query.where(placement(org.id, literal(period.end)) == platform_id)
    return scoped(query, acting_zone_company_ids(), org.id)


def live_evaluation(period: Period, with_platforms: bool = True, zone_figures=None) -> LiveEvaluation:
    """The live evaluation; ``zone_figures`` reuses zone figures already computed for (at least) the period
    and the same quarter a year earlier (the dashboard computes them with its trends)."""
    return LiveEvaluation(period, with_platforms, zone_figures)
