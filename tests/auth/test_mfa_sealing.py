"""The two-step secrets at rest: sealed by Fernet under ``MFA_ENCRYPTION_KEYS`` (not ``SECRET_KEY``), an
enrolment made under the former hand-written sealing still logging in and being re-sealed, key rotation
with ``flask mfa reseal``, and the setting's checks at start."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from incubator import clock, create_app
from incubator.auth import totp
from incubator.auth.models import User
from incubator.extensions import db

from ..conftest import PASSWORD, TEST_MFA_KEY

T0 = datetime(2026, 5, 4, 1, 0, 0, tzinfo=timezone.utc)
# What the sealing before Fernet stored for this secret with the tests' SECRET_KEY ("test-secret"), made
# by that code: an enrolment from before the change.
LEGACY_PLAIN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LEGACY_SEALED = ("v1$CrAYKueej-jTsfe4bSyJpLjR8x_3q_7UYa2TtPdiCzETksX98Yu2QmiCwKICNQ0UH5x0js5E0SA6YBtL5yUrYEnLb"
                 "Vd0PW1o9XSbCo1afwE=")
NEW_KEY = "wRfmK3KqjFh0Ez7u7C3g1vKQn0pYw0mI8b2sXo4JcTQ="  # a fixed second key, for repeatable tests


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def enrolled_user(make_user, email: str, sealed: str) -> User:
    """A manager whose two-step verification was switched on with the secret ``sealed`` as stored."""
    user = make_user("manager", email=email)
    user.totp_secret = sealed
    user.mfa_enabled_at = T0 - timedelta(days=30)
    db.session.commit()
    return user


def logs_in(app, user: User, seconds: float) -> bool:
    """Password, then the authenticator's code at ``T0 + seconds``: True when the login completes."""
    at(seconds)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).headers["Location"] \
        == "/login/verify"
    code = totp.code_at(LEGACY_PLAIN, T0 + timedelta(seconds=seconds))
    response = client.post("/login/verify", data={"code": code})
    return response.status_code == 302 and response.headers["Location"] == "/home"


def stored_secret(user: User) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.totp_secret).where(User.id == user.id))


def test_an_enrolment_made_before_fernet_logs_in_and_is_resealed_then_survives_a_key_rotation(app, make_user):
    user = enrolled_user(make_user, "legacy.mfa@example.cn", LEGACY_SEALED)

    assert logs_in(app, user, 0)
    resealed = stored_secret(user)
    assert not resealed.startswith("v1$") and LEGACY_PLAIN not in resealed
    assert Fernet(TEST_MFA_KEY).decrypt(resealed.encode()).decode() == LEGACY_PLAIN
    # It no longer hangs on SECRET_KEY.
    app.config["SECRET_KEY"] = "a-new-secret-key"
    assert logs_in(app, user, 30)

    # Rotation: a new key first, the old one still listed; the next use re-seals under the new key.
    app.config["MFA_ENCRYPTION_KEYS"] = [NEW_KEY, TEST_MFA_KEY]
    assert logs_in(app, user, 60)
    assert Fernet(NEW_KEY).decrypt(stored_secret(user).encode()).decode() == LEGACY_PLAIN
    app.config["MFA_ENCRYPTION_KEYS"] = [NEW_KEY]  # the old key retired
    assert logs_in(app, user, 90)


def test_a_used_code_stays_used_across_the_resealing(app, make_user):
    user = enrolled_user(make_user, "replay.mfa@example.cn", LEGACY_SEALED)
    assert logs_in(app, user, 0)
    assert not logs_in(app, user, 0)  # the same step again: refused, re-sealed or not


def test_the_reseal_command_moves_every_secret_to_the_first_key_before_the_old_one_goes(app, make_user):
    legacy = enrolled_user(make_user, "legacy.cli@example.cn", LEGACY_SEALED)
    current = enrolled_user(make_user, "current.cli@example.cn", totp.seal(LEGACY_PLAIN))
    app.config["MFA_ENCRYPTION_KEYS"] = [NEW_KEY, TEST_MFA_KEY]
    fresh = enrolled_user(make_user, "fresh.cli@example.cn", totp.seal(LEGACY_PLAIN))  # already under NEW_KEY
    before_fresh = stored_secret(fresh)

    result = app.test_cli_runner().invoke(args=["mfa", "reseal"])
    assert result.exit_code == 0, result.output
    assert "2 secret(s) re-sealed" in result.output
    assert stored_secret(fresh) == before_fresh
    for user in (legacy, current, fresh):
        assert Fernet(NEW_KEY).decrypt(stored_secret(user).encode()).decode() == LEGACY_PLAIN

    app.config["MFA_ENCRYPTION_KEYS"] = [NEW_KEY]
    for seconds, user in enumerate((legacy, current, fresh)):
        assert logs_in(app, user, 30 * seconds), user.email
    assert app.test_cli_runner().invoke(args=["mfa", "reseal"]).output.startswith("0 secret(s) re-sealed")


def test_the_reseal_command_names_the_secrets_no_key_opens_and_fails(app, make_user):
    lost = enrolled_user(make_user, "lost.cli@example.cn", totp.seal(LEGACY_PLAIN))
    app.config["MFA_ENCRYPTION_KEYS"] = [NEW_KEY]  # the key it was sealed with dropped too soon
    result = app.test_cli_runner().invoke(args=["mfa", "reseal"])
    assert result.exit_code == 1
    assert f"user ids {lost.id}" in result.output
    assert not logs_in(app, lost, 0)  # refused with the usual message, not a server error


def test_new_key_prints_a_usable_fernet_key(app):
    result = app.test_cli_runner().invoke(args=["mfa", "new-key"])
    key = result.output.strip()
    assert result.exit_code == 0 and Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


# --- the setting ---------------------------------------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("INCUBATOR_") or name in ("SECRET_KEY", "DATABASE_URL"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_production_refuses_to_start_without_the_keys(clean_env, tmp_path):
    clean_env.setenv("INCUBATOR_ENV", "production")
    clean_env.setenv("SECRET_KEY", "a-real-secret")
    with pytest.raises(RuntimeError, match="MFA_ENCRYPTION_KEYS"):
        create_app(instance_path=str(tmp_path / "instance"))
    clean_env.setenv("INCUBATOR_MFA_ENCRYPTION_KEYS", f"{NEW_KEY}, {TEST_MFA_KEY}")
    app = create_app(instance_path=str(tmp_path / "instance"))
    assert app.config["MFA_ENCRYPTION_KEYS"] == [NEW_KEY, TEST_MFA_KEY]


def test_a_key_that_is_not_a_fernet_key_stops_the_start(clean_env, tmp_path):
    with pytest.raises(ValueError, match="key 2 is not a Fernet key"):
        create_app({"ENV_NAME": "testing", "MFA_ENCRYPTION_KEYS": [NEW_KEY, "too-short"]},
                   instance_path=str(tmp_path / "instance"))


def test_development_keeps_one_random_key_in_the_instance_folder(clean_env, tmp_path):
    first = create_app({"ENV_NAME": "development"}, instance_path=str(tmp_path / "instance"))
    second = create_app({"ENV_NAME": "development"}, instance_path=str(tmp_path / "instance"))
    assert first.config["MFA_ENCRYPTION_KEYS"] == second.config["MFA_ENCRYPTION_KEYS"]
    assert len(first.config["MFA_ENCRYPTION_KEYS"]) == 1
    assert first.config["MFA_ENCRYPTION_KEYS"][0] != first.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "mfa_keys").stat().st_mode & 0o077 == 0
