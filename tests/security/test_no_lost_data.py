"""No lost data: concurrent submissions of one quarterly report leave exactly one, two people editing the same
record never silently overwrite each other, and a server killed during a burst of writes keeps every write it
acknowledged. Through the real HTTP stack (a live server, a real gunicorn) on the run's database engine."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from incubator import clock, create_app
from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.organisations.models import Organisation
from incubator.startups.models import Application, QuarterlyReport
from tests import factories
from tests.conftest import PASSWORD, POSTGRES_URL, ROOT, base_config, csrf_token_from, migrate_to_heads

from .conftest import scratch_postgres_database

CONFLICT = "Someone else changed this record"
FIGURES = {"revenue": "120.5", "rd_expense": "30", "employees": "20", "rd_staff": "8",
           "invention_patents_filed": "2", "invention_patents_granted": "1", "other_ip_granted": "0",
           "tech_contract_value": "10", "financing": "500", "tax_paid": "3.1234", "graduates_hired": "2"}


# --- a small browser over urllib: cookies, no redirects followed, forms read from the page ------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer we look at


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 30):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data: dict):
        return self.request("POST", path, data)

    def login(self, email: str, password: str = PASSWORD) -> None:
        _, _, page = self.get("/login")
        status, headers, _ = self.post("/login", {"email": email, "password": password,
                                                  "csrf_token": csrf_token_from(page)})
        assert status == 302 and "/login" not in headers.get("Location", ""), "login failed"


class FormReader(HTMLParser):
    """The fields of each <form> of a page as a browser would send them (inputs, checked boxes, selects,
    textareas)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields[name] = attrs.get("value") or ("y" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select:
            if fields.get(self._select) is None or "selected" in attrs:
                if "selected" in attrs or fields.get(self._select) is None:
                    fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def form_fields(page: str, having: str = "csrf_token") -> dict:
    """The fields of the first POST form of ``page`` that has a field named ``having``."""
    reader = FormReader()
    reader.feed(page)
    for form in reader.forms:
        if form["method"] == "post" and having in form["fields"]:
            return {k: ("" if v is None else v) for k, v in form["fields"].items()}
    raise AssertionError(f"no POST form with a {having!r} field in the page")


# --- 1. twenty concurrent submissions of the same quarterly report ---------------------------------------

@pytest.fixture
def tenant(app, make_user):
    """A company incubating in a platform with its manager and founder; 2026Q1 is due (clock in April 2026)."""
    clock.freeze(datetime(2026, 4, 10, 10, 0))
    platform = factories.platform(code="DUR-1", name="并发孵化器")
    company = factories.organisation(name="并发测试科技有限公司")
    factories.incubation(company, platform, date(2025, 1, 1))
    manager = make_user("manager", name="经理")
    platform.managers.append(manager)
    founder = make_user("startup", organisation_id=company.id, name="创始人")
    db.session.commit()
    values = company.id, founder.email, manager.id
    db.session.commit()  # no transaction left open here: it would hold SQLite's write lock during the test
    return values


def _post_at_once(base: str, email: str, count: int, button: str) -> list[tuple[int, str]]:
    """``count`` sessions of ``email`` open the report form, then all post it (``button``: save or submit) at
    the same moment, each with its own revenue figure."""
    start = threading.Barrier(count, timeout=60)
    answers: list = [None] * count
    errors: list = []

    def one(n: int) -> None:
        try:
            browser = Browser(base)
            browser.login(email)
            status, _, page = browser.get("/reports/2026Q1")
            assert status == 200
            data = {**form_fields(page, having="revenue"), **FIGURES, "revenue": f"{100 + n}.5", button: "y"}
            start.wait()
            status, _, body = browser.post("/reports/2026Q1", data)
            answers[n] = (status, body)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            start.abort()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return answers


def _winner(answers, button: str) -> int:
    """The one request that was saved; every other got a clear answer in the page, never a 500."""
    statuses = sorted(status for status, _ in answers)
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) == 1, statuses  # the one that was saved redirects to the report
    for n, (status, body) in enumerate(answers):
        if status == 302:
            winner = n
            continue
        assert status in (200, 409)
        if button == "submit":  # submitted meanwhile: locked, said so
            assert "This report is Submitted and locked." in body
        else:  # changed meanwhile: the conflict is said and the founder's own figures are kept in the form
            assert CONFLICT in body
            assert re.search(rf'name="revenue"[^>]*value="{100 + n}.5"', body)
    return winner


@pytest.mark.parametrize("draft_first, button", [(False, "submit"), (True, "submit"), (False, "save"),
                                                 (True, "save")],
                         ids=["submit-first-filing", "submit-a-draft", "save-first-filing", "save-a-draft"])
def test_twenty_concurrent_submissions_of_one_quarterly_report_leave_exactly_one(
        live_server, app, tenant, draft_first, button):
    company_id, founder_email, manager_id = tenant
    if draft_first:
        factories.report(db.session.get(Organisation, company_id), "2026Q1", status="draft", revenue=10_000,
                         employees=1)
        db.session.commit()

    answers = _post_at_once(live_server.url, founder_email, 20, button)

    winner = _winner(answers, button)
    db.session.expire_all()
    reports = db.session.scalars(select(QuarterlyReport).where(QuarterlyReport.organisation_id == company_id)).all()
    assert len(reports) == 1
    report = reports[0]
    assert report.period == "2026Q1" and report.revenue == (100 + winner) * 10_000 + 5_000  # the winner's figure
    assert report.status == ("submitted" if button == "submit" else "draft")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(report.id),
                                                                 AuditEvent.action.like("report_%"))).all()
    assert actions.count("report_submit") == (1 if button == "submit" else 0)
    assert actions.count("report_created") == (0 if draft_first else 1)
    assert actions.count("report_changed") == (1 if draft_first else 0)
    notified = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == manager_id))
    assert notified == (1 if button == "submit" else 0)  # the manager hears of it once, not twenty times


# --- 3. a gunicorn killed during a burst of writes keeps every acknowledged write ---------------------------

BURST = 1_000
CLIENTS = 8
KILL_AFTER = 400  # acknowledged writes before the SIGKILL


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn --workers 2 wsgi:app`` as in production (README), in its own process group."""

    def __init__(self, url: str, tmp: Path):
        self.url, self.tmp, self.process, self.port = url, tmp, None, _free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "INCUBATOR_ENV": "production", "SECRET_KEY": "burst-test-secret-key-0123456789",
               "INCUBATOR_MFA_ENCRYPTION_KEYS": "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMta2V5LTAxMjM=",
               "DATABASE_URL": self.url, "INCUBATOR_INSTANCE_PATH": str(self.tmp / "instance"),
               "INCUBATOR_SESSION_COOKIE_SECURE": "false",  # plain http on loopback
               "INCUBATOR_REQUIRE_ADMIN_MFA": "false"}
        log = open(self.tmp / "gunicorn.log", "ab")  # noqa: SIM115 - the child owns it
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--preload", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.tmp / "gunicorn.log").read_text()[-3000:]
            try:
                if Browser(self.base).get("/login")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not answer within 60 s")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once (the whole process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def burst_database(tmp_path):
    """A migrated database of its own: a SQLite file, or a scratch PostgreSQL database."""
    if not POSTGRES_URL:
        url = f"sqlite:///{tmp_path / 'burst.sqlite3'}"
        migrate_to_heads(url, tmp_path)
        yield url
        return
    with scratch_postgres_database(f"{make_url(POSTGRES_URL).database}_burst") as url:
        migrate_to_heads(url, tmp_path)
        yield url


def _founder_in(url: str, tmp: Path) -> tuple[str, int]:
    """The founder who writes, and the industry their applications name (the first step needs one)."""
    from incubator.auth.services import create_user
    from incubator.organisations.models import Industry

    app = create_app(base_config(url, tmp))
    with app.app_context():
        create_user("burst@example.cn", "startup", PASSWORD, name="并发创始人", locale="en")
        industry = Industry(code="other", name_zh="其他", name_en="Other")
        db.session.add(industry)
        db.session.commit()
        industry_id = industry.id
        db.session.remove()
        db.engine.dispose()
    return "burst@example.cn", industry_id


# A new application is written when its first step is saved: the answer sends the founder on to the second.
NEW_APPLICATION = re.compile(r"/applications/(\d+)/step/team$")


def _fire(server: Gunicorn, sessions: list[Browser], tokens: list[str], todo: list[int], acked: set[int],
          stop_after: int | None, killed: threading.Event, industry_id: int) -> dict:
    """POST /applications (a new application's first step) for each item of ``todo`` from ``CLIENTS`` threads; every answer that
    acknowledges a saved application adds its id to ``acked``. With ``stop_after``, the server is killed
    once that many writes were acknowledged and the threads stop at their first refused connection."""
    lock = threading.Lock()
    counts = {"sent": 0, "unanswered": 0, "refused": 0}

    def worker(n: int) -> None:
        browser, token = sessions[n], tokens[n]
        while True:
            with lock:
                if not todo or (killed.is_set() and stop_after is not None):
                    return
                todo.pop()
                counts["sent"] += 1
            try:
                status, headers, _ = browser.request("POST", "/applications", {
                    "csrf_token": token, "company_name": "并发团队", "not_registered": "y",
                    "industry_id": str(industry_id)}, timeout=30)
            except OSError:  # the server died under this request: neither acknowledged nor refused
                with lock:
                    counts["unanswered"] += 1
                if killed.is_set():
                    return
                continue
            match = NEW_APPLICATION.search(headers.get("Location", "")) if status == 302 else None
            with lock:
                if match:
                    acked.add(int(match.group(1)))
                else:
                    counts["refused"] += 1
                if stop_after is not None and len(acked) >= stop_after and not killed.is_set():
                    killed.set()
                    server.kill()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return counts


def test_a_server_killed_during_a_burst_of_writes_keeps_every_acknowledged_write(burst_database, tmp_path):
    started = time.monotonic()
    email, industry_id = _founder_in(burst_database, tmp_path)
    server = Gunicorn(burst_database, tmp_path)
    marks = {"prepared": time.monotonic() - started}
    server.start()
    marks["started"] = time.monotonic() - started
    try:
        sessions = [Browser(server.base) for _ in range(CLIENTS)]
        for browser in sessions:
            browser.login(email)
        tokens = [csrf_token_from(browser.get("/applications")[2]) for browser in sessions]
        todo, acked, killed = list(range(BURST)), set(), threading.Event()

        first = _fire(server, sessions, tokens, todo, acked, KILL_AFTER, killed, industry_id)
        assert killed.is_set() and server.process.returncode is not None  # master and workers are gone
        acked_before_kill = set(acked)
        marks["killed"] = time.monotonic() - started

        server.start()  # same port; the sessions live in the database, so the clients are still logged in
        marks["restarted"] = time.monotonic() - started
        for browser in sessions:
            assert browser.get("/applications")[0] == 200
        second = _fire(server, sessions, tokens, todo, acked, None, threading.Event(), industry_id)
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    print(f"\nburst on {make_url(burst_database).get_backend_name()}: {len(acked_before_kill)} acknowledged "
          f"before the kill, {first['unanswered']} unanswered at the kill, {len(acked)} in all, {elapsed:.1f}s "
          + str({k: round(v, 1) for k, v in marks.items()}))

    assert first["refused"] == second["refused"] == 0 and second["unanswered"] == 0
    assert first["sent"] + second["sent"] == BURST and len(acked) >= BURST - CLIENTS
    assert len(acked_before_kill) >= KILL_AFTER
    engine = create_engine(burst_database, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored = set(connection.execute(select(Application.id)).scalars())
            audited = set(connection.execute(select(AuditEvent.entity_id).where(
                AuditEvent.action == "application_created")).scalars())
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    assert acked <= stored, f"{len(acked - stored)} acknowledged writes lost"
    assert {str(n) for n in acked} <= audited  # and each with its audit row
    assert len(stored) <= BURST  # an unanswered write may or may not have been saved, nothing more


# --- 2. two people editing the same record: the second gets a conflict, the first's change stays -----------

@pytest.fixture(scope="module")
def seeded_zone(tmp_path_factory):
    """The demo zone (every kind of record) in a database of its own, demo passwords known."""
    from incubator.auth.services import create_user
    from incubator.seed import run_seeders

    tmp = tmp_path_factory.mktemp("edits")
    if POSTGRES_URL:
        server = make_url(POSTGRES_URL)
        name = f"{server.database}_edits"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        admin, url = None, f"sqlite:///{tmp / 'zone.sqlite3'}"
    migrate_to_heads(url, tmp)
    config = {**base_config(url, tmp), "DEMO_PASSWORD": PASSWORD}
    app = create_app(config)
    with app.app_context():
        run_seeders(2026, scale=0.3)
        create_user("admin2@demo.zone", "admin", PASSWORD, name="第二位管理员", locale="en")
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield url, config
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# (name, SQL picking the ids the URL needs, URL, table, column, form field, first value, second value)
EDIT_FORMS = [
    ("platform", "SELECT id FROM platforms ORDER BY id", "/platforms/{0}/edit", "platforms", "name", "name",
     "甲改的平台名称", "乙改的平台名称"),
    ("organisation", "SELECT id FROM organisations WHERE kind = 'startup' ORDER BY id", "/organisations/{0}/edit",
     "organisations", "name", "name", "甲改的公司名称", "乙改的公司名称"),
    ("space unit", "SELECT id, platform_id FROM space_units ORDER BY id", "/platforms/{1}/units/{0}/edit",
     "space_units", "name", "name", "甲改的单元", "乙改的单元"),
    ("tenancy end", "SELECT id, platform_id FROM tenancies ORDER BY id",
     "/platforms/{1}/tenancies/{0}/end", "tenancies", "ends_on", "ends_on", "2026-06-30", "2026-07-31"),
    ("expert", "SELECT id FROM experts ORDER BY id", "/experts/{0}/edit", "experts", "name", "name",
     "甲改的专家", "乙改的专家"),
    ("residency", "SELECT id, platform_id FROM residencies ORDER BY id", "/platforms/{1}/residencies/{0}/edit",
     "residencies", "agreement_no", "agreement_no", "JIA-1", "YI-2"),
    ("partnership agreement", "SELECT id FROM partnerships ORDER BY id", "/partnerships/{0}/edit",
     "partnerships", "title", "title", "甲改的协议标题", "乙改的协议标题"),
    ("institution", "SELECT DISTINCT partner_id FROM partnerships ORDER BY partner_id",
     "/partnerships/institutions/{0}/edit", "organisations", "name", "name", "甲改的院校", "乙改的院校"),
    ("incentive policy", "SELECT id FROM incentive_policies WHERE status = 'open' ORDER BY id",
     "/incentives/{0}/edit", "incentive_policies", "name", "name", "甲改的政策", "乙改的政策"),
    ("bookable resource", "SELECT id FROM booking_resources ORDER BY id", "/bookings/resources/{0}/edit",
     "booking_resources", "name", "name", "甲改的资源", "乙改的资源"),
    ("compliance rule set", "SELECT id FROM compliance_rule_sets ORDER BY id", "/compliance/rule-sets/{0}",
     "compliance_rule_sets", "name_en", "name_en", "Changed by A", "Changed by B"),
    ("platform annual facts", "SELECT id, platform_id, year FROM platform_annual_facts ORDER BY id",
     "/compliance/platforms/{1}/facts/{2}", "platform_annual_facts", "mentors", "mentors", "71", "72"),
    ("target grid", "SELECT id, year FROM targets WHERE scope = 'ZONE' AND indicator = 'EMPLOYEES' ORDER BY year",
     "/outcomes/targets?year={1}&scope=ZONE", "targets", "value_scaled", "EMPLOYEES", "4731", "4732"),
]
STORED_AS = {"target grid": lambda value: str(int(value) * 10_000)}  # targets keep value × 10,000


def _logged_in_client(app, email: str):
    from tests.conftest import AuthActions

    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


@pytest.mark.parametrize("case", EDIT_FORMS, ids=[case[0] for case in EDIT_FORMS])
def test_two_people_editing_the_same_record_the_second_gets_a_conflict_and_the_first_change_stays(
        seeded_zone, tmp_path, case):
    name, pick, path, table, column, field, first_value, second_value = case
    url, config = seeded_zone
    app = create_app({**config, "UPLOAD_FOLDER": str(tmp_path / "uploads"), "MAIL_OUTBOX": str(tmp_path / "mail")})
    with app.app_context():
        ids = db.session.execute(text(pick)).first()
        assert ids is not None, f"the seed has no {name}"
        db.session.rollback()
        path = path.format(*ids)
        first, second = _logged_in_client(app, "admin@demo.zone"), _logged_in_client(app, "admin2@demo.zone")

        # both open the edit form: it carries the version it was opened at
        forms = []
        for client in (first, second):
            response = client.get(path)
            assert response.status_code == 200, (name, path)
            fields = form_fields(response.get_data(as_text=True), having=field)
            assert fields.get("version"), f"the {name} edit form has no version field"
            forms.append(fields)

        saved = first.post(path, data={**forms[0], field: first_value})
        assert saved.status_code == 302, (name, re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>([^<]+)',
                                                           saved.get_data(as_text=True)))
        late = second.post(path, data={**forms[1], field: second_value})
        page = late.get_data(as_text=True)
        assert late.status_code in (200, 409), name
        assert CONFLICT in page, name
        assert second_value in page, f"{name}: the second person's input is not kept"

        record_id = ids[0]
        stored = db.session.execute(text(f'SELECT "{column}" FROM "{table}" WHERE id = :id'), {"id": record_id}).scalar()
        stored_as = STORED_AS.get(name, str)
        assert str(stored) == stored_as(first_value), f"{name}: the first change was overwritten"

        # having seen the current values (the page opened again), the second person can save deliberately
        fresh = form_fields(second.get(path).get_data(as_text=True), having=field)
        again = second.post(path, data={**fresh, field: second_value})
        assert again.status_code == 302, name
        db.session.rollback()
        stored = db.session.execute(text(f'SELECT "{column}" FROM "{table}" WHERE id = :id'), {"id": record_id}).scalar()
        assert str(stored) == stored_as(second_value)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.own_app
def test_a_change_racing_past_the_version_check_answers_409_not_500(app, client):
    """The UPDATE's own version condition catches what slips between the form's check and the write
    (PostgreSQL, two requests at the same instant): a conflict page, nothing half-saved."""
    from sqlalchemy.orm.exc import StaleDataError

    app.config["RENDER_SERVER_ERRORS"] = True

    @app.route("/_probe/stale")
    def stale_probe():
        raise StaleDataError("UPDATE statement on table 'platforms' expected to update 1 row(s); 0 were matched.")

    response = client.get("/_probe/stale")
    assert response.status_code == 409
    assert "他人在同一时刻修改了这条记录" in response.get_data(as_text=True)  # (logged out: the default Chinese)
