"""The signed agreement as an attachment: checked by content, served only to those who may see the agreement."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.partnerships.models import PartnershipAttachment

from .. import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def upload(client, agreement, data: bytes = PDF, name: str = "签署协议.pdf"):
    return client.post(f"/partnerships/{agreement.id}/attachments",
                       data={"title": "签署版协议", "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_admin_uploads_the_signed_agreement_and_the_partner_downloads_it(login_as, partner_of, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    db.session.commit()
    assert upload(client, agreement).status_code == 302
    attachment = db.session.scalar(select(PartnershipAttachment))
    assert attachment.stored_file.file_type == "pdf"
    page = client.get(f"/partnerships/{agreement.id}").get_data(as_text=True)
    assert "签署版协议" in page
    partner, _ = partner_of(university)
    response = partner.get(f"/partnerships/attachments/{attachment.id}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and body == PDF
    assert response.headers["Content-Type"] == "application/pdf"


def test_other_institutions_and_managers_get_404(login_as, partner_of, university, other_university, managed):
    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    db.session.commit()
    upload(client, agreement)
    attachment_id = db.session.scalar(select(PartnershipAttachment.id))
    stranger, _ = partner_of(other_university)
    assert stranger.get(f"/partnerships/attachments/{attachment_id}").status_code == 404
    manager_client, _user, _tenant = managed
    assert manager_client.get(f"/partnerships/attachments/{attachment_id}").status_code == 404
    assert manager_client.post(f"/partnerships/attachments/{attachment_id}/delete").status_code == 404


def test_a_file_that_is_not_a_document_is_refused(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    db.session.commit()
    response = upload(client, agreement, b"<html><script>alert(1)</script></html>", "agreement.pdf")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(PartnershipAttachment.id))) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not of an accepted type" in page


def test_deleting_an_attachment_removes_it_for_everyone(login_as, partner_of, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    db.session.commit()
    upload(client, agreement)
    attachment_id = db.session.scalar(select(PartnershipAttachment.id))
    assert client.post(f"/partnerships/attachments/{attachment_id}/delete").status_code == 302
    partner, _ = partner_of(university)
    assert partner.get(f"/partnerships/attachments/{attachment_id}").status_code == 404


def test_a_partner_cannot_upload(partner_of, university):
    agreement = factories.partnership(university)
    db.session.commit()
    partner, _ = partner_of(university)
    assert upload(partner, agreement).status_code in (403, 404)
    assert db.session.scalar(select(func.count(PartnershipAttachment.id))) == 0
