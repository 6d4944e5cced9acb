"""Language and time zone of each request: the user's choice, then the session's, then Accept-Language."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Flask-Babel's locale selector (outside a request — commands, imports — the zone's default)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = supported_languages()
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["ZONE_TIMEZONE"]


def current_language() -> str:
    """``zh`` or ``en`` for the current request."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]).split("_")[0]


def zone_name(lang: str | None = None) -> str:
    lang = lang or current_language()
    return current_app.config["ZONE_NAME_ZH" if lang == "zh" else "ZONE_NAME_EN"]


def localized(zh: str | None, en: str | None, lang: str | None = None) -> str:
    """Pick the text of the current language from a zh/en pair, falling back to the other."""
    lang = lang or current_language()
    return (zh or en or "") if lang == "zh" else (en or zh or "")
