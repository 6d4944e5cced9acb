"""PostgreSQL row-level security (issue 22, the second wall): connected as a role that owns nothing, a query
that forgot the scope helpers shows only the rows of the zones the transaction names; unset, nothing. The
owner and superusers (the test run, migrations) are not what it guards against; SET ROLE plays the app's role."""
from __future__ import annotations

import pytest
from flask import jsonify
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from incubator.extensions import db
from incubator.platforms.models import Platform
from tests.conftest import POSTGRES_URL, AuthActions
from tests.zones.test_zones import two_zones

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="row-level security is PostgreSQL's (TEST_DATABASE_URL)")

APP_ROLE = f"{make_url(POSTGRES_URL).database}_app" if POSTGRES_URL else ""


@pytest.fixture(scope="module")
def app_role():
    """A role that owns nothing and may read and write every table, as the app's login role in production."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}):
            connection.execute(text(f'CREATE ROLE "{APP_ROLE}" NOLOGIN NOSUPERUSER NOBYPASSRLS'))
    yield APP_ROLE
    with engine.connect() as connection:
        connection.execute(text(f'DROP OWNED BY "{APP_ROLE}"'))
        connection.execute(text(f'DROP ROLE "{APP_ROLE}"'))
    engine.dispose()


@pytest.fixture
def config_overrides():
    return {"ZONE_ROW_SECURITY": True}


def grant(role: str) -> None:
    db.session.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
    db.session.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
    db.session.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    db.session.commit()


def platform_codes(connection, setting: str | None) -> list[str]:
    with connection.begin():
        connection.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
        if setting is not None:
            connection.execute(text("SELECT set_config('incubator.zone_ids', :value, true)"), {"value": setting})
        return connection.scalars(text("SELECT code FROM platforms ORDER BY code")).all()


def test_the_database_shows_a_forgetful_query_only_the_named_zones_rows(app, make_user, app_role):
    grant(app_role)
    w = two_zones(make_user)
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            assert platform_codes(connection, None) == []  # unset: nothing
            assert platform_codes(connection, str(w["a"].id)) == ["PA"]
            assert platform_codes(connection, str(w["b"].id)) == ["PB"]
            assert platform_codes(connection, f"{w['a'].id},{w['b'].id}") == ["PA", "PB"]
            assert platform_codes(connection, "all") == ["PA", "PB"]
            with pytest.raises(ProgrammingError, match="row-level security"):  # nor write into another zone
                with connection.begin():
                    connection.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
                    connection.execute(text("SELECT set_config('incubator.zone_ids', :value, true)"),
                                       {"value": str(w["a"].id)})
                    connection.execute(text("UPDATE platforms SET zone_id = :b WHERE code = 'PA'"), {"b": w["b"].id})
    finally:
        engine.dispose()


def test_each_request_names_its_users_zones(app, make_user, app_role):
    grant(app_role)

    def forgotten_filter():  # a view that forgot the scope helpers
        return jsonify(db.session.scalars(select(Platform.code).order_by(Platform.code)).all())

    app.add_url_rule("/test-forgotten-filter", "test_forgotten_filter", forgotten_filter)
    w = two_zones(make_user)
    emails = {name: w[name].email for name in ("admin_a", "admin_b", "staff")}

    @event.listens_for(db.engine, "connect")
    def _as_app_role(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{APP_ROLE}"')
        dbapi_connection.commit()

    db.session.remove()
    db.engine.dispose()  # the next connections are the app role's
    seen = {}
    for name, email in emails.items():
        client = app.test_client()
        assert AuthActions(client).login(email).status_code == 302
        seen[name] = client.get("/test-forgotten-filter").get_json()
    assert seen == {"admin_a": ["PA"], "admin_b": ["PB"], "staff": ["PA", "PB"]}
    anonymous = app.test_client().get("/test-forgotten-filter").get_json()
    assert anonymous == ["PA", "PB"]  # no zone: the helpers scope what anonymous pages show
    event.remove(db.engine, "connect", _as_app_role)
    db.session.remove()
    db.engine.dispose()
