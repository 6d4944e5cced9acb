"""Hostile uploads at every upload endpoint: per-endpoint size limits (413), type by magic bytes, markup
disguised as a PDF or an image refused, path-like and control-laden names neutralised, files served back
as attachments with ``nosniff`` and a safe content type."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from incubator import uploads
from incubator.extensions import db
from tests import factories
from tests.incentives.conftest import make_policy, zone  # noqa: F401  (the incentive zone fixture)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSV = b"credit_code,period,revenue\n"

DISGUISED = {
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(1)</script></svg>",
    "svg-xml": b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>",
    "bom-html": b"\xef\xbb\xbf  <html><script>alert(1)</script>",
    "utf16-html": "<html><script>alert(1)</script></html>".encode("utf-16"),
    "pdf-with-html": b"%PDF-1.4\n<html><script>alert(1)</script>",
    "png-then-html": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>",
    "fake-zip": b"PK\x03\x04 not a zip at all",
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
    "zip-with-html": None,  # a real zip that is not an office file, filled in below
}
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("index.html", "<script>alert(1)</script>")
DISGUISED["zip-with-html"] = buffer.getvalue()

# (A name with a double quote never reaches the app whole: the multipart parser ends it at the quote.)
HOSTILE_NAMES = ["../../etc/passwd.pdf", "C:\\x\\y.pdf", "a\x00b.pdf", "\u202efdp.exe.pdf", "x" * 300 + ".pdf",
                 "<script>alert(1)</script>.pdf", "..", "con.pdf", "\u200b\ufeff.pdf", "😀𠀀.pdf"]

LIMITS = {"MAX_CONTENT_LENGTH": 100_000, "UPLOAD_MAX_BYTES": 200_000, "IMPORT_MAX_BYTES": 300_000,
          "BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def config_overrides():
    return dict(LIMITS)


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(uploads.StoredFile))


# --- one setup per upload endpoint ---------------------------------------------------------------------

class Endpoint:
    """How to upload to one endpoint: the client, URL, other form fields, the file field, a good file;
    ``typed`` gives the fields to send with a file too large and a check that the page shows them again."""

    def __init__(self, client, url, data, field, good, good_name, download=None, inline=False, typed=None):
        self.client, self.url, self.data, self.field = client, url, data, field
        self.good, self.good_name, self.download, self.inline = good, good_name, download, inline
        self.typed = typed

    def post(self, content: bytes, name: str):
        data = {**self.data, self.field: (io.BytesIO(content), name)}
        return self.client.post(self.url, data=data, content_type="multipart/form-data")


def application_documents(request, login_as):
    from incubator.startups import services as svc
    from incubator.startups.models import ApplicationDocument

    client, founder = login_as("startup")
    application = svc.start_application(founder)
    db.session.add(application)
    db.session.commit()

    def download(stored):
        document = db.session.scalar(select(ApplicationDocument).where(ApplicationDocument.file_id == stored.id))
        return f"/applications/{application.id}/documents/{document.id}"

    # The ID card's form: its consent box must come back ticked, under the message.
    typed = ({"kind": "legal_rep_id", "consent": "y"},
             lambda html: re.search(r'id="consent-legal_rep_id" checked', html)
             and html.index("what you typed has been kept") > html.index('id="doc-legal_rep_id"'))
    return Endpoint(client, f"/applications/{application.id}/documents", {"kind": "business_plan"}, "file",
                    PDF, "plan.pdf", download, typed=typed)


def agreement_attachments(request, login_as):
    from incubator.partnerships.models import PartnershipAttachment

    client, _ = login_as("admin")
    agreement = factories.partnership(factories.organisation("university", name="示范大学"))
    db.session.commit()

    def download(stored):
        attachment = db.session.scalar(select(PartnershipAttachment)
                                       .where(PartnershipAttachment.stored_file_id == stored.id))
        return f"/partnerships/attachments/{attachment.id}"

    typed = ({"title": "盖章扫描件"}, lambda html: 'value="盖章扫描件"' in html)
    return Endpoint(client, f"/partnerships/{agreement.id}/attachments", {"title": "签署版"}, "file", PDF,
                    "agreement.pdf", download, typed=typed)


def resource_photo(request, login_as):
    from incubator.bookings.models import BookableResource

    client, manager = login_as("manager")
    platform = factories.platform(code="P-UP")
    platform.managers.append(manager)
    db.session.commit()
    data = {"platform_id": platform.id, "kind": "equipment", "space_unit_id": "0", "name": "3D 打印机",
            "description": "", "capacity": "1", "status": "available", "opens_at": "08:00", "closes_at": "18:00",
            "open_days": ["1", "2"], "slot_minutes": "60", "price_tenant": "0", "price_outsider": "0",
            "audience": "public", "max_hours_per_day": "", "max_hours_per_week": "", "cancel_deadline_hours": "2"}
    counter = {"n": 0}

    class Photo(Endpoint):
        def post(self, content, name):
            counter["n"] += 1
            self.data = {**data, "name": f"3D 打印机 {counter['n']}"}
            return super().post(content, name)

    def download(stored):
        resource = db.session.scalar(select(BookableResource).where(BookableResource.photo_id == stored.id))
        return f"/bookings/resources/{resource.id}/photo"

    typed = ({**data, "name": "激光切割机", "capacity": "3", "description": "二楼东侧"},
             lambda html: 'value="激光切割机"' in html and 'value="3"' in html and "二楼东侧" in html)
    endpoint = Photo(client, "/bookings/resources/new", data, "photo", PNG, "hall.png", download, inline=True,
                     typed=typed)
    endpoint.post_as_typed = lambda content, name: Endpoint.post(endpoint, content, name)
    return endpoint


def incentive_claim(request, login_as):
    from incubator.incentives.models import ClaimDocument

    incentive_zone = request.getfixturevalue("zone")
    client, _ = login_as("startup", organisation_id=incentive_zone["alpha"].id)

    class Claim(Endpoint):
        def post(self, content, name):  # one claim per policy and company: a new policy each time
            self.n = getattr(self, "n", 0) + 1
            policy = make_policy(name=f"研发补助 {self.n}", required_documents="专项审计报告")
            self.url = f"/incentives/{policy.id}/claim"
            return super().post(content, name)

    def download(stored):
        document = db.session.scalar(select(ClaimDocument).where(ClaimDocument.stored_file_id == stored.id))
        return f"/incentives/claims/{document.claim_id}/documents/{document.id}"

    beneficiary = f"org:{incentive_zone['alpha'].id}"
    typed = ({"beneficiary": beneficiary},
             lambda html: re.search(rf'<option selected value="{beneficiary}">', html))
    return Claim(client, None, {"beneficiary": beneficiary}, "document_0", PDF, "audit.pdf", download, typed=typed)


STORING = {
    "startups.application_upload": application_documents,
    "partnerships.upload_attachment": agreement_attachments,
    "bookings.new_resource": resource_photo,
    "incentives.claim_new": incentive_claim,
}
# Endpoints with an upload limit that are covered elsewhere in this file.
OTHER_UPLOADS = {
    "bookings.edit_resource": "the same form and helper as bookings.new_resource",
    "importer.index": "test_import_upload_* below (its own limit, IMPORT_MAX_BYTES)",
}


def test_every_upload_endpoint_is_covered(app):
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "upload_limit_key", None)}
    assert marked == set(STORING) | set(OTHER_UPLOADS)


@pytest.fixture(params=sorted(STORING))
def endpoint(request, login_as):
    return STORING[request.param](request, login_as)


def test_a_good_file_with_a_hostile_name_is_stored_under_a_neutral_name_and_served_safely(endpoint, tmp_path):
    for name in HOSTILE_NAMES[:6]:
        before = stored_count()
        response = endpoint.post(endpoint.good, name)
        assert response.status_code in (200, 302), (name, response.status_code)
        assert stored_count() == before + 1, name
        stored = db.session.scalar(select(uploads.StoredFile).order_by(uploads.StoredFile.id.desc()))
        shown = stored.original_name
        assert not re.search(r"[\\/\x00-\x1f\u202e\u200b\ufeff<>\"]", shown) and len(shown) <= 120, shown
        assert ".." not in shown.split("/") and shown not in ("", ".", "..")
        path = uploads.path_of(stored)
        assert path.parent.parent == tmp_path / "uploads" and path.name == stored.storage_key
        served = endpoint.client.get(endpoint.download(stored))
        assert served.status_code == 200
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.mimetype in ("application/pdf", "image/png", "image/jpeg")
        disposition = served.headers.get("Content-Disposition", "")
        if endpoint.inline:
            assert "sandbox" in served.headers["Content-Security-Policy"]
        else:
            assert disposition.startswith("attachment;"), disposition
        assert "\x00" not in disposition and "/" not in disposition.split("filename", 1)[-1]
        assert served.get_data() == endpoint.good
        served.close()


@pytest.mark.parametrize("disguise", sorted(DISGUISED))
def test_markup_and_other_files_disguised_by_their_name_are_refused(endpoint, disguise):
    before = stored_count()
    name = endpoint.good_name
    response = endpoint.post(DISGUISED[disguise], name)
    assert response.status_code in (200, 302, 400, 422)
    assert stored_count() == before
    body = response.get_data(as_text=True)
    if response.status_code == 302:
        body = endpoint.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not of an accepted type" in body
    assert "<script>alert(1)" not in body


def test_a_body_over_the_endpoints_limit_answers_413_and_stores_nothing(endpoint):
    before = stored_count()
    big = endpoint.good + b"\x00" * (LIMITS["UPLOAD_MAX_BYTES"] + 1000)
    response = endpoint.post(big, endpoint.good_name)
    assert response.status_code == 413
    assert stored_count() == before
    # Above the general limit but under the upload limit: accepted (the limit is the endpoint's own).
    middle = endpoint.good + b"\n%" + b"0" * (LIMITS["MAX_CONTENT_LENGTH"] + 1000)
    assert endpoint.post(middle, endpoint.good_name).status_code in (200, 302)
    assert stored_count() == before + 1


def test_a_file_over_the_limit_shows_the_same_form_again_with_413_the_message_and_what_was_typed(endpoint):
    """No dead end: the page of the form, the size message on the file, the other fields as typed."""
    before = stored_count()
    fields, shows_typed = endpoint.typed
    endpoint.data = {**endpoint.data, **fields}
    post = getattr(endpoint, "post_as_typed", endpoint.post)
    response = post(endpoint.good + b"\x00" * (LIMITS["UPLOAD_MAX_BYTES"] + 1), endpoint.good_name)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "This file is larger than the 0.2 MB this page accepts." in html
    assert shows_typed(html)
    assert stored_count() == before
    # A file of exactly the limit is accepted.
    exact = endpoint.good + b"\x00" * (LIMITS["UPLOAD_MAX_BYTES"] - len(endpoint.good))
    response = endpoint.post(exact, endpoint.good_name)
    assert response.status_code in (200, 302) and stored_count() == before + 1


def test_the_size_message_is_in_the_users_language(login_as):
    from incubator.auth.models import User

    client, founder = login_as("startup")
    endpoint = application_documents(None, lambda role: (client, founder))
    db.session.get(User, founder.id).locale = "zh"
    db.session.commit()
    response = endpoint.post(endpoint.good + b"\x00" * (LIMITS["UPLOAD_MAX_BYTES"] + 1), endpoint.good_name)
    assert response.status_code == 413
    assert "此文件大于本页接受的 0.2 MB" in response.get_data(as_text=True)


def test_a_page_without_uploads_keeps_the_general_limit(login_as):
    client, _ = login_as("admin")
    response = client.post("/account", data={"name": "x" * (LIMITS["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


# --- the import upload ---------------------------------------------------------------------------------

def import_upload(client, content: bytes, name: str):
    return client.post("/import/", data={"kind": "reports", "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_import_upload_has_its_own_limit(login_as):
    client, _ = login_as("admin")
    assert import_upload(client, CSV + b"x" * (LIMITS["UPLOAD_MAX_BYTES"] + 1000), "big.csv").status_code == 302
    kept_before = sorted((uploads.upload_folder() / "imports").glob("*"))
    response = client.post("/import/", data={"kind": "incubations",
                                             "file": (io.BytesIO(CSV + b"x" * LIMITS["IMPORT_MAX_BYTES"]), "big.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "This file is larger than the 0.3 MB this page accepts." in html
    assert re.search(r'<option selected value="incubations">', html)  # the kind chosen stays chosen
    assert sorted((uploads.upload_folder() / "imports").glob("*")) == kept_before  # nothing kept


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "C:\\x\\y.csv", "a\x00b.csv", "\u202evsc.exe.csv",
                                  "x" * 300 + ".csv", '<img src=x onerror=alert(1)>.csv'])
def test_import_upload_names_are_neutralised(login_as, name, tmp_path):
    client, _ = login_as("admin")
    response = import_upload(client, CSV, name)
    assert response.status_code == 302
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    files = sorted(p.name for p in (tmp_path / "uploads" / "imports").iterdir())
    assert all(p.startswith(token) for p in files) and len(files) == 2
    page = client.get(f"/import/{token}").get_data(as_text=True)
    assert "<img src=x" not in page and "\u202e" not in page and "\x00" not in page
    assert "C:\\x" not in page and "../" not in page


def test_import_upload_refuses_other_extensions(login_as):
    client, _ = login_as("admin")
    response = import_upload(client, DISGUISED["html"], "reports.html")
    assert response.status_code == 400
    assert "Upload an .xlsx workbook or a .csv file." in response.get_data(as_text=True)


# --- the helper itself, with generated names -----------------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(max_size=400) | st.sampled_from(HOSTILE_NAMES))
def test_any_name_becomes_a_short_plain_file_name(name):
    shown = uploads.safe_display_name(name)
    assert shown and len(shown) <= 120
    assert not any(ch in shown for ch in "/\\\x00\"<>")
    assert all(not ("\x00" <= ch < " ") and ch not in "\u202e\u202d\u200b\ufeff\u0085" for ch in shown)
    assert shown not in (".", "..")
