"""Fixtures of the organisations tests."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(app):
    """Messages raised outside a request are read in English here (the zone's default is Chinese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
