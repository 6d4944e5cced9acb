"""Personal API tokens: made on My account (shown once), revoked, expired, from the CLI; failures logged."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from incubator import clock
from incubator.api.models import ApiToken
from incubator.api.tokens import create_token, hash_token
from incubator.extensions import db
from tests.conftest import AuthActions


def test_a_user_creates_a_token_sees_it_once_and_only_its_hash_is_stored(app, login_as, api_get):
    client, user = login_as("manager")
    page = client.post("/account/api-tokens", data={"name": "Province sync", "days": 30, "area": ""})
    assert page.status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.name == "Province sync" and row.expires_at - row.created_at == timedelta(days=30)
    token = page.get_data(as_text=True).split('id="new-token">', 1)[1].split("<", 1)[0]
    assert row.token_hash == hash_token(token) and token not in {row.token_hash, row.prefix}
    assert token not in client.get("/account/api-tokens").get_data(as_text=True)  # shown once
    assert row.last_used_at is None
    assert api_get(token, "/api/v1/platforms").status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None


def test_the_default_lifetime_is_a_year_and_a_name_is_required(app, login_as):
    client, user = login_as("startup")
    assert client.post("/account/api-tokens", data={"name": "", "days": 365}).status_code == 400
    row, _token = create_token(user, "year")
    assert row.expires_at - row.created_at == timedelta(days=365)


def test_revoked_and_expired_tokens_are_refused(app, api_zone, api_get):
    token = api_zone.tokens["manager"]
    assert api_get(token, "/api/v1/platforms").status_code == 200
    client = app.test_client()
    AuthActions(client).login(api_zone.users["manager"])
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert client.post(f"/account/api-tokens/{row.id}/revoke").status_code == 302
    refused = api_get(token, "/api/v1/platforms")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"

    short, expiring = create_token(api_zone.users["founder"], "short", days=1)
    db.session.commit()
    assert api_get(expiring, "/api/v1/organisations").status_code == 200
    clock.freeze(clock.utcnow() + timedelta(days=1, seconds=1))
    assert api_get(expiring, "/api/v1/organisations").status_code == 401


def test_others_cannot_revoke_a_token_but_an_admin_lists_and_revokes_any(app, api_zone, api_get):
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(api_zone.tokens["founder"])))
    intruder = app.test_client()
    AuthActions(intruder).login(api_zone.users["founder_b"])
    assert intruder.post(f"/account/api-tokens/{row.id}/revoke").status_code == 404
    assert api_get(api_zone.tokens["founder"], "/api/v1/organisations").status_code == 200
    admin = app.test_client()
    AuthActions(admin).login(api_zone.users["admin"])
    listing = admin.get("/account/api-tokens").get_data(as_text=True)
    assert api_zone.users["founder"].email in listing
    assert admin.post(f"/account/api-tokens/{row.id}/revoke").status_code == 302
    assert api_get(api_zone.tokens["founder"], "/api/v1/organisations").status_code == 401


def test_an_admin_without_two_step_verification_gets_no_token_where_it_is_required(app, make_user, runner):
    app.config["REQUIRE_ADMIN_MFA"] = True
    admin = make_user("admin", email="boss@example.cn")
    result = runner.invoke(args=["create-api-token", "boss@example.cn", "--name", "x"])
    assert result.exit_code != 0 and "two-step" in result.output
    assert db.session.scalar(select(ApiToken)) is None
    app.config["REQUIRE_ADMIN_MFA"] = False
    _row, token = create_token(admin, "before the rule")
    db.session.commit()
    app.config["REQUIRE_ADMIN_MFA"] = True
    assert app.test_client().get("/api/v1/platforms", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_command_prints_the_token_alone_on_the_last_line(app, make_user, runner, api_get):
    make_user("partner", email="contact@uni.edu.cn")
    result = runner.invoke(args=["create-api-token", "contact@uni.edu.cn", "--name", "warehouse", "--days", "90"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert api_get(token, "/api/v1/partnerships").status_code == 200
    assert runner.invoke(args=["create-api-token", "nobody@x.cn", "--name", "x"]).exit_code != 0


def test_tokens_only_in_the_bearer_header_and_failures_are_security_events(app, api_zone, api_get, caplog):
    token = api_zone.tokens["admin"]
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="incubator.security"):
        assert client.get("/api/v1/platforms", query_string={"access_token": token}).status_code == 401
        assert client.get("/api/v1/platforms", headers={"Authorization": f"Token {token}"}).status_code == 401
        assert api_get("inc_not-a-token", "/api/v1/platforms").status_code == 401
    events = [record for record in caplog.records if getattr(record, "event", None) == "api_auth_failed"]
    assert [e.reason for e in events] == ["missing", "missing", "invalid"]
    assert all(token not in record.getMessage() for record in caplog.records)
