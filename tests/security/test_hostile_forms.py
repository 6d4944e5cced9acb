"""Bad input everywhere: every form of the app, found by crawling the seeded zone as each role, is posted
hostile values (Hypothesis). Never a 500; either the form comes back with a message or the value is saved,
reads back as typed (or cleanly normalised) and every page showing it escapes it.
"""
from __future__ import annotations

import os
import re
import time
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import func
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from incubator.extensions import db
from tests.conftest import PASSWORD

# --- hostile values -------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = (
    "99999999999999999999999999", "-1", "-99999999", "NaN", "nan", "inf", "-Infinity", "1e309", "1E-400",
    "１２３", "１２，３４５．６", "0x1F", "  7  ", "",
    "x" * 10_000, "\x00", "a\x00b", "\x1b[31mred", "line\u0085next", "\u202eevil.pdf", "zero\u200bwidth\ufeff",
    "😀", "𠀀𠀁", "👨‍👩‍👧‍👦 family",
    SCRIPT, IMG, "javascript:alert(1)", "{{ 7*7 }}", "${7*7}", "%s%s%n",
    "' OR 1=1 --", "'; DROP TABLE users; --", "\\", "..\\..\\etc\\passwd",
    "0000-00-00", "9999-12-31", "2026-02-30", "1900-01-01", "2026Q9", "-0", "1,234.56789",
)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8"), max_size=40),  # anything encodable, controls and surrogates apart
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.sampled_from((SCRIPT, IMG, "\x00", "\u202e"))),
)

RAW_MARKUP = re.compile(r"<script>alert|<img src=x onerror", re.I)

# --- discovering forms ----------------------------------------------------------------------------

ACCOUNTS = {  # who crawls -> (demo user made by the seeders, role)
    "admin": ("admin@demo.zone", "admin"),
    "manager": ("manager@demo.zone", "manager"),
    "reviewer": ("reviewer@demo.zone", "reviewer"),
    "founder": ("founder@demo.zone", "startup"),
    "partner": ("partner@demo.zone", "partner"),
    "applicant": ("applicant1@demo.zone", "startup"),  # a draft application
    "returned": ("applicant6@demo.zone", "startup"),  # an application returned for more information
}
# POST endpoints not posted to: they end the test's own session or need a secret in the URL.
NOT_POSTED = {
    "auth.logout": "ends the session the crawl uses",
    "auth.end_other_sessions": "ends sessions; covered by the auth tests",
    "auth.login": "posted separately below (anonymous)",
    "auth.register": "posted separately below (anonymous)",
    "auth.forgot_password": "posted separately below (anonymous)",
    "auth.reset_password_view": "needs a single-use token from an e-mail; covered by the auth tests",
    "auth.confirm_registration": "needs a single-use token from an e-mail; tests/auth/test_registration.py",
    "main.set_language": "changes only the session's language",
    "api.not_an_endpoint": "the API's catch-all: a problem 404 for any method and path; tests/api",
}
# POST endpoints the seeded zone offers no form for (a token made by an upload, an empty state).
NOT_REACHABLE = {
    "auth.login_verify": "the second step of a login with MFA; tests/auth (mfa)",
    "auth.mfa_disable": "needs MFA enrolled with a valid code; tests/auth (mfa)",
    "auth.mfa_recovery_codes": "needs MFA enrolled with a valid code; tests/auth (mfa)",
    "auth.mfa_setup": "posts a TOTP code for a secret in the session; tests/auth (mfa)",
    "auth.user_mfa_reset": "offered only for a user with MFA enrolled; tests/auth (mfa)",
    "importer.confirm": "needs an uploaded file's token; tests/security/test_hostile_import.py",
    "importer.cancel": "needs an uploaded file's token; tests/security/test_hostile_import.py",
    "jobs.retry": "the seeded zone has no failed job to retry; tests/jobs/test_inprocess.py",
    "jobs.cancel": "the seeded zone has no queued job to cancel; tests/jobs/test_inprocess.py",
    "outcomes.decide": "the seeded zone has no target proposal to accept or refuse",
    "startups.application_binding": "the seeded zone has no application waiting for a binding decision",
    "startups.rubric_remove": "the seeded platforms use the zone's default rubric (no own criterion to remove)",
    "api_pages.revoke_api_token": "the seeded zone has no API token to revoke; tests/api/test_tokens.py",
    "partnerships.delete_attachment": "the seeded zone has no agreement attachment (uploads: test_hostile_uploads)",
}
SKIP_LINKS = re.compile(r"^/(static|logout|language)/|/export|\.(xlsx|csv|pdf|png|zip)(\?|$)|/download|/file|"
                        r"/documents/\d|/attachments/\d|/templates/")
PAGES_PER_ENDPOINT = 2
PAGES_PER_ROLE = 240


@dataclass
class Form:
    role: str
    page: str
    action: str
    endpoint: str
    fields: list = field(default_factory=list)  # (kind, name, value, options)


class FormParser(HTMLParser):
    """Links and POST forms of a page: text inputs, selects (with their options), textareas, checkboxes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "",
                          "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].append((kind, a["name"], None, [a.get("value", "y")]))
            else:
                self._form["fields"].append((kind, a["name"], a.get("value", ""), [a.get("value", "y")]))
        elif tag == "button" and a.get("name"):
            self._form["fields"].append(("submit", a["name"], a.get("value", ""), []))
        elif tag == "select" and a.get("name"):
            self._select = ["select", a["name"], None, []]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[3].append(value)
            if "selected" in a or self._select[2] is None:
                self._select[2] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = ["textarea", a["name"], "", []]
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def endpoint_of(app, method: str, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(path).path, method=method)
        return endpoint
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None


def log_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"cannot log in as {email}"
    return client


def page_kind(app, url: str):
    """A page's kind: its endpoint, its arguments that are not ids (a step, a period) and its tab (each tab
    of a record page shows other forms); the pages of one kind differ only by the record they show."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, arguments = adapter.match(urlsplit(url).path, method="GET")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    tab = re.search(r"[?&]tab=(\w+)", url)
    views = tuple(sorted((k, v) for k, v in arguments.items() if not isinstance(v, int)))
    return endpoint, views, tab.group(1) if tab else None


def records_in_each_state() -> list[str]:
    """Record pages in every state the seeded zone has (forms depend on the state: a submitted application
    can be taken into review, a verified report reopened, an approved claim paid), visited by every role
    (those who may not see one get 404 and move on)."""
    from incubator.incentives.models import Claim, Policy
    from incubator.organisations.models import IntellectualProperty
    from incubator.partnerships.models import PartnershipAttachment
    from incubator.startups.models import Application, QuarterlyReport, RubricCriterion

    def one_per(column, model):
        return db.session.execute(db.select(func.min(model.id)).group_by(column)).scalars().all()

    urls = [f"/applications/{i}" for i in one_per(Application.status, Application)]
    urls += [f"/applications/{i}" for i in one_per(Application.binding_status, Application)]
    urls += [f"/reports/id/{i}" for i in one_per(QuarterlyReport.status, QuarterlyReport)]
    urls += [f"/incentives/claims/{i}" for i in one_per(Claim.status, Claim)]
    urls += [f"/incentives/{i}/claim" for i in db.session.scalars(db.select(Policy.id).filter_by(status="open"))]
    urls += [f"/organisations/{i}" for i in db.session.scalars(
        db.select(func.min(IntellectualProperty.organisation_id)))]
    urls += [f"/partnerships/{i}" for i in db.session.scalars(db.select(func.min(PartnershipAttachment.partnership_id)))]
    urls += [f"/platforms/{i}/rubric" for i in db.session.scalars(
        db.select(RubricCriterion.platform_id).where(RubricCriterion.platform_id.is_not(None)).distinct())]
    # the change form shows only on a booker's own active booking before its deadline: one such booking
    # of each booker, whichever page the crawl happens to reach first
    from incubator import clock
    from incubator.bookings.models import ACTIVE_BOOKING_STATUSES, Booking

    urls += [f"/bookings/{i}" for i in db.session.scalars(
        db.select(func.max(Booking.id)).where(Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                                              Booking.starts_at > clock.now() + timedelta(days=3))
        .group_by(Booking.user_id).order_by(Booking.user_id))]
    return [url for url in urls if "None" not in url]


def crawl(app, role: str, client) -> tuple[list[Form], list[str]]:
    """Every POST form on the pages ``role`` reaches from the home page: pages of a kind not seen yet
    first, then a few more of each kind (records in other states show other forms)."""
    seen: dict[tuple, int] = {}
    states = records_in_each_state()
    fresh, again = deque(["/home", "/account", *states]), deque()
    visited: set[str] = set()
    forms: list[Form] = []
    pages: list[str] = []
    while (fresh or again) and len(visited) < PAGES_PER_ROLE:
        url = fresh.popleft() if fresh else again.popleft()
        kind = page_kind(app, url)
        if url in visited or kind is None or (seen.get(kind, 0) >= PAGES_PER_ENDPOINT and url not in states):
            continue
        visited.add(url)
        seen[kind] = seen.get(kind, 0) + 1
        response = client.get(url)
        assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        pages.append(url)
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and not SKIP_LINKS.search(path) and path not in visited:
                (again if seen.get(page_kind(app, path), 0) else fresh).append(path)
        for raw in parser.forms:
            if raw["method"] != "post":
                continue
            action = urljoin(url, raw["action"] or url)
            action = urlsplit(action).path + (f"?{urlsplit(action).query}" if urlsplit(action).query else "")
            post_endpoint = endpoint_of(app, "POST", action)
            if post_endpoint is None:
                continue
            forms.append(Form(role, url, action, post_endpoint, [tuple(f) for f in raw["fields"]]))
    return forms, pages


# --- posting --------------------------------------------------------------------------------------

TEXT_KINDS = {"text", "textarea", "number", "date", "datetime-local", "time", "email", "tel", "url", "search",
              "month", "password"}


def value_strategy(kind: str, value, options):
    """A hostile value, or the page's own value (so the rest of the form may still save)."""
    if kind == "file":
        return st.just(None)
    if kind == "submit":
        return st.just(value)
    if kind in ("checkbox", "radio"):
        return st.sampled_from([None, options[0] if options else "y"])
    if kind == "hidden":
        return st.one_of(st.just(value), hostile_text) if value is not None else hostile_text
    if kind == "select":
        return st.one_of(st.sampled_from(options or [""]), hostile_text)
    return st.one_of(st.just(value or ""), hostile_text, hostile_text)


NUMERIC = re.compile(r"^[\d\s.,:/+-]*$")


def explicit_examples(form: Form) -> list[dict]:
    """Two examples tried on every form: the page's own values with NUL and script appended to every text
    field (numbers and dates break, so it is refused), and to the free-text fields only (it may save)."""
    everywhere, free_text = {}, {}
    for kind, name, value, options in form.fields:
        if name == "csrf_token":
            continue
        own = value if kind in ("submit", "hidden", "select", "checkbox", "radio") else (value or "")
        if kind == "file":
            own = None
        everywhere[name] = free_text[name] = own
        if kind in ("text", "textarea", "search", "email", "tel", "url"):
            everywhere[name] = own + "\x00" + SCRIPT
            if not NUMERIC.match(own or "1"):
                free_text[name] = own + IMG + "\x00\x1b\u202e😀𠀀"
    return [everywhere, free_text]


def clean(text: str) -> str:
    """What a saved text may cleanly become: controls dropped, NFKC, spaces collapsed and trimmed."""
    text = "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def fields_of_page(html: str, action: str) -> dict[str, str] | None:
    parser = FormParser()
    parser.feed(html)
    for raw in parser.forms:
        if raw["method"] == "post" and (not raw["action"] or urlsplit(raw["action"]).path == urlsplit(action).path):
            return {name: value for kind, name, value, _ in raw["fields"] if kind in TEXT_KINDS | {"textarea"}}
    return None


class Stats:
    def __init__(self):
        self.posts = 0
        self.saved = 0
        self.refused = 0
        self.round_trips = 0


def ensure_logged_in(app, clients: dict, role: str):
    """The role's client, logged in again when a posted form ended its session or changed its account
    (the admin may re-password, disable or edit the demo users: the account is restored first)."""
    client = clients[role]
    if client.get("/account").status_code == 200:
        return client
    from incubator.auth.models import LoginThrottle, User
    from incubator.auth.services import set_password

    user = db.session.get(User, clients["ids"][role])
    user.email, user.role, user.is_enabled = *ACCOUNTS[role], True
    set_password(user, PASSWORD, reason="test")
    db.session.execute(db.delete(LoginThrottle))
    db.session.commit()
    clients[role] = log_in(app, ACCOUNTS[role][0])
    return clients[role]


def post_hostile(app, clients, form: Form, values: dict, stats: Stats, problems: list):
    client = clients[form.role]
    data = {name: v for name, v in values.items() if v is not None}
    where = f"{form.role} POST {form.action} ({form.endpoint})"
    stats.posts += 1
    try:
        response = client.post(form.action, data=data)
    except Exception as error:  # the test app re-raises server errors: each is a finding, then go on
        problems.append(f"{where}: {type(error).__name__}: {error!s:.200} with {data!r:.300}")
        db.session.rollback()
        return
    finally:
        if form.endpoint.startswith("auth."):  # an account form may have ended or changed the session
            ensure_logged_in(app, clients, form.role)
    status = response.status_code
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    if status >= 500:
        problems.append(f"{where}: {status} with {data!r:.300}")
        return
    if RAW_MARKUP.search(body):
        problems.append(f"{where}: raw markup in the answer")
    if status in (301, 302, 303):
        stats.saved += 1
        target = response.headers["Location"]
        page = client.get(target)
        if page.status_code >= 500:
            problems.append(f"{where}: redirect target {target} answered {page.status_code}")
        elif RAW_MARKUP.search(page.get_data(as_text=True)):
            problems.append(f"{where}: raw markup on {target} after saving {data!r:.200}")
        check_round_trip(client, form, data, where, stats, problems)
    elif status in (200, 400, 403, 404, 409, 413, 422):
        stats.refused += 1
        if status in (200, 400, 422) and body and "<form" not in body:
            problems.append(f"{where}: answered {status} without showing a form again")
    else:
        problems.append(f"{where}: unexpected status {status}")


def check_round_trip(client, form: Form, data: dict, where: str, stats: Stats, problems: list):
    """When the form is an edit page, what it shows again is what was posted (or its clean form)."""
    if form.page != form.action:
        return
    for kind, name, value, _options in form.fields:  # another choice may show other fields: no comparison
        if kind in ("select", "hidden", "checkbox", "radio") and name != "csrf_token" and data.get(name) != value:
            return
    page = client.get(form.page)
    if page.status_code != 200:
        return
    shown = fields_of_page(page.get_data(as_text=True), form.action)
    if not shown:
        return
    for kind, name, _value, _options in form.fields:
        if kind not in ("text", "textarea") or name not in data or name == "csrf_token":
            continue
        posted, again = data[name], shown.get(name)
        if again is None or not isinstance(posted, str) or not clean(_value):  # fields showing a stored value
            continue
        stats.round_trips += 1
        if again == posted or clean(again) == clean(posted) or clean(again).replace(",", "") == clean(posted):
            continue
        if not clean(posted):  # a blank value may become the default or stay what it was
            continue
        problems.append(f"{where}: field {name} posted {posted!r:.80} reads back {again!r:.80}")


# --- the tests ------------------------------------------------------------------------------------

def _user_id(email: str) -> int:
    from incubator.auth.models import User

    return db.session.scalar(db.select(User.id).filter_by(email=email))


@pytest.fixture
def config_overrides():
    return {"DEMO_PASSWORD": PASSWORD}


@pytest.fixture
def seeded(app):
    from incubator.seed import run_seeders

    run_seeders()
    db.session.commit()
    return app


EXAMPLES_PER_FORM = int(os.environ.get("HOSTILE_EXAMPLES", "2"))  # generated, besides the two explicit ones


def test_every_form_answers_hostile_values_without_error_and_escapes_what_it_saves(seeded):
    app = seeded
    started = time.monotonic()
    clients = {role: log_in(app, email) for role, (email, _) in ACCOUNTS.items()}
    clients["ids"] = {role: _user_id(email) for role, (email, _) in ACCOUNTS.items()}
    forms: dict[str, Form] = {}
    all_pages: dict[str, list[str]] = {}
    for role in ACCOUNTS:
        found, pages = crawl(app, role, clients[role])
        all_pages[role] = pages
        for form in found:
            forms.setdefault(form.endpoint, form)  # one form per endpoint: the first role that reaches it
    post_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missing = post_endpoints - set(forms) - set(NOT_POSTED) - set(NOT_REACHABLE)
    assert not missing, f"POST endpoints without a form reached by the crawl: {sorted(missing)}"

    stats, problems = Stats(), []
    # Harmful to the crawl itself: toggling or re-passwording users is posted last.
    ordered = sorted((f for name, f in forms.items() if name not in NOT_POSTED),
                     key=lambda f: (f.endpoint.startswith("auth."), f.endpoint))
    for form in ordered:
        strategy = st.fixed_dictionaries({name: value_strategy(kind, value, options)
                                          for kind, name, value, options in form.fields if name != "csrf_token"})

        @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(values=strategy)
        def attack(values):
            post_hostile(app, clients, form, values, stats, problems)

        for explicit in explicit_examples(form):
            attack = example(values=explicit)(attack)
        attack()

    # Afterwards no page of any role shows stored markup unescaped (one page of each kind).
    reread = 0
    for role, pages in all_pages.items():
        client = ensure_logged_in(app, clients, role)
        kinds_seen = set()
        for url in pages:
            if page_kind(app, url) in kinds_seen:
                continue
            kinds_seen.add(page_kind(app, url))
            reread += 1
            try:
                response = client.get(url)
            except Exception as error:
                problems.append(f"{role} GET {url} after the attack: {type(error).__name__}: {error!s:.200}")
                db.session.rollback()
                continue
            if response.status_code >= 500:
                problems.append(f"{role} GET {url} after the attack: {response.status_code}")
            if response.mimetype == "text/html" and RAW_MARKUP.search(response.get_data(as_text=True)):
                problems.append(f"{role} GET {url}: stored markup shown unescaped")
    elapsed = time.monotonic() - started
    print(f"\nhostile forms: {len(ordered)} endpoints, {stats.posts} posts ({stats.saved} saved, "
          f"{stats.refused} refused), {stats.round_trips} round-trips checked, "
          f"{reread} pages re-read, {elapsed:.1f}s")
    assert not problems, "\n".join(problems[:40])
    assert stats.saved and stats.refused  # both outcomes were exercised


def test_anonymous_forms_answer_hostile_values_without_error(client):
    """The login, registration and forgotten-password forms, logged out."""

    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(email=hostile_text, password=hostile_text, name=hostile_text)
    def attack(email, password, name):
        for url, data in (("/login", {"email": email, "password": password}),
                          ("/password/forgot", {"email": email}),
                          ("/register", {"email": email, "name": name, "password": password,
                                         "confirm": password, "company": name})):
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, data)
            assert not RAW_MARKUP.search(response.get_data(as_text=True)), (url, data)

    attack()


def test_control_characters_are_dropped_from_every_field_and_parameter_before_any_view(login_as):
    """NUL would make PostgreSQL refuse the statement (a 500) and ESC could forge a terminal log line:
    the request itself drops C0 controls (tab and line breaks kept), whatever the form or query."""
    from incubator.auth.models import User

    client, user = login_as("admin")
    response = client.post("/account", data={"name": "王\x00五\x1b[31m\x7f", "locale": "zh"})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "王五[31m"
    for url in ("/admin/users?q=a%00b", "/organisations/?q=%00", "/admin/audit/?q=%1b%00", "/platforms/?q=x%00"):
        assert client.get(url, follow_redirects=True).status_code in (200, 404), url
    with client.application.test_request_context("/?q=a%00b%09c", method="POST",
                                                 data={"t": "line\r\nnext\tcol\x00\x08"}):
        from flask import request

        assert request.args["q"] == "ab\tc" and request.form["t"] == "line\r\nnext\tcol"
