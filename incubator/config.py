"""Configuration defaults; ``instance/config.py`` and ``INCUBATOR_*`` environment variables override them."""
from __future__ import annotations

import os


class DefaultConfig:
    """Settings every deployment starts from; development-friendly, production hardens them."""

    ENV_NAME = "development"  # development | production | testing
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # defaults to instance/incubator.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 30_000

    ZONE_NAME_ZH = "示范开发区"
    ZONE_NAME_EN = "Demonstration Development Zone"
    ZONE_TIMEZONE = "Asia/Shanghai"
    # PostgreSQL row-level security on the zoned tables (0022_zones): each transaction names the user's zones.
    # On when the app connects as a role that does not own the tables (README, "Zones and regions").
    ZONE_ROW_SECURITY = False

    LANGUAGES = ("zh", "en")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"

    # Sessions live in the database; these bound them.
    SESSION_IDLE_MINUTES = 60
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_NAME = "incubator_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False

    # Login throttling: a short delay per failure, then a lock for a while.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    LOGIN_FAILURE_DELAY_SECONDS = 0.5
    PASSWORD_MIN_LENGTH = 10
    # "asvs": length and a shipped list of common passwords, no composition rules (OWASP ASVS 5.0);
    # "dengbao": at least 8 characters, three of upper/lower/digit/symbol, not the account name (等保 2.0).
    PASSWORD_PROFILE = "asvs"
    PASSWORD_RESET_HOURS = 2
    REGISTRATION_LINK_HOURS = 48  # how long a founder's activation link stays valid

    # Request size limits: small for forms, larger where an endpoint accepts files.
    MAX_CONTENT_LENGTH = 512 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    IMPORT_MAX_BYTES = 64 * 1024 * 1024
    # The body of an upload request may reach this many times its file limit (several files, or one too
    # big that is read, dropped and reported on the form again); above it the plain 413 page.
    UPLOAD_BODY_FACTOR = 4
    # An import workbook (a zip) is refused before it is parsed when its parts unpack to more than this
    # (an honest 30 MB workbook unpacks to about 200 MB; a reader holds several times the sheet's XML) ...
    IMPORT_MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
    # ... or shrink by more than this ratio (zip bombs: a 0.5 MB file holding 140 MB of XML is 280).
    IMPORT_MAX_COMPRESSION_RATIO = 100
    UPLOAD_FOLDER: str | None = None  # defaults to instance/uploads

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "primary"

    # Notifications: channels by name; "email" writes to MAIL_OUTBOX unless MAIL_SERVER is set.
    NOTIFICATION_CHANNELS = ("in_app", "email")
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "incubator@localhost"
    MAIL_OUTBOX: str | None = None  # defaults to instance/mail
    PUBLIC_URL = "http://127.0.0.1:5000"  # links in e-mails sent outside a request (commands, imports)

    PAGE_SIZE = 25
    REQUIRE_ADMIN_MFA = False
    # The Fernet keys that seal two-step secrets, newest first: the first seals, all unseal (rotation:
    # add a new key first, `flask mfa reseal`, then drop the old one). Separate from SECRET_KEY on purpose.
    # A list, or one text of keys separated by commas (INCUBATOR_MFA_ENCRYPTION_KEYS); required in
    # production, development keeps a random one in instance/mfa_keys.
    MFA_ENCRYPTION_KEYS: list[str] = []

    # Background jobs: RQ on Redis when REDIS_URL is set, else in-process right after the request's commit.
    REDIS_URL: str | None = None
    JOB_QUEUE_NAME = "incubator"
    JOB_RESULT_DAYS = 7  # finished and failed jobs (and their result files) are deleted after this
    JOB_STALE_SECONDS = 300  # a running job without a heartbeat for this long lost its worker
    JOB_MAX_ATTEMPTS = 2  # a job whose worker died is queued again until it has run this many times
    JOB_HEARTBEAT_SECONDS = 30
    JOB_TIMEOUT_SECONDS = 6 * 3600  # RQ stops a job running longer than this
    JOB_IN_PROCESS_THREAD = True  # without Redis: run a request's jobs in a thread after its response
    SCHEDULE_INTERVAL_SECONDS = 300  # how often `worker --with-scheduler` runs what is due
    IMPORT_JOB_MIN_BYTES = 256 * 1024  # larger uploads are imported as a job with a progress page
    NOTIFY_JOB_MIN_USERS = 50  # a page's notification to more users than this is sent as a job
    REMINDER_DAYS_BEFORE = (10, 3, 1)  # report deadline reminders to companies that have not submitted
    BACKUP_FOLDER: str | None = None  # nightly backups go here when set
    BACKUP_KEEP = 14


class ProductionConfig(DefaultConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REQUIRE_ADMIN_MFA = True


class TestingConfig(DefaultConfig):
    ENV_NAME = "testing"
    TESTING = True
    LOGIN_FAILURE_DELAY_SECONDS = 0
    JOB_IN_PROCESS_THREAD = False  # a test knows a job's end when its request returns
    SECRET_KEY = "test-secret-key-not-for-production"
    MFA_ENCRYPTION_KEYS = ["2Kl0624VSKCNUvWR7RDQYIJqTzSmjozgxCT1HxIU65c="]  # test-only, not for production


def config_class_for(env_name: str | None) -> type[DefaultConfig]:
    """The settings class named by ``INCUBATOR_ENV`` (development, production or testing)."""
    return {
        "production": ProductionConfig,
        "testing": TestingConfig,
    }.get((env_name or "").lower(), DefaultConfig)


def environment_overrides() -> dict:
    """``DATABASE_URL`` and ``SECRET_KEY`` come from the environment without the prefix."""
    overrides = {}
    if os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        overrides["REDIS_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return overrides
