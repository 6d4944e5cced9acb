"""Settings are layered: defaults, then instance/config.py, then INCUBATOR_* variables; two unprefixed ones."""
from __future__ import annotations

import pytest

from incubator import create_app


@pytest.fixture
def clean_env(monkeypatch):
    """No variable of the developer's shell leaks into these tests."""
    for name in ("DATABASE_URL", "SECRET_KEY", "INCUBATOR_ENV", "INCUBATOR_INSTANCE_PATH"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("INCUBATOR_"):
            monkeypatch.delenv(name)
    return monkeypatch


def make_app(tmp_path, config=None):
    return create_app({"ENV_NAME": "testing", **(config or {})}, instance_path=str(tmp_path / "instance"))


def test_defaults_apply_without_any_override(clean_env, tmp_path):
    app = make_app(tmp_path)
    assert app.config["SESSION_IDLE_MINUTES"] == 60
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    assert app.config["ZONE_TIMEZONE"] == "Asia/Shanghai"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'incubator.sqlite3'}"
    assert app.config["MAIL_OUTBOX"] == str(tmp_path / "instance" / "mail")
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "instance" / "uploads")


def test_instance_config_overrides_defaults_and_environment_overrides_instance(clean_env, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("SESSION_IDLE_MINUTES = 30\nLOGIN_MAX_FAILURES = 7\nPAGE_SIZE = 10\n")
    clean_env.setenv("INCUBATOR_LOGIN_MAX_FAILURES", "9")
    clean_env.setenv("INCUBATOR_ZONE_NAME_EN", "Riverside Zone")
    app = make_app(tmp_path)
    assert app.config["SESSION_IDLE_MINUTES"] == 30          # instance/config.py over the default
    assert app.config["PAGE_SIZE"] == 10
    assert app.config["LOGIN_MAX_FAILURES"] == 9             # environment over instance/config.py
    assert app.config["ZONE_NAME_EN"] == "Riverside Zone"    # not JSON: kept as text


def test_database_url_and_secret_key_come_from_unprefixed_environment(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    app = make_app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_environment_chooses_production_settings(clean_env, tmp_path):
    clean_env.setenv("INCUBATOR_ENV", "production")
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    clean_env.setenv("INCUBATOR_MFA_ENCRYPTION_KEYS", "X2IEysX9fP-qa9y6UCJOEn2YunVkIrxl2v1iOMhuk40=")
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_secret_key(clean_env, tmp_path):
    clean_env.setenv("INCUBATOR_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(instance_path=str(tmp_path / "instance"))


def test_development_keeps_one_random_secret_key_in_the_instance_folder(clean_env, tmp_path):
    first = create_app({"ENV_NAME": "development"}, instance_path=str(tmp_path / "instance"))
    second = create_app({"ENV_NAME": "development"}, instance_path=str(tmp_path / "instance"))
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_instance_path_may_come_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("INCUBATOR_INSTANCE_PATH", str(tmp_path / "inst2"))
    app = create_app({"ENV_NAME": "testing"})
    assert app.instance_path == str(tmp_path / "inst2")
    assert (tmp_path / "inst2").is_dir()
