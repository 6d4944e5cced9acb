"""Small factories for the core records; each adds to the session and flushes (the test commits)."""
from __future__ import annotations

import itertools
from datetime import date

from incubator.extensions import db
from incubator.organisations.credit_code import make as make_credit_code
from incubator.organisations.models import Organisation
from incubator.partnerships.models import Partnership, TechTransferDeal, TrainingCohort
from incubator.periods import Period
from incubator.platforms.models import Platform
from incubator.startups.models import Incubation, QuarterlyReport

_sequence = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    """A valid credit code, distinct for each ``n``."""
    n = next(_sequence) if n is None else n
    return make_credit_code(f"91320500{n:09d}")


def organisation(kind: str = "startup", name: str | None = None, code: str | None = "auto", **values) -> Organisation:
    n = next(_sequence)
    org = Organisation(kind=kind, name=name or f"测试公司{n}", name_sort=name or f"ceshi gongsi {n}",
                       credit_code=credit_code(n) if code == "auto" else code, **values)
    db.session.add(org)
    db.session.flush()
    return org


def platform(code: str | None = None, kind: str = "incubator", level: str = "provincial", **values) -> Platform:
    n = next(_sequence)
    item = Platform(code=code or f"P{n:03d}", name=values.pop("name", f"平台{n}"), kind=kind, level=level, **values)
    db.session.add(item)
    db.session.flush()
    return item


def incubation(company: Organisation, where: Platform, admitted_on: date, status: str = "incubating",
               ended_on: date | None = None) -> Incubation:
    item = Incubation(organisation_id=company.id, platform_id=where.id, admitted_on=admitted_on, status=status,
                      ended_on=ended_on)
    db.session.add(item)
    db.session.flush()
    return item


def report(company: Organisation, period: str, status: str = "verified", **figures) -> QuarterlyReport:
    item = QuarterlyReport(organisation_id=company.id, status=status, **figures)
    item.set_period(Period.parse(period))
    db.session.add(item)
    db.session.flush()
    return item


def partnership(partner: Organisation, kind: str = "joint_rd", starts_on: date = date(2025, 1, 1), **values) -> Partnership:
    n = next(_sequence)
    item = Partnership(reference=values.pop("reference", f"AG-{n:04d}"), partner_id=partner.id, kind=kind,
                       title=values.pop("title", f"合作协议{n}"), starts_on=starts_on, **values)
    db.session.add(item)
    db.session.flush()
    return item


def cohort(agreement: Partnership, year: int, enrolled: int, completed: int = 0, hired: int = 0,
           completed_on: date | None = None) -> TrainingCohort:
    item = TrainingCohort(partnership_id=agreement.id, cohort_year=year, enrolled=enrolled, completed=completed,
                          hired_in_zone=hired, completed_on=completed_on)
    db.session.add(item)
    db.session.flush()
    return item


def deal(source: Organisation, recipient: Organisation, deal_date: date, value: int = 0,
         kind: str = "licence", **values) -> TechTransferDeal:
    n = next(_sequence)
    item = TechTransferDeal(reference=values.pop("reference", f"TT-{n:04d}"), deal_date=deal_date,
                            title=values.pop("title", f"成果{n}"), kind=kind, source_id=source.id,
                            recipient_id=recipient.id, value=value, **values)
    db.session.add(item)
    db.session.flush()
    return item
