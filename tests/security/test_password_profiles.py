"""Password rules as a setting: the ASVS profile (length + common passwords, no composition rules, the
default) and the 等保 2.0 profile (8+ characters of three kinds, not containing the account name)."""
from __future__ import annotations

import pytest
from flask import current_app
from flask_babel import force_locale

from incubator.auth.services import AccountError, common_passwords, create_user, password_problems


def _texts(password, email="zhang.wei@example.cn", locale="en"):
    with current_app.test_request_context(), force_locale(locale):
        return [str(problem) for problem in password_problems(password, email)]


def test_the_asvs_profile_is_the_default(app):
    assert app.config["PASSWORD_PROFILE"] == "asvs"


def test_asvs_refuses_common_passwords_whatever_their_case(app):
    assert len(common_passwords()) > 5000
    assert "qwertyuiop" in common_passwords()
    for password in ["qwertyuiop", "QwertyUIOP", "1234567890", "password123"]:
        assert "This password is one of the most common passwords; choose another." in _texts(password), password


def test_asvs_has_no_composition_rules_and_checks_length(app):
    assert _texts("correct horse battery staple") == []
    assert _texts("全是中文的一句长密码口令啊") == []
    assert _texts("short") == ["The password must have at least 10 characters."]
    assert _texts("x" * 129) == ["The password may have at most 128 characters."]
    assert _texts("Zhang.Wei@Example.cn") == ["The password may not be your e-mail address."]


@pytest.mark.parametrize("config_overrides", [{"PASSWORD_PROFILE": "dengbao", "PASSWORD_MIN_LENGTH": 8}])
def test_dengbao_asks_for_three_kinds_of_characters_and_eight_or_more(app):
    three_kinds = "The password must contain at least three of: upper-case letters, lower-case letters, digits and symbols."
    assert _texts("Abcdef12") == []             # upper, lower, digit
    assert _texts("abc-def-12") == []           # lower, symbol, digit
    assert _texts("ABC-DEF-GH") == [three_kinds]  # upper, symbol: two kinds
    assert _texts("correct horse battery staple") == [three_kinds]  # lower and symbol (space)
    assert _texts("Ab1-") == ["The password must have at least 8 characters."]
    assert _texts("qwertyuiop") == [three_kinds]  # the common list belongs to the ASVS profile


@pytest.mark.parametrize("config_overrides", [{"PASSWORD_PROFILE": "dengbao", "PASSWORD_MIN_LENGTH": 8}])
def test_dengbao_refuses_a_password_containing_the_account_name(app, make_user):
    assert "The password may not contain your account name." in _texts("My-Zhang.Wei-2026")
    with pytest.raises(AccountError) as refused:
        create_user("liming@example.cn", "manager", "LiMing#2026")
    with app.test_request_context(), force_locale("en"):
        assert str(refused.value) == "The password may not contain your account name."
    user = create_user("liming@example.cn", "manager", "Spring#2026!")
    assert user.email == "liming@example.cn"


@pytest.mark.parametrize("config_overrides", [{"PASSWORD_PROFILE": "dengbao"}])
def test_the_rules_are_explained_in_chinese(app):
    texts = _texts("abcdefghijkl", locale="zh")
    assert texts and all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in texts)


def test_a_password_change_form_refuses_a_weak_password_under_dengbao(app, login_as):
    client, user = login_as("manager", locale="en")
    app.config["PASSWORD_PROFILE"] = "dengbao"
    response = client.post("/account/password", data={
        "current_password": "correct-horse-battery", "password": "alllowercaseletters",
        "confirm": "alllowercaseletters"}, follow_redirects=True)
    assert "at least three of" in response.get_data(as_text=True)


def test_an_unknown_profile_is_a_configuration_error(app):
    app.config["PASSWORD_PROFILE"] = "strong"
    with pytest.raises(ValueError, match="PASSWORD_PROFILE"):
        password_problems("whatever-it-is")
