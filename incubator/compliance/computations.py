"""The registry of computations a criterion can name, and the set-based data they read.

A computation turns our records into one measure per subject (platform or company) for a year. Every
computation of a subject type reads shared datasets that are loaded once per evaluation context (one query
each, whatever the number of platforms or companies), so evaluating all rule sets for all platforms costs a
fixed number of SQL statements.

A measure is a plain value, or a ratio ``numerator × scale ÷ denominator``; criteria compare ratios by
cross-multiplication, so the boundary (exactly at the threshold) is decided exactly and counts as met.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload

from .. import clock
from ..extensions import db
from ..organisations.models import IntellectualProperty, Organisation
from ..platforms.models import Expert, OnsiteDay, Platform, Residency, SpaceUnit, Tenancy, tenancy_units
from ..startups.models import Incubation, QuarterlyReport
from .models import PlatformAnnualFacts

PATENT_KINDS = ("invention_patent", "utility_model", "design_patent")
ZERO = Decimal(0)


def _n(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural message pair for extraction; translated when a distance is shown."""
    return singular, plural


@dataclass(frozen=True)
class Measure:
    """A computed value: ``numerator`` alone, or ``numerator × scale ÷ denominator`` for a ratio."""

    numerator: Decimal
    denominator: Decimal | None = None
    scale: Decimal = Decimal(1)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def defined(self) -> bool:
        return self.denominator is None or self.denominator > 0

    @property
    def value(self) -> Decimal | None:
        if self.denominator is None:
            return self.numerator
        if self.denominator <= 0:
            return None
        return self.numerator * self.scale / self.denominator


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (the same day of a later month completes a month)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def year_as_of(year: int) -> date:
    """The date a year is judged at: 31 December, or today for the current year."""
    today = clock.today()
    return today if year >= today.year else date(year, 12, 31)


@dataclass
class Context:
    """What one evaluation reads: the year, the date it is judged at, the subjects, and loaded datasets."""

    year: int
    as_of: date
    subject_ids: list[int]
    cache: dict = field(default_factory=dict)

    @classmethod
    def for_year(cls, year: int, subject_ids, as_of: date | None = None, platforms=None) -> "Context":
        """:param platforms: the platforms already loaded (they are not read again)."""
        ctx = cls(year=year, as_of=as_of or year_as_of(year), subject_ids=sorted(set(subject_ids)))
        if platforms is not None:
            ctx.cache["platforms"] = {p.id: p for p in platforms}
        return ctx

    def dataset(self, name: str, loader: Callable[["Context"], dict]) -> dict:
        if name not in self.cache:
            self.cache[name] = loader(self) if self.subject_ids else {}
        return self.cache[name]


@dataclass(frozen=True)
class Computation:
    """One entry of the registry.

    :param unit: how the value is shown (a key of ``UNITS``).
    :param more: the singular/plural phrase of a shortfall, in the numerator's unit ("12 more tenants").
    :param integral: whether a shortfall is counted in whole units (rounded up).
    """

    key: str
    subject: str  # "platform" or "company"
    name: object
    unit: str
    compute: Callable[[Context], dict[int, Measure]]
    more: tuple[str, str]
    fewer: tuple[str, str] = _n("%(n)s over the maximum", "%(n)s over the maximum")
    integral: bool = True
    description: object = ""


COMPUTATIONS: dict[str, Computation] = {}

UNITS = {
    "years": _l("years"), "months": _l("months"), "m2": _l("m²"), "count": "", "percent": "%",
    "per_1000_m2": _l("per 1,000 m²"), "per_10_tenants": _l("per 10 tenants"), "days": _l("days"),
    "wan": _l("10,000 CNY"), "flag": "",
}


def computation(key: str, subject: str, name, unit: str, more, **options):
    """Register ``compute(context) -> {subject id: Measure}`` under ``key``."""

    def decorator(fn):
        COMPUTATIONS[key] = Computation(key=key, subject=subject, name=name, unit=unit, compute=fn, more=more,
                                        **options)
        return fn

    return decorator


def computation_choices(subject: str) -> list[tuple[str, str]]:
    kind = "company" if subject == "company" else "platform"
    return [(key, f"{key} — {item.name}") for key, item in COMPUTATIONS.items() if item.subject == kind]


# --- platform datasets (one query each) ---------------------------------------------------------------

def _platforms(ctx: Context) -> dict[int, Platform]:
    return {p.id: p for p in db.session.scalars(select(Platform).where(Platform.id.in_(ctx.subject_ids))
                                                .options(lazyload("*")))}


def _facts(ctx: Context) -> dict[int, PlatformAnnualFacts]:
    rows = db.session.scalars(select(PlatformAnnualFacts).options(lazyload("*")).where(
        PlatformAnnualFacts.platform_id.in_(ctx.subject_ids), PlatformAnnualFacts.year == ctx.year))
    return {row.platform_id: row for row in rows}


def covering(as_of: date):
    """Incubations that cover ``as_of`` (an incubation covers its end date)."""
    return and_(Incubation.admitted_on <= as_of, or_(Incubation.ended_on.is_(None), Incubation.ended_on >= as_of))


def _count_tenants(ctx: Context, *joins_and_filters) -> dict[int, int]:
    query = (select(Incubation.platform_id, func.count(func.distinct(Incubation.organisation_id)))
             .where(Incubation.platform_id.in_(ctx.subject_ids), covering(ctx.as_of)))
    for item in joins_and_filters:
        query = item(query)
    return dict(db.session.execute(query.group_by(Incubation.platform_id)).all())


def _tenants(ctx):
    return _count_tenants(ctx)


def _tenants_with_patent_applications(ctx):
    return _count_tenants(ctx, lambda q: q.join(IntellectualProperty,
                                                IntellectualProperty.organisation_id == Incubation.organisation_id)
                          .where(IntellectualProperty.kind.in_(PATENT_KINDS),
                                 IntellectualProperty.filed_on <= ctx.as_of))


def valid_ip(as_of: date):
    """IP held on ``as_of``: granted by then and not expired or abandoned."""
    return and_(IntellectualProperty.status == "granted", IntellectualProperty.granted_on <= as_of,
                or_(IntellectualProperty.expires_on.is_(None), IntellectualProperty.expires_on >= as_of))


def _tenants_with_valid_ip(ctx):
    return _count_tenants(ctx, lambda q: q.join(IntellectualProperty,
                                                IntellectualProperty.organisation_id == Incubation.organisation_id)
                          .where(valid_ip(ctx.as_of)))


def _tenants_financed(ctx):
    return _count_tenants(ctx, lambda q: q.join(QuarterlyReport,
                                                QuarterlyReport.organisation_id == Incubation.organisation_id)
                          .where(QuarterlyReport.status == "verified", QuarterlyReport.year == ctx.year,
                                 QuarterlyReport.quarter_end <= ctx.as_of, QuarterlyReport.financing > 0))


def _graduates(ctx):
    query = (select(Incubation.platform_id, func.count(func.distinct(Incubation.organisation_id)))
             .where(Incubation.platform_id.in_(ctx.subject_ids), Incubation.status == "graduated",
                    Incubation.ended_on <= ctx.as_of)
             .group_by(Incubation.platform_id))
    return dict(db.session.execute(query).all())


def platform_area(ctx: Context, platform_id: int) -> Decimal | None:
    """The year's reported floor area, else the platform's declared area."""
    facts = ctx.dataset("facts", _facts).get(platform_id)
    if facts is not None and facts.area_total_m2 is not None:
        return Decimal(facts.area_total_m2)
    platform = ctx.dataset("platforms", _platforms).get(platform_id)
    return Decimal(platform.area_m2) if platform is not None and platform.area_m2 is not None else None


def _fact(ctx: Context, platform_id: int, name: str) -> Decimal:
    facts = ctx.dataset("facts", _facts).get(platform_id)
    return Decimal(getattr(facts, name) or 0) if facts is not None else ZERO


def _each(ctx: Context, fn) -> dict[int, Measure]:
    return {pid: fn(pid) for pid in ctx.subject_ids}


@computation("operating_years", "platform", _l("Years in operation"), "years",
             _n("%(n)s more month", "%(n)s more months"),
             description=_l("Whole months from 'operating since' to the date judged, in years."))
def operating_years(ctx):
    platforms = ctx.dataset("platforms", _platforms)

    def one(pid):
        since = platforms[pid].operating_since if pid in platforms else None
        months = months_between(since, ctx.as_of) if since else 0
        return Measure(Decimal(months), Decimal(12))

    return _each(ctx, one)


@computation("operating_months", "platform", _l("Months in operation"), "months",
             _n("%(n)s more month", "%(n)s more months"))
def operating_months(ctx):
    platforms = ctx.dataset("platforms", _platforms)

    def one(pid):
        since = platforms[pid].operating_since if pid in platforms else None
        return Measure(Decimal(months_between(since, ctx.as_of) if since else 0))

    return _each(ctx, one)


@computation("incubation_area_m2", "platform", _l("Incubation floor area"), "m2", _n("%(n)s m² more", "%(n)s m² more"),
             integral=False, description=_l("The year's reported floor area, else the platform's declared area."))
def incubation_area(ctx):
    return _each(ctx, lambda pid: Measure(platform_area(ctx, pid) or ZERO))


@computation("share_area_tenants_public", "platform", _l("Share of the area used by tenants and public services"),
             "percent", _n("%(n)s m² more in use", "%(n)s m² more in use"), integral=False)
def share_area_used(ctx):
    def one(pid):
        tenant, public = used_areas(ctx, pid)
        return Measure(tenant + public, platform_area(ctx, pid) or ZERO, Decimal(100))

    return _each(ctx, one)


@computation("stations", "platform", _l("Stations"), "count", _n("%(n)s more station", "%(n)s more stations"))
def stations(ctx):
    platforms = ctx.dataset("platforms", _platforms)
    return _each(ctx, lambda pid: Measure(Decimal(platforms[pid].stations or 0) if pid in platforms else ZERO))


@computation("tenant_count", "platform", _l("Tenant startups"), "count", _n("%(n)s more tenant", "%(n)s more tenants"),
             description=_l("Companies whose incubation covers the date judged."))
def tenant_count(ctx):
    tenants = ctx.dataset("tenants", _tenants)
    return _each(ctx, lambda pid: Measure(Decimal(tenants.get(pid, 0))))


@computation("tenants_per_1000_m2", "platform", _l("Tenants per 1,000 m²"), "per_1000_m2",
             _n("%(n)s more tenant", "%(n)s more tenants"))
def tenants_per_area(ctx):
    tenants = ctx.dataset("tenants", _tenants)
    return _each(ctx, lambda pid: Measure(Decimal(tenants.get(pid, 0)), platform_area(ctx, pid) or ZERO,
                                          Decimal(1000)))


@computation("graduates_total", "platform", _l("Graduated companies in total"), "count",
             _n("%(n)s more graduated company", "%(n)s more graduated companies"))
def graduates_total(ctx):
    graduates = ctx.dataset("graduates", _graduates)
    return _each(ctx, lambda pid: Measure(Decimal(graduates.get(pid, 0))))


def _share_of_tenants(ctx, name, loader):
    tenants = ctx.dataset("tenants", _tenants)
    part = ctx.dataset(name, loader)
    return _each(ctx, lambda pid: Measure(Decimal(part.get(pid, 0)), Decimal(tenants.get(pid, 0)), Decimal(100)))


@computation("share_tenants_with_patent_applications", "platform", _l("Share of tenants with patent applications"),
             "percent", _n("%(n)s more tenant with patent applications", "%(n)s more tenants with patent applications"))
def share_patent_applications(ctx):
    return _share_of_tenants(ctx, "tenants_patent_applications", _tenants_with_patent_applications)


@computation("share_tenants_with_valid_ip", "platform", _l("Share of tenants holding valid IP"), "percent",
             _n("%(n)s more tenant holding valid IP", "%(n)s more tenants holding valid IP"))
def share_valid_ip(ctx):
    return _share_of_tenants(ctx, "tenants_valid_ip", _tenants_with_valid_ip)


@computation("share_tenants_financed", "platform", _l("Share of tenants financed in the year"), "percent",
             _n("%(n)s more financed tenant", "%(n)s more financed tenants"),
             description=_l("Tenants with equity financing in a verified report of the year."))
def share_financed(ctx):
    return _share_of_tenants(ctx, "tenants_financed", _tenants_financed)


def _per_ten_tenants(ctx, name):
    tenants = ctx.dataset("tenants", _tenants)
    return _each(ctx, lambda pid: Measure(_fact(ctx, pid, name), Decimal(tenants.get(pid, 0)), Decimal(10)))


@computation("service_staff_per_10_tenants", "platform", _l("Service staff per 10 tenants"), "per_10_tenants",
             _n("%(n)s more service staff member", "%(n)s more service staff members"))
def service_staff_ratio(ctx):
    return _per_ten_tenants(ctx, "service_staff")


@computation("mentors_per_10_tenants", "platform", _l("Mentors per 10 tenants"), "per_10_tenants",
             _n("%(n)s more mentor", "%(n)s more mentors"))
def mentor_ratio(ctx):
    return _per_ten_tenants(ctx, "mentors")


def _fact_computation(key, name, more, unit="count"):
    @computation(key, "platform", name, unit, more, description=_l("Entered by the platform's managers for the year."))
    def compute(ctx):
        return _each(ctx, lambda pid: Measure(_fact(ctx, pid, key)))

    return compute


_fact_computation("teams_signed_in", _l("Teams or companies signed in during the year"),
                  _n("%(n)s more team", "%(n)s more teams"))
_fact_computation("new_companies_registered", _l("New companies registered during the year"),
                  _n("%(n)s more company", "%(n)s more companies"))
_fact_computation("teams_financed", _l("Teams financed during the year"), _n("%(n)s more team", "%(n)s more teams"))
_fact_computation("full_time_staff", _l("Full-time staff"), _n("%(n)s more staff member", "%(n)s more staff members"))
_fact_computation("mentors", _l("Mentors"), _n("%(n)s more mentor", "%(n)s more mentors"))
_fact_computation("events_held", _l("Events held during the year"), _n("%(n)s more event", "%(n)s more events"))


# --- academician workstations: residencies and on-site days (the platforms area's records) ----------------

def _academician_residencies(ctx: Context) -> dict[int, list[tuple[int, date, date | None]]]:
    """Academician residencies covering the date judged: platform -> [(residency id, starts, ends)]."""
    rows = db.session.execute(
        select(Residency.platform_id, Residency.id, Residency.starts_on, Residency.ends_on)
        .join(Expert, Expert.id == Residency.expert_id)
        .where(Residency.platform_id.in_(ctx.subject_ids), Expert.kind == "academician",
               Residency.starts_on <= ctx.as_of, or_(Residency.ends_on.is_(None), Residency.ends_on >= ctx.as_of)))
    result: dict[int, list] = defaultdict(list)
    for platform_id, residency_id, starts_on, ends_on in rows:
        result[platform_id].append((residency_id, starts_on, ends_on))
    return result


def _onsite_days(ctx: Context) -> dict[int, int]:
    """On-site days logged in the year (up to the date judged), by residency."""
    rows = db.session.execute(
        select(OnsiteDay.residency_id, func.count())
        .join(Residency, Residency.id == OnsiteDay.residency_id)
        .where(Residency.platform_id.in_(ctx.subject_ids), OnsiteDay.day >= date(ctx.year, 1, 1),
               OnsiteDay.day <= ctx.as_of)
        .group_by(OnsiteDay.residency_id))
    return dict(rows.all())


@computation("academicians_under_agreement", "platform", _l("Academicians under agreement"), "count",
             _n("%(n)s more academician", "%(n)s more academicians"),
             description=_l("Academicians whose residency covers the date judged."))
def academicians(ctx):
    residencies = ctx.dataset("academician_residencies", _academician_residencies)
    return _each(ctx, lambda pid: Measure(Decimal(len(residencies.get(pid, [])))))


@computation("agreement_years", "platform", _l("Term of the academician agreement"), "years",
             _n("%(n)s more month", "%(n)s more months"),
             fewer=_n("%(n)s month over the maximum", "%(n)s months over the maximum"),
             description=_l("The longest term among the current academician agreements, from its start to its end "
                            "(an open-ended agreement has no term yet)."))
def agreement_years(ctx):
    residencies = ctx.dataset("academician_residencies", _academician_residencies)

    def one(pid):
        terms = [months_between(starts, ends + timedelta(days=1)) for _, starts, ends in residencies.get(pid, [])
                 if ends is not None]
        return Measure(Decimal(max(terms)), Decimal(12)) if terms else Measure(Decimal(0), Decimal(0))

    return _each(ctx, one)


@computation("onsite_days", "platform", _l("On-site days in the year (the least of the academicians)"), "days",
             _n("%(n)s more day", "%(n)s more days"),
             description=_l("On-site days logged this year by each current academician; the lowest counts."))
def onsite_days(ctx):
    residencies = ctx.dataset("academician_residencies", _academician_residencies)
    days = ctx.dataset("onsite_days", _onsite_days)

    def one(pid):
        current = residencies.get(pid, [])
        return Measure(Decimal(min(days.get(rid, 0) for rid, _, _ in current))) if current else Measure(Decimal(0))

    return _each(ctx, one)


# --- space: units and tenancies (the platforms area's records), else the managers' figures ---------------

def _unit_areas(ctx: Context) -> dict[int, dict[str, Decimal]]:
    """Per platform: whether it has units, the public-service area and the tenant area let on the date."""
    result: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"units": ZERO, "public": ZERO, "let": ZERO})
    for platform_id, purpose, count, area in db.session.execute(
            select(SpaceUnit.platform_id, SpaceUnit.purpose, func.count(), func.sum(SpaceUnit.area_m2))
            .where(SpaceUnit.platform_id.in_(ctx.subject_ids), SpaceUnit.is_active.is_(True))
            .group_by(SpaceUnit.platform_id, SpaceUnit.purpose)):
        result[platform_id]["units"] += count
        if purpose == "public_service":
            result[platform_id]["public"] = Decimal(str(area or 0)).quantize(Decimal("0.01"))
    let_units = (select(tenancy_units.c.unit_id).join(Tenancy, Tenancy.id == tenancy_units.c.tenancy_id)
                 .where(Tenancy.starts_on <= ctx.as_of, or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= ctx.as_of)))
    for platform_id, area in db.session.execute(
            select(SpaceUnit.platform_id, func.sum(SpaceUnit.area_m2))
            .where(SpaceUnit.platform_id.in_(ctx.subject_ids), SpaceUnit.is_active.is_(True),
                   SpaceUnit.purpose == "tenant", SpaceUnit.id.in_(let_units))
            .group_by(SpaceUnit.platform_id)):
        result[platform_id]["let"] = Decimal(str(area or 0)).quantize(Decimal("0.01"))
    return dict(result)


def used_areas(ctx: Context, platform_id: int) -> tuple[Decimal, Decimal]:
    """(tenant area, public-service area): from the platform's units and tenancies, else its annual facts."""
    units = ctx.dataset("unit_areas", _unit_areas).get(platform_id)
    if units and units["units"]:
        return units["let"], units["public"]
    return _fact(ctx, platform_id, "area_tenant_m2"), _fact(ctx, platform_id, "area_public_service_m2")


# --- company datasets (for the graduation rules) --------------------------------------------------------

def _organisations(ctx: Context) -> dict[int, Organisation]:
    return {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ctx.subject_ids)))}


def _revenue_by_year(ctx: Context) -> dict[int, dict[int, int]]:
    rows = db.session.execute(
        select(QuarterlyReport.organisation_id, QuarterlyReport.year, func.sum(QuarterlyReport.revenue))
        .where(QuarterlyReport.organisation_id.in_(ctx.subject_ids), QuarterlyReport.status == "verified",
               QuarterlyReport.quarter_end <= ctx.as_of)
        .group_by(QuarterlyReport.organisation_id, QuarterlyReport.year))
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for org_id, year, total in rows:
        result[org_id][year] = int(total or 0)
    return result


def _financing_total(ctx: Context) -> dict[int, int]:
    rows = db.session.execute(
        select(QuarterlyReport.organisation_id, func.sum(QuarterlyReport.financing))
        .where(QuarterlyReport.organisation_id.in_(ctx.subject_ids), QuarterlyReport.status == "verified",
               QuarterlyReport.quarter_end <= ctx.as_of)
        .group_by(QuarterlyReport.organisation_id))
    return {org_id: int(total or 0) for org_id, total in rows}


YUAN_PER_WAN = Decimal(10_000)


@computation("is_high_tech", "company", _l("Recognised as a high-tech enterprise"), "flag",
             _n("not yet recognised", "not yet recognised"))
def is_high_tech(ctx):
    orgs = ctx.dataset("organisations", _organisations)
    return _each(ctx, lambda oid: Measure(Decimal(1 if oid in orgs and orgs[oid].is_high_tech_on(ctx.as_of) else 0)))


@computation("cumulative_financing_wan", "company", _l("Cumulative equity financing"), "wan",
             _n("%(n)s (10,000 CNY) more", "%(n)s (10,000 CNY) more"), integral=False)
def cumulative_financing(ctx):
    totals = ctx.dataset("financing_total", _financing_total)
    return _each(ctx, lambda oid: Measure(Decimal(totals.get(oid, 0)) / YUAN_PER_WAN))


def best_two_consecutive_years(by_year: dict[int, int]) -> int:
    """The largest revenue of two consecutive years together (yuan); a single year counts alone."""
    best = 0
    for year, amount in by_year.items():
        best = max(best, amount + by_year.get(year + 1, 0))
    return best


@computation("revenue_two_consecutive_years_wan", "company", _l("Revenue over two consecutive years"), "wan",
             _n("%(n)s (10,000 CNY) more", "%(n)s (10,000 CNY) more"), integral=False)
def revenue_two_years(ctx):
    revenue = ctx.dataset("revenue_by_year", _revenue_by_year)
    return _each(ctx, lambda oid: Measure(Decimal(best_two_consecutive_years(revenue.get(oid, {}))) / YUAN_PER_WAN))


@computation("listed_or_acquired", "company", _l("Listed, quoted or acquired"), "flag",
             _n("not yet listed or acquired", "not yet listed or acquired"))
def listed_or_acquired(ctx):
    orgs = ctx.dataset("organisations", _organisations)
    return _each(ctx, lambda oid: Measure(Decimal(
        1 if oid in orgs and orgs[oid].listing_status in ("listed", "quoted", "acquired") else 0)))
