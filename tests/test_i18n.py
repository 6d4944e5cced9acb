"""Both languages, complete: every string translated, no bare text in templates, every page renders in
Chinese and English for every role, and the language is chosen by the browser, then by the user."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from incubator import catalogs
from incubator.auth.models import User
from incubator.extensions import db

from .conftest import AuthActions
from .crawl import crawlable_urls

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "incubator" / "templates"
ROLES = ("admin", "manager", "reviewer", "startup", "partner")


def test_every_string_of_code_and_templates_has_a_chinese_translation():
    assert catalogs.untranslated("zh") == {}


# --- templates: no visible text outside _() -----------------------------------------------------------

# The language names of the switch, units and file formats (the same in Chinese text).
ALLOWED_WORDS = {"中文", "EN", "English", "KB", "MB", "GB", "CSV", "PDF", "XLSX", "xlsx", "Excel"}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "alt", "data-confirm")  # shown on screen (a tooltip, a dialog)


def bare_text(source: str) -> list[str]:
    """Words of a template that a reader would see but that no _() wraps."""
    text = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    text = re.sub(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.S | re.I)
    found = []
    for tag in re.findall(r"<[^>]*>", text):
        for name, value in re.findall(r'([\w-]+)\s*=\s*"([^"]*)"', tag):
            if name.lower() in VISIBLE_ATTRIBUTES and _has_words(value):
                found.append(f'{name}="{value.strip()}"')
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&#?\w+;", " ", text)
    for chunk in re.split(r"\s{2,}|\n", text):
        if _has_words(chunk):
            found.append(chunk.strip())
    return found


def _has_words(text: str) -> bool:
    for word in re.findall(r"\S+", text):
        if word.strip("()[],.:;·") in ALLOWED_WORDS or re.search(r"\d", word):
            continue  # allowed names, or a code with digits such as 2026Q3
        if any(unicodedata.category(char).startswith("L") for char in word):
            return True
    return False


def test_the_scanner_finds_bare_text_and_ignores_what_is_translated():
    assert bare_text("<p>Hello world</p>") == ["Hello world"]
    assert bare_text('<input placeholder="Search">') == ['placeholder="Search"']
    assert bare_text("<p>你好</p>") == ["你好"]
    assert bare_text('<input placeholder="2026Q3">') == []
    assert bare_text("<p>{{ _('Hello') }} · 12 → {{ x }} ▲ 🔔 &larr;</p>{# note #}{% if a %}{% endif %}") == []
    assert bare_text("<button data-lang='zh'>中文</button><b>EN</b><i>English</i> CSV · Excel (xlsx)") == []
    assert bare_text("{% trans %}Hello {{ name }}{% endtrans %}") == []


def test_templates_have_no_text_outside_translation_calls():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        found = bare_text(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}


# --- every page, every role, both languages ---------------------------------------------------------

@lru_cache(maxsize=1)
def english_phrases() -> frozenset[str]:
    """Source strings of every catalogue, cut at placeholders, 12 characters or more."""
    phrases = set()
    for path in (ROOT / "incubator").rglob("translations/zh/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="zh")
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id in strings or (isinstance(message.id, tuple) and message.id[0] in strings):
                continue  # kept as is on purpose (a name such as "Excel (xlsx)")
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            for msgid in ids:
                if not msgid:
                    continue
                for part in re.split(r"%\(\w+\)[sdfr]|%[sd]", msgid):
                    part = part.strip()
                    if len(part) >= 12 and re.search(r"[A-Za-z]{3}", part):
                        phrases.add(part)
    return frozenset(phrases)


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes and the visible attributes, without scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return re.sub(r"\s+", " ", " ".join(parser.parts))


def english_in(html: str, phrases=None) -> list[str]:
    """The catalogues' English source phrases that appear in the visible text of a page."""
    text = VisibleText.of(html)
    return sorted(phrase for phrase in (phrases or english_phrases()) if phrase in text)


def test_the_crawl_detects_english_left_in_a_chinese_page():
    assert "Invalid e-mail address or password." in english_phrases()
    assert "English" not in english_phrases()  # too short to be sure, and kept as is on purpose
    page = '<p title="Forgot your password?">登录</p><script>"Invalid e-mail address or password."</script>'
    assert english_in(page) == ["Forgot your password?"]
    assert english_in("<p>Invalid e-mail address or password.</p>") == ["Invalid e-mail address or password."]


def make_zone(make_user, role: str, locale: str) -> User:
    """A small zone so that lists have rows: one platform, one company, one institution, a report."""
    from tests import factories

    user = make_user(role, locale=locale, name="测试用户")
    try:
        company = factories.organisation(name="星河科技有限公司")
        institution = factories.organisation(kind="university", name="江南大学")
        where = factories.platform(name="创新孵化器")
        factories.incubation(company, where, date(2026, 1, 5))
        factories.report(company, "2026Q1", revenue=1_234_500)
        if role == "manager":
            where.managers.append(user)
        elif role == "startup":
            user.organisation_id = company.id
        elif role == "partner":
            user.organisation_id = institution.id
        db.session.commit()
    except Exception:  # the core factories belong to other areas; the crawl still runs without rows
        db.session.rollback()
    return user


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role_in_both_languages(app, make_user, role, locale):
    user = make_zone(make_user, role, locale)
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    phrases = english_phrases()
    problems = []
    urls = crawlable_urls(app)
    assert {"/home", "/account", "/account/password", "/notifications/", "/admin/users", "/admin/audit/"} <= set(urls)
    for url in urls:
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001 - in testing an unhandled error propagates: report it
            problems.append(f"{url}: {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if locale != "zh" or not response.mimetype == "text/html":
            continue
        english = english_in(response.get_data(as_text=True), phrases)
        if english:
            problems.append(f"{url}: untranslated {english[:5]}")
    assert client.get("/home").status_code == 200, "the crawl logged the user out"
    assert problems == []


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_anonymous_pages_render_in_both_languages(app, locale):
    client = app.test_client()
    for url in ("/login", "/register", "/password/forgot", "/no-such-page"):
        response = client.get(url, headers={"Accept-Language": locale})
        assert response.status_code in (200, 404)
        if locale == "zh":
            assert english_in(response.get_data(as_text=True)) == [], url


# --- choosing the language --------------------------------------------------------------------------

@pytest.mark.parametrize("header, lang, word", [
    ("zh-CN,zh;q=0.9,en;q=0.5", "zh-CN", "登录"),
    ("en-US,en;q=0.9", "en", "Log in"),
    ("fr-FR", "zh-CN", "登录"),  # not offered: the zone's default
])
def test_before_login_the_browser_language_is_used(client, header, lang, word):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and word in page


def test_an_anonymous_visitors_choice_beats_the_browser(client):
    client.post("/language/en", data={"next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_a_users_language_switch_is_remembered_across_sessions(app, make_user):
    user = make_user("manager", locale="en")
    client = app.test_client()
    AuthActions(client).login(user)
    assert '<html lang="en">' in client.get("/home").get_data(as_text=True)
    response = client.post("/language/zh", data={"next": "/home"})
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert '<html lang="zh-CN">' in client.get("/home").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh"
    other_browser = app.test_client()
    AuthActions(other_browser).login(user)
    page = other_browser.get("/home", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page


def test_an_unknown_language_or_foreign_next_is_ignored(client):
    response = client.post("/language/fr", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_language_chosen_before_registering_becomes_the_accounts(app, client):
    from sqlalchemy import select

    from .auth.test_accounts import outbox
    from .auth.test_registration import link_in

    client.post("/language/en")
    client.post("/register", data={"name": "Amy", "email": "amy@example.cn", "password": "long-enough-pass",
                                   "confirm": "long-enough-pass"})
    client.post(link_in(outbox(app)[0]), data={"password": "long-enough-pass"})  # the activation link
    assert db.session.scalar(select(User.locale).where(User.email == "amy@example.cn")) == "en"
