"""Application documents over HTTP: size and type by content, neutral names, who may download, the ID's
audit trail and its deletion after the retention period (frozen clock)."""
from __future__ import annotations

import io
from datetime import datetime

import pytest

from incubator import clock, uploads
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.startups import services as svc
from incubator.startups.models import Application, ApplicationDocument
from tests.conftest import AuthActions

from .conftest import PDF, fill_application


@pytest.fixture
def config_overrides():
    return {"UPLOAD_MAX_BYTES": 4096, "SENSITIVE_DOCUMENT_RETENTION_DAYS": 30}


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


@pytest.fixture
def draft(app, zone, make_user):
    founder = make_user("startup")
    application = svc.start_application(founder)
    db.session.commit()
    return founder, application


def upload(client, application, kind, data, name, consent=False):
    form = {"kind": kind, "file": (io.BytesIO(data), name)}
    if consent:
        form["consent"] = "y"
    return client.post(f"/applications/{application.id}/documents", data=form, content_type="multipart/form-data")


def test_upload_is_stored_outside_static_under_a_random_name(app, draft, tmp_path):
    founder, application = draft
    client = logged_in(app, founder)
    response = upload(client, application, "business_plan", PDF, "../../static/商业计划书.pdf")
    assert response.status_code == 302
    document = db.session.query(ApplicationDocument).one()
    assert document.file.original_name == "商业计划书.pdf"
    path = uploads.path_of(document.file)
    assert str(path).startswith(str(tmp_path / "uploads")) and path.name == document.file.storage_key
    assert not (tmp_path / "static").exists()


def test_over_size_upload_answers_413(app, draft):
    founder, application = draft
    client = logged_in(app, founder)
    response = upload(client, application, "business_plan", PDF + b"0" * 5000, "big.pdf")
    assert response.status_code == 413
    assert db.session.query(ApplicationDocument).count() == 0


@pytest.mark.parametrize("data, name", [
    (b"<html><body><script>alert(document.cookie)</script></body></html>", "营业执照.pdf"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "plan.pdf"),
    (b"MZ\x90\x00 windows executable", "deck.pptx"),
    (b"just some text", "plan.pdf"),
])
def test_wrong_type_disguised_by_name_is_refused(app, draft, data, name):
    founder, application = draft
    client = logged_in(app, founder)
    response = upload(client, application, "business_plan", data, name)
    assert response.status_code == 422
    assert "content was checked" in response.get_data(as_text=True)
    assert db.session.query(ApplicationDocument).count() == 0


def test_id_upload_without_consent_is_refused(app, draft):
    founder, application = draft
    client = logged_in(app, founder)
    assert upload(client, application, "legal_rep_id", PDF, "id.pdf").status_code == 422
    assert upload(client, application, "legal_rep_id", PDF, "id.pdf", consent=True).status_code == 302
    assert db.session.get(Application, application.id).pipl_consent_at is not None


def test_unknown_document_kind_is_refused(app, draft):
    founder, application = draft
    client = logged_in(app, founder)
    assert upload(client, application, "../../etc", PDF, "x.pdf").status_code == 400


def test_another_founder_can_neither_upload_nor_download(app, zone, draft, make_user):
    founder, application = draft
    fill_application(application, zone)
    db.session.commit()
    intruder = logged_in(app, make_user("startup"))
    assert upload(intruder, application, "business_plan", PDF, "x.pdf").status_code == 404
    for document in application.documents:
        assert intruder.get(f"/applications/{application.id}/documents/{document.id}").status_code == 404
    # the intruder's own application id with someone else's document id
    own = svc.start_application(db.session.query(type(founder)).filter(type(founder).id != founder.id,
                                                                     type(founder).role == "startup").first())
    db.session.commit()
    document = application.documents[0]
    assert intruder.get(f"/applications/{own.id}/documents/{document.id}").status_code == 404


def test_download_is_an_attachment_with_nosniff(app, zone, draft):
    founder, application = draft
    fill_application(application, zone)
    db.session.commit()
    client = logged_in(app, founder)
    plan = application.document("business_plan")
    with client.get(f"/applications/{application.id}/documents/{plan.id}") as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.get_data() == PDF


def test_every_view_of_the_id_is_logged(app, zone, submitted):
    founder, application = submitted
    id_doc = application.document("legal_rep_id")
    for user in (zone.manager, founder):
        with logged_in(app, user).get(f"/applications/{application.id}/documents/{id_doc.id}") as response:
            assert response.status_code == 200
    views = db.session.query(AuditEvent).filter_by(action="sensitive_document_viewed").order_by(AuditEvent.id).all()
    assert [v.actor_id for v in views] == [zone.manager.id, founder.id]
    plan = application.document("business_plan")
    with logged_in(app, zone.manager).get(f"/applications/{application.id}/documents/{plan.id}"):
        pass
    assert db.session.query(AuditEvent).filter_by(action="sensitive_document_viewed").count() == 2


def test_purge_deletes_the_id_after_the_retention_period(app, zone, submitted, runner):
    founder, application = submitted
    clock.freeze(datetime(2026, 3, 1, 10, 0))
    svc.start_review(application, zone.manager)
    svc.reject_application(application, "不符合条件", zone.manager)
    db.session.commit()
    id_doc = application.document("legal_rep_id")
    path = uploads.path_of(id_doc.file)

    clock.freeze(datetime(2026, 3, 30, 10, 0))  # 29 days later: kept
    result = runner.invoke(args=["purge-sensitive-documents"])
    assert result.exit_code == 0 and "deleted 0" in result.output
    assert path.exists()

    clock.freeze(datetime(2026, 4, 2, 10, 0))  # 32 days later: deleted
    result = runner.invoke(args=["purge-sensitive-documents"])
    assert "deleted 1" in result.output
    db.session.expire_all()
    stored = db.session.get(uploads.StoredFile, id_doc.file_id)
    assert stored.deleted_at is not None and not path.exists()
    assert uploads.path_of(application.document("business_plan").file).exists()  # only the ID goes
    event = db.session.query(AuditEvent).filter_by(action="file_deleted").one()
    assert "PIPL" in event.reason
    response = logged_in(app, zone.manager).get(f"/applications/{application.id}/documents/{id_doc.id}")
    assert response.status_code == 404
    assert runner.invoke(args=["purge-sensitive-documents"]).output.strip() == "deleted 0 sensitive documents"


def test_purge_keeps_ids_of_undecided_applications(app, submitted, runner):
    clock.freeze(datetime(2031, 1, 1, 9, 0))
    assert "deleted 0" in runner.invoke(args=["purge-sensitive-documents"]).output
