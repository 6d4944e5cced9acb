"""The registry of the API's synchronised resources: each names its area, its rows (scoped by the same read
helpers as the web pages), its filters, its JSON shape and how a deletion is attributed.

A new resource is one entry here; ``views.py`` builds the list and detail endpoints of every entry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..database import yuan_to_wan
from ..periods import Period
from . import schemas as s


def wan(yuan: int | None) -> str:
    return str(yuan_to_wan(yuan or 0))


def money(name: str, yuan: int | None) -> dict:
    return {f"{name}_wan": wan(yuan), f"{name}_yuan": int(yuan or 0)}


def decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Filter:
    """A query-string filter: its marshmallow field (documents and validates) and how it narrows a SELECT."""

    field: object
    apply: Callable


@dataclass(frozen=True)
class Resource:
    name: str  # the URL segment, also the name in the deletions feed
    area: str  # what a token limited to one area may read (``tokens.AREAS``)
    title: str
    model: type
    schema: type
    rows: Callable  # user -> SELECT of the model, scoped as the web scopes it
    dump: Callable  # row -> dict of the schema
    filters: dict = field(default_factory=dict)
    options: tuple = ()  # loader options, so a page is a fixed number of queries
    owners: Callable | None = None  # row -> (company_id, platform_id, partner_id), for the deletions feed
    example: dict = field(default_factory=dict)

    @property
    def updated_column(self):
        return self.model.updated_at


def updated_since_filter(model):
    return lambda query, moment: query.where(model.updated_at >= moment)


def period_of(text: str) -> Period:
    return Period.parse(text)


# --- platforms -------------------------------------------------------------------------------------------

def _platform_rows(user):
    from ..platforms.services import visible_platforms

    return visible_platforms(user)


def _platform_dump(p) -> dict:
    return {
        "id": p.id, "code": p.code, "name": p.name, "kind": p.kind, "level": p.level, "status": p.status,
        "host_id": p.host_id, "operating_since": p.operating_since, "recognized_on": p.recognized_on,
        "expires_on": p.expires_on, "area_m2": decimal_text(p.area_m2), "stations": p.stations,
        "managers": [{"id": m.id, "name": m.name} for m in sorted(p.managers, key=lambda m: m.id)],
        "recognitions": [{"level": r.level, "recognized_on": r.recognized_on, "issuing_body": r.issuing_body,
                          "document_no": r.document_no, "expires_on": r.expires_on}
                         for r in sorted(p.recognitions, key=lambda r: (r.recognized_on, r.id))],
        "created_at": p.created_at, "updated_at": p.updated_at,
    }


def _platforms() -> Resource:
    from ..platforms.models import PLATFORM_KINDS, PLATFORM_STATUSES, Platform

    return Resource(
        "platforms", "platforms", "Platforms", Platform, s.PlatformSchema, _platform_rows, _platform_dump,
        filters={
            "status": Filter(s.F.String(validate=s.validate.OneOf(PLATFORM_STATUSES)),
                             lambda q, v: q.where(Platform.status == v)),
            "kind": Filter(s.F.String(validate=s.validate.OneOf(PLATFORM_KINDS)),
                           lambda q, v: q.where(Platform.kind == v)),
        },
        options=(selectinload(Platform.managers), selectinload(Platform.recognitions)),
        owners=lambda p: (None, p.id, None),
        example={"id": 3, "code": "PT-003", "name": "高新区众创空间", "kind": "maker_space", "level": "provincial",
                 "status": "active", "host_id": 12, "operating_since": "2019-05-01", "recognized_on": "2021-06-30",
                 "expires_on": "2027-06-29", "area_m2": "3200.00", "stations": 180,
                 "managers": [{"id": 7, "name": "王经理"}],
                 "recognitions": [{"level": "provincial", "recognized_on": "2021-06-30", "issuing_body": "省科技厅",
                                   "document_no": "科发〔2021〕88号", "expires_on": "2027-06-29"}],
                 "created_at": "2026-01-05T02:00:00+00:00", "updated_at": "2026-09-30T08:12:00+00:00"},
    )


# --- organisations --------------------------------------------------------------------------------------------

def _organisation_rows(user):
    from ..organisations.policy import visible_organisations

    return visible_organisations(user)


def _organisation_dump(o) -> dict:
    return {
        "id": o.id, "credit_code": o.credit_code, "name": o.name, "kind": o.kind,
        "industry": o.industry.code if o.industry is not None else None,
        "founded_on": o.founded_on, "registered_in_zone": o.registered_in_zone,
        "high_tech_cert_no": o.high_tech_cert_no, "high_tech_valid_from": o.high_tech_valid_from,
        "high_tech_valid_until": o.high_tech_valid_until, "listing_status": o.listing_status,
        "listing_date": o.listing_date, "created_at": o.created_at, "updated_at": o.updated_at,
    }


def _organisations() -> Resource:
    from ..organisations.models import ORGANISATION_KINDS, Organisation

    return Resource(
        "organisations", "organisations", "Organisations", Organisation, s.OrganisationSchema,
        _organisation_rows, _organisation_dump,
        filters={"kind": Filter(s.F.String(validate=s.validate.OneOf(ORGANISATION_KINDS)),
                                lambda q, v: q.where(Organisation.kind == v))},
        options=(joinedload(Organisation.industry),),
        owners=lambda o: (o.id, None, o.id),
        example={"id": 41, "credit_code": "91330100MA2XXXXX0X", "name": "杭州某某智能科技有限公司", "kind": "startup",
                 "industry": "artificial_intelligence", "founded_on": "2023-03-15", "registered_in_zone": True,
                 "high_tech_cert_no": None, "high_tech_valid_from": None, "high_tech_valid_until": None,
                 "listing_status": "none", "listing_date": None, "created_at": "2026-01-05T02:00:00+00:00",
                 "updated_at": "2026-10-08T03:30:00+00:00"},
    )


# --- incubations and reports ------------------------------------------------------------------------------------

def _incubation_rows(user):
    from ..startups.services import visible_incubations

    return visible_incubations(user)


def _incubations() -> Resource:
    from ..startups.models import INCUBATION_STATUSES, Incubation

    return Resource(
        "incubations", "startups", "Incubations", Incubation, s.IncubationSchema, _incubation_rows,
        lambda i: {"id": i.id, "organisation_id": i.organisation_id, "platform_id": i.platform_id,
                   "admitted_on": i.admitted_on, "status": i.status, "ended_on": i.ended_on,
                   "created_at": i.created_at, "updated_at": i.updated_at},
        filters={
            "platform": Filter(s.F.Integer(metadata={"description": "Incubations at this platform (id)"}),
                               lambda q, v: q.where(Incubation.platform_id == v)),
            "status": Filter(s.F.String(validate=s.validate.OneOf(INCUBATION_STATUSES)),
                             lambda q, v: q.where(Incubation.status == v)),
            "period": Filter(s.period_field("Incubations covering the quarter's end"),
                             lambda q, v: q.where(Incubation.admitted_on <= period_of(v).end,
                                                  or_(Incubation.ended_on.is_(None),
                                                      Incubation.ended_on >= period_of(v).end))),
        },
        owners=lambda i: (i.organisation_id, i.platform_id, None),
        example={"id": 88, "organisation_id": 41, "platform_id": 3, "admitted_on": "2024-04-01",
                 "status": "incubating", "ended_on": None, "created_at": "2024-04-01T01:00:00+00:00",
                 "updated_at": "2024-04-01T01:00:00+00:00"},
    )


def _report_rows(user):
    from ..startups.services import visible_reports

    return visible_reports(user)


def _report_dump(r) -> dict:
    from ..startups.models import REPORT_COUNT_FIELDS, REPORT_MONEY_FIELDS

    data = {"id": r.id, "organisation_id": r.organisation_id, "period": r.period, "quarter_end": r.quarter_end,
            "status": r.status}
    for name in REPORT_MONEY_FIELDS:
        data.update(money(name, getattr(r, name)))
    for name in REPORT_COUNT_FIELDS:
        data[name] = getattr(r, name)
    data.update({"submitted_at": r.submitted_at, "verified_at": r.verified_at, "created_at": r.created_at,
                 "updated_at": r.updated_at})
    return data


def _reports_at_platform(query, platform_id: int):
    """Reports placed on the platform as the evaluation places them: an incubation there covers the
    report's quarter end (``shared/spec/evaluation.md``, platform scope)."""
    from ..startups.models import Incubation, QuarterlyReport as R

    return query.where(exists().where(
        Incubation.organisation_id == R.organisation_id, Incubation.platform_id == platform_id,
        Incubation.admitted_on <= R.quarter_end,
        or_(Incubation.ended_on.is_(None), Incubation.ended_on >= R.quarter_end)))


def _reports() -> Resource:
    from ..startups.models import REPORT_STATUSES, QuarterlyReport

    example = {"id": 501, "organisation_id": 41, "period": "2026Q3", "quarter_end": "2026-09-30", "status": "verified"}
    from ..startups.models import REPORT_COUNT_FIELDS, REPORT_MONEY_FIELDS

    for name in REPORT_MONEY_FIELDS:
        example.update(money(name, 1_234_500))
    example.update({name: 3 for name in REPORT_COUNT_FIELDS})
    example.update({"submitted_at": "2026-10-10T02:00:00+00:00", "verified_at": "2026-10-12T06:00:00+00:00",
                    "created_at": "2026-10-09T02:00:00+00:00", "updated_at": "2026-10-12T06:00:00+00:00"})
    return Resource(
        "reports", "startups", "Quarterly reports", QuarterlyReport, s.ReportSchema, _report_rows, _report_dump,
        filters={
            "period": Filter(s.period_field("Reports of this quarter"),
                             lambda q, v: q.where(QuarterlyReport.period == str(period_of(v)))),
            "status": Filter(s.F.String(validate=s.validate.OneOf(REPORT_STATUSES)),
                             lambda q, v: q.where(QuarterlyReport.status == v)),
            "platform": Filter(s.F.Integer(metadata={
                "description": "Reports placed on this platform (id): the company was incubating there at the "
                               "report's quarter end"}), _reports_at_platform),
            "organisation": Filter(s.F.Integer(metadata={"description": "Reports of this company (id)"}),
                                   lambda q, v: q.where(QuarterlyReport.organisation_id == v)),
        },
        owners=lambda r: (r.organisation_id, None, None),
        example=example,
    )


# --- indicators' targets -----------------------------------------------------------------------------------

def _target_rows(user):
    from ..access import platform_ids_for, scoped
    from ..outcomes.models import Target

    return scoped(select(Target), platform_ids_for(user), Target.platform_id)


def _targets() -> Resource:
    from ..outcomes.models import Target

    return Resource(
        "targets", "outcomes", "Targets", Target, s.TargetSchema, _target_rows,
        lambda t: {"id": t.id, "year": t.year, "scope": t.scope, "platform_id": t.platform_id,
                   "indicator": t.indicator, "value": str(t.value.normalize() if t.value == t.value.to_integral()
                                                          else t.value), "status": t.status,
                   "updated_at": t.updated_at},
        filters={
            "period": Filter(s.period_field("Targets of this quarter's year"),
                             lambda q, v: q.where(Target.year == period_of(v).year)),
            "platform": Filter(s.F.Integer(), lambda q, v: q.where(Target.platform_id == v)),
            "status": Filter(s.F.String(validate=s.validate.OneOf(["approved", "proposed"])),
                             lambda q, v: q.where(Target.status == v)),
        },
        owners=lambda t: (None, t.platform_id, None),
        example={"id": 12, "year": 2026, "scope": "ZONE", "platform_id": None, "indicator": "REVENUE",
                 "value": "50000", "status": "approved", "updated_at": "2026-01-20T02:00:00+00:00"},
    )


# --- partnerships, cohorts, deals, talents --------------------------------------------------------------------

def _scoped_by(model_name: str, scope_name: str):
    """The rows of a partnerships model a user may read, through the area's own scope clause (both imported when
    the list is asked for, so that starting the app does not load the area)."""
    def rows(user):
        from ..partnerships import models, services

        clause = getattr(services, scope_name)(user)
        query = select(getattr(models, model_name))
        return query if clause is None else query.where(clause)
    return rows


_partnership_rows = _scoped_by("Partnership", "agreement_scope")


def _partnerships() -> Resource:
    from ..partnerships.models import PARTNERSHIP_KINDS, Partnership

    return Resource(
        "partnerships", "partnerships", "Partnerships", Partnership, s.PartnershipSchema, _partnership_rows,
        lambda p: {"id": p.id, "reference": p.reference, "partner_id": p.partner_id, "kind": p.kind,
                   "title": p.title, "starts_on": p.starts_on, "ends_on": p.ends_on, "company_id": p.company_id,
                   "platform_id": p.platform_id, **money("contract_value", p.contract_value),
                   "created_at": p.created_at, "updated_at": p.updated_at},
        filters={
            "platform": Filter(s.F.Integer(), lambda q, v: q.where(Partnership.platform_id == v)),
            "status": Filter(s.F.String(validate=s.validate.OneOf(PARTNERSHIP_KINDS), metadata={
                "description": "The kind of agreement"}), lambda q, v: q.where(Partnership.kind == v)),
            "period": Filter(s.period_field("Agreements active at the quarter's end"),
                             lambda q, v: q.where(Partnership.starts_on <= period_of(v).end,
                                                  or_(Partnership.ends_on.is_(None),
                                                      Partnership.ends_on >= period_of(v).end))),
        },
        owners=lambda p: (p.company_id, p.platform_id, p.partner_id),
        example={"id": 9, "reference": "HZ-2019-901", "partner_id": 5, "kind": "talent_training",
                 "title": "智能制造订单班", "starts_on": "2025-09-01", "ends_on": None, "company_id": 41,
                 "platform_id": None, **money("contract_value", 500_000), "created_at": "2025-08-20T02:00:00+00:00",
                 "updated_at": "2025-08-20T02:00:00+00:00"},
    )


def _cohort_rows(user):
    from ..partnerships.models import TrainingCohort
    from ..partnerships.services import visible_agreement_ids

    return select(TrainingCohort).where(TrainingCohort.partnership_id.in_(visible_agreement_ids(user)))


def _cohorts() -> Resource:
    from ..partnerships.models import TrainingCohort

    return Resource(
        "training-cohorts", "partnerships", "Training cohorts", TrainingCohort, s.CohortSchema, _cohort_rows,
        lambda c: {"id": c.id, "partnership_id": c.partnership_id, "cohort_year": c.cohort_year,
                   "enrolled": c.enrolled, "completed": c.completed, "hired_in_zone": c.hired_in_zone,
                   "completed_on": c.completed_on, "updated_at": c.updated_at},
        filters={"period": Filter(s.period_field("Cohorts completed in this quarter"),
                                  lambda q, v: q.where(TrainingCohort.completed_on.between(period_of(v).start,
                                                                                           period_of(v).end)))},
        owners=lambda c: (c.partnership.company_id, c.partnership.platform_id, c.partnership.partner_id),
        example={"id": 4, "partnership_id": 9, "cohort_year": 2025, "enrolled": 40, "completed": 38,
                 "hired_in_zone": 21, "completed_on": "2026-06-30", "updated_at": "2026-07-02T02:00:00+00:00"},
    )


_deal_rows = _scoped_by("TechTransferDeal", "deal_scope")


def _deals() -> Resource:
    from ..partnerships.models import TechTransferDeal as D

    return Resource(
        "tech-transfers", "partnerships", "Tech-transfer deals", D, s.DealSchema, _deal_rows,
        lambda d: {"id": d.id, "reference": d.reference, "deal_date": d.deal_date, "title": d.title, "kind": d.kind,
                   "source_id": d.source_id, "recipient_id": d.recipient_id, **money("value", d.value),
                   "created_at": d.created_at, "updated_at": d.updated_at},
        filters={"period": Filter(s.period_field("Deals dated in this quarter"),
                                  lambda q, v: q.where(D.deal_date.between(period_of(v).start, period_of(v).end)))},
        owners=lambda d: (d.recipient_id, None, d.source_id),
        example={"id": 17, "reference": "TT-2026-017", "deal_date": "2026-08-18", "title": "一种锂电池隔膜专利转让",
                 "kind": "patent_assignment", "source_id": 5, "recipient_id": 41, **money("value", 1_200_000),
                 "created_at": "2026-08-19T02:00:00+00:00", "updated_at": "2026-08-19T02:00:00+00:00"},
    )


_talent_rows = _scoped_by("Talent", "talent_scope")


def _talents() -> Resource:
    from ..partnerships.models import Talent

    return Resource(
        "talents", "partnerships", "Talents", Talent, s.TalentSchema, _talent_rows,
        lambda t: {"id": t.id, "name": t.name, "category": t.category, "members": t.members, "field": t.field,
                   "joined_on": t.joined_on, "company_id": t.company_id, "platform_id": t.platform_id,
                   "institution_id": t.institution_id, "created_at": t.created_at, "updated_at": t.updated_at},
        filters={"platform": Filter(s.F.Integer(), lambda q, v: q.where(Talent.platform_id == v)),
                 "period": Filter(s.period_field("Talents who joined in this quarter"),
                                  lambda q, v: q.where(Talent.joined_on.between(period_of(v).start,
                                                                                period_of(v).end)))},
        owners=lambda t: (t.company_id, t.platform_id, t.institution_id),
        example={"id": 2, "name": "张教授团队", "category": "team", "members": 5, "field": "新材料",
                 "joined_on": "2026-03-01", "company_id": 41, "platform_id": None, "institution_id": 5,
                 "created_at": "2026-03-02T02:00:00+00:00", "updated_at": "2026-03-02T02:00:00+00:00"},
    )


_BUILDERS = (_platforms, _organisations, _incubations, _reports, _targets, _partnerships, _cohorts, _deals, _talents)
_registry: dict[str, Resource] = {}


def resources() -> dict[str, Resource]:
    """Every synchronised resource by name (built on first use: the models import late)."""
    if not _registry:
        for build in _BUILDERS:
            resource = build()
            _registry[resource.name] = resource
    return _registry


def resource_of_model(model) -> Resource | None:
    return next((r for r in resources().values() if r.model is model), None)

