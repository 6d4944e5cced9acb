"""Area conftests that test service-level texts turn this into an autouse fixture:
``_english_messages = pytest.fixture(autouse=True, name="_english_messages")(english_messages)``."""
from __future__ import annotations


def english_messages(request):
    """Messages raised outside a request read in English (the web pages follow the user's language);
    tests without an app are left alone."""
    if "app" not in request.fixturenames:
        yield
        return
    from flask_babel import force_locale

    request.getfixturevalue("app")
    with force_locale("en"):
        yield
