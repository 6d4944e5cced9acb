"""Account tests read English pages unless a test asks for Chinese."""
import pytest


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
