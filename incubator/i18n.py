"""Language and time zone of each request: the user's choice, then the session's, then Accept-Language."""
from __future__ import annotations

from contextlib import contextmanager

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
    """The zone's name in ``lang``: the acting user's zone's (or region's) own, the settings' for the first zone."""
    from .zones.services import acting_tenant_name

    lang = lang or current_language()
    return acting_tenant_name(lang) or current_app.config["ZONE_NAME_ZH" if lang == "zh" else "ZONE_NAME_EN"]


def localized(zh: str | None, en: str | None, lang: str | None = None) -> str:
    """Pick the text of the current language from a zh/en pair, falling back to the other."""
    lang = lang or current_language()
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def install_area_domains(app) -> None:
    """Each area's pages read their own catalogue first, so a word two areas translate differently
    (say "Reject": 不予入孵 for applications, 不予支持 for incentive claims) reads right in both."""
    from pathlib import Path

    from flask import g
    from flask_babel import Domain

    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    domains: dict[str, Domain] = {}
    for directory in directories:
        area = Path(directory).parent.name
        if Path(directory).parent == Path(app.root_path):
            continue  # the core catalogue: the default domain already ends with it
        domains[area] = Domain(translation_directories=[d for d in directories if d != directory] + [directory])

    app.extensions["area_domains"] = domains

    @app.before_request
    def _use_area_catalogue():
        blueprint = app.blueprints.get(request.blueprint or "")
        if blueprint is None:
            return
        domain = domains.get(blueprint.import_name.split(".")[1] if "." in blueprint.import_name else "")
        if domain is not None and g:
            domain.as_default()


@contextmanager
def area_catalogue(area: str):
    """Translate with ``area``'s catalogue first outside its pages (exports, commands)."""
    from flask import g
    from flask_babel import get_domain

    domain = current_app.extensions.get("area_domains", {}).get(area)
    if domain is None or not g:
        yield
        return
    previous = get_domain()
    domain.as_default()
    try:
        yield
    finally:
        previous.as_default()
