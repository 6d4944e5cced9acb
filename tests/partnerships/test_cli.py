"""``flask create-user --role partner --institution CREDIT_CODE`` binds a partner contact to their institution."""
from __future__ import annotations

from incubator.auth.models import User
from incubator.extensions import db
from sqlalchemy import select

PASSWORD = "a-long-enough-passphrase"


def create(runner, *args):
    return runner.invoke(args=["create-user", *args], input=PASSWORD + "\n")


def test_partner_account_is_bound_to_the_institution(runner, university):
    result = create(runner, "liu@partner.example.cn", "--role", "partner", "--institution", university.credit_code.lower())
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "liu@partner.example.cn"))
    assert user.organisation_id == university.id


def test_a_company_code_is_refused_and_no_account_is_made(runner, company):
    result = create(runner, "x@partner.example.cn", "--role", "partner", "--institution", company.credit_code)
    assert result.exit_code != 0
    assert "is not a university or research institute" in result.output
    assert db.session.scalar(select(User).where(User.email == "x@partner.example.cn")) is None


def test_an_unknown_code_and_a_non_partner_role_are_refused(runner, university):
    result = create(runner, "y@partner.example.cn", "--role", "partner", "--institution", "123")
    assert result.exit_code != 0 and "No organisation has the credit code 123." in result.output
    result = create(runner, "z@partner.example.cn", "--role", "manager", "--institution", university.credit_code)
    assert result.exit_code != 0 and "Only partner accounts" in result.output
