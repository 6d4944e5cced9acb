"""Shared fixtures: a migrated database per test (SQLite file copy or PostgreSQL truncate), app, client,
user factory, login helper, query counter, clock, live server and a real headless Chromium."""
from __future__ import annotations

import contextvars
import io
import json
import logging
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from incubator import clock, create_app
from incubator.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
PASSWORD = "correct-horse-battery"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


TEST_MFA_KEY = "X2IEysX9fP-qa9y6UCJOEn2YunVkIrxl2v1iOMhuk40="  # seals two-step secrets in tests only


def base_config(url: str, tmp: Path) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "MFA_ENCRYPTION_KEYS": [TEST_MFA_KEY],
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_FAILURE_DELAY_SECONDS": 0,
        "MAIL_OUTBOX": str(tmp / "mail"),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "SERVER_NAME": None,
    }


def migrate_to_heads(url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(url, tmp))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Migrate once per session: the schema comes only from the migrations, as in production."""
    tmp = tmp_path_factory.mktemp("db")
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate_to_heads(POSTGRES_URL, tmp)
        return POSTGRES_URL
    template = tmp / "template.sqlite3"
    migrate_to_heads(f"sqlite:///{template}", tmp)
    return template


def restore_first_zone(connection) -> None:
    """Put back the one zone the migrations make (0022_zones), as the next test expects to find it, after a
    PostgreSQL clean-up emptied the zones table."""
    from incubator.zones.models import FIRST_ZONE

    connection.execute(text("INSERT INTO zones (code, name_zh, name_en, created_at) "
                            "VALUES (:code, :name_zh, :name_en, now() AT TIME ZONE 'utc')"), FIRST_ZONE)


# Tables written during the current test: on PostgreSQL only those are emptied afterwards, a lot
# faster than truncating the whole schema after every test.
_written_tables: set[str] = set()
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?', re.I)


@event.listens_for(Engine, "before_cursor_execute")
def _note_written_table(_conn, _cursor, statement, _params, _context, _many):
    match = _WRITE.match(statement)
    if match:
        _written_tables.add(match.group(1).lower())


class PostgresCleaner:
    """Empties, after a test, the tables it wrote and restarts their ids at 1. The schema does not change
    during a session (migration tests use scratch databases), so its tables and their sequences are read
    once, and the whole cleaning is one round trip."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        with self.engine.connect() as connection:
            self.tables = set(connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalars())
            self.sequences: dict[str, list[str]] = {}
            for table, sequence in connection.execute(text(
                "SELECT t.relname, s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
                "JOIN pg_class t ON d.refobjid = t.oid WHERE s.relkind = 'S' ORDER BY t.relname, s.relname"
            )):
                self.sequences.setdefault(table, []).append(sequence)

    def clean(self, written: set[str]) -> None:
        names = sorted(self.tables & written)
        if not names:
            return
        # DELETE is much cheaper than TRUNCATE on small tables; as replica, triggers (foreign keys, the audit
        # trail's append-only guard) stay quiet. setval(…, 1, false) is ALTER SEQUENCE … RESTART without
        # the catalogue change. No parameters: psycopg sends the statements as one simple query.
        sequences = [sequence for name in names for sequence in self.sequences.get(name, ())]
        statements = ["SET LOCAL session_replication_role = replica",
                      *(f'DELETE FROM "{name}"' for name in names)]
        if sequences:
            statements.append("SELECT " + ", ".join(f"setval('\"{sequence}\"', 1, false)" for sequence in sequences))
        with self.engine.begin() as connection:
            connection.connection.driver_connection.execute("; ".join(statements))
            if "zones" in names:
                restore_first_zone(connection)

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def _cleaning_engine(migrated_database):
    cleaner = PostgresCleaner(POSTGRES_URL) if POSTGRES_URL else None
    yield cleaner
    if cleaner is not None:
        cleaner.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path, _cleaning_engine):
    if POSTGRES_URL:
        _written_tables.clear()
        yield POSTGRES_URL
        written = set(_written_tables)
        _written_tables.clear()
        _cleaning_engine.clean(written)
        _written_tables.clear()
        return
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(migrated_database, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def config_overrides():
    """Override in a test module (or with ``@pytest.mark.parametrize``) to change settings."""
    return {}


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context, as in production.

    The test body works in the ``app`` fixture's context; without this, requests would reuse it and
    share ``g`` (Flask-Login's cached user!) and the database session with the test and with each
    other. Before a request the test's pending changes are committed (the request sees them); after
    it the test's session ends its transaction, so the test reads what the request committed.
    ``with client:`` (preserved contexts) keeps Flask's behaviour.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context or not has_app_context() or current_app._get_current_object() is not self.application:
            return super().open(*args, **kwargs)
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.commit()


# On SQLite every test has its own database file, while the shared app's engine has one URL: a
# "do_connect" listener (public SQLAlchemy event) opens the current test's file instead.
_current_sqlite_file: list[str] = []


def _open_current_sqlite_file(_dialect, _record, cargs, _cparams):
    if _current_sqlite_file:
        cargs[0] = _current_sqlite_file[0]


@pytest.fixture(scope="session")
def _shared_app(migrated_database, tmp_path_factory):
    """One app for the session (building one takes ~70 ms: Werkzeug compiles every URL rule). Each test gets
    its own database, mail and upload folders and a fresh copy of the settings (see ``app``)."""
    tmp = tmp_path_factory.mktemp("shared-app")
    url = POSTGRES_URL or f"sqlite:///{tmp / 'unused.sqlite3'}"
    shared = create_app(base_config(url, tmp))
    shared.test_client_class = IsolatedClient
    if not POSTGRES_URL:
        with shared.app_context():
            event.listen(db.engine, "do_connect", _open_current_sqlite_file)
    return shared


def _needs_own_app(request, config_overrides) -> bool:
    """Settings read while the app is built, or routes added by the test, need an app of the test's own."""
    return bool(config_overrides) or request.node.get_closest_marker("own_app") is not None


@pytest.fixture
def app(request, database_url, tmp_path, config_overrides):
    """The app, in an application context, on the test's own database.

    Tests share one app unless they override settings (``config_overrides``) or are marked ``own_app``
    (they add routes); either way ``app.config`` changes made by a test end with it."""
    settings = base_config(database_url, tmp_path)
    if _needs_own_app(request, config_overrides):
        app = create_app({**settings, **config_overrides})
        app.test_client_class = IsolatedClient
        saved_config = dict(app.config)
        keeps_connections = False
    else:
        app = request.getfixturevalue("_shared_app")
        saved_config = dict(app.config)
        app.config.update(settings)
        # The shared app keeps its PostgreSQL connections from test to test (always the same database; the
        # pool rolls a returned connection back): a new one costs a server process. SQLite files change per test.
        keeps_connections = bool(POSTGRES_URL)
    if not POSTGRES_URL:
        _current_sqlite_file[:] = [database_url.removeprefix("sqlite:///")]
    try:
        with app.app_context():
            yield app
            db.session.remove()
            if not keeps_connections:
                db.engine.dispose()
    finally:
        _current_sqlite_file.clear()
        app.config.clear()
        app.config.update(saved_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def _reset_clock():
    yield
    clock.freeze(None)


@pytest.fixture
def make_user(app):
    """Create a user (committed): ``make_user("manager", email=...)``."""
    from incubator.auth.services import create_user

    counter = {"n": 0}

    def factory(role: str = "admin", email: str | None = None, password: str = PASSWORD, **values):
        counter["n"] += 1
        user = create_user(email or f"{role}{counter['n']}@example.cn", role, password,
                           name=values.pop("name", None), locale=values.pop("locale", "en"))
        for key, value in values.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app, make_user):
    """A client logged in as a new user of ``role`` (each call gets its own client)."""

    def factory(role: str = "admin", **values):
        user = make_user(role, **values)
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, "login failed in fixture"
        return client, user

    return factory


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` counts the SQL statements sent (BEGIN excluded)."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before_execute(_conn, _cursor, statement, _params, _context, _many):
            if not re.match(r"\s*(BEGIN|SAVEPOINT|RELEASE|ROLLBACK)", statement, re.I):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before_execute)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before_execute)

    return counting


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


# --- live server and browser --------------------------------------------------------------------

@pytest.fixture
def live_server(database_url, tmp_path):
    """The app served on a random loopback port in a thread (CSRF on, as in production)."""
    from werkzeug.serving import make_server

    config = {**base_config(database_url, tmp_path), "WTF_CSRF_ENABLED": True}
    server_app = create_app(config)
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_app.url = f"http://127.0.0.1:{server.server_port}"
    yield server_app
    server.shutdown()
    with server_app.app_context():
        db.engine.dispose()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: the test command installs Debian's chromium")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: a loaded CI machine is slow, a passing test is not
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        except Exception:  # the page may already be gone; the test's own error matters more
            pass
    context.close()


@pytest.fixture
def log_lines(app):
    """The app's log records written during the test, as the JSON objects the production log holds."""
    from incubator.operations.logs import JSONFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    app.logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    app.logger.removeHandler(handler)
