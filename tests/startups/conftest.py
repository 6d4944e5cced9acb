"""Fixtures of the startups tests: a platform with its manager, complete applications, sample documents."""
from __future__ import annotations

import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from incubator.extensions import db
from incubator.organisations.models import Industry
from incubator.startups import services as svc
from tests import factories
from tests.locale import english_messages

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "plan.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def industry(app):
    row = db.session.query(Industry).filter_by(code="artificial_intelligence").first()
    if row is None:
        row = Industry(code="artificial_intelligence", name_zh="人工智能", name_en="Artificial intelligence")
        db.session.add(row)
        db.session.commit()
    return row


@pytest.fixture
def zone(app, make_user, industry):
    """A platform with a manager, another platform with its own manager, and a reviewer."""
    manager = make_user("manager", name="经理甲")
    other_manager = make_user("manager", name="经理乙")
    reviewer = make_user("reviewer", name="评审专家")
    platform = factories.platform(code="INC-1", name="科技孵化器")
    other = factories.platform(code="INC-2", name="另一孵化器")
    platform.managers.append(manager)
    other.managers.append(other_manager)
    db.session.commit()

    class Zone:
        pass

    z = Zone()
    z.manager, z.other_manager, z.reviewer, z.platform, z.other, z.industry = \
        manager, other_manager, reviewer, platform, other, industry
    return z


def fill_application(application, zone, *, code: str | None = None, founded_on: date = date(2025, 6, 1),
                     in_zone: bool = True, documents: bool = True, user=None):
    """Every step of ``application`` filled in (documents uploaded), ready to submit."""
    svc.save_step(application, "company", {
        "company_name": "苏州智芯科技有限公司", "credit_code": code or factories.credit_code(),
        "not_registered": False, "founded_on": founded_on, "industry_id": zone.industry.id,
        "address": "星湖街328号", "registered_in_zone": in_zone, "contact_phone": "0512-1234"})
    svc.save_step(application, "team", {"team": [{"name": "王磊", "role": "CEO", "education": "博士", "ventures": ""}]})
    svc.save_step(application, "technology", {"technology": "工业视觉", "ip_summary": "专利3项"})
    svc.save_step(application, "market", {"market": "电子制造", "business_model": "授权"})
    svc.save_step(application, "funding", {"funding_needed": "300", "funding_use": "研发"})
    svc.save_step(application, "space", {"platform_id": zone.platform.id, "space_kind": "office",
                                         "stations_wanted": 5, "space_note": ""})
    if documents:
        applicant = user or application.applicant
        for kind in ("business_licence", "business_plan", "pitch_deck"):
            svc.attach_document(application, kind, pdf(f"{kind}.pdf"), applicant)
        svc.attach_document(application, "legal_rep_id", pdf("身份证.pdf"), applicant, consent=True)
    return application


@pytest.fixture
def submitted(app, zone, make_user):
    """A founder and their submitted application to ``zone.platform``."""
    founder = make_user("startup", name="创业者")
    application = svc.start_application(founder)
    fill_application(application, zone)
    svc.submit_application(application, founder)
    db.session.commit()
    return founder, application


_english_messages = pytest.fixture(autouse=True, name="_english_messages")(english_messages)
