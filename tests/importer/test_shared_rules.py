"""Import kinds and services share one rule each: the pinyin sort key, the expert's academy, the credit code.

These tests start from the migrated, empty database: no seed and no reference data made by fixtures."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from incubator.extensions import db
from incubator.organisations.models import Organisation
from incubator.organisations.services import create_organisation
from incubator.partnerships import services as partnerships
from incubator.platforms import services as platforms
from incubator.platforms.models import Expert
from incubator.saving import RuleBroken

from .. import factories

MIXED_NAME = "Alpha 芯片 Lab"


def test_imported_and_typed_names_get_the_same_sort_key(app, run_import, sheet):
    imported_code, typed_code = factories.credit_code(701), factories.credit_code(702)
    run = run_import("organizations", sheet([["credit_code", "name", "kind"], [imported_code, MIXED_NAME, "startup"]],
                                            fmt="csv-utf8", name="orgs"))
    assert run.exit_code == 0, run.problems
    create_organisation(name=MIXED_NAME, kind="startup", credit_code=typed_code)
    run = run_import("experts", sheet([["name", "affiliation", "kind"], [MIXED_NAME, "示范大学", "mentor"]],
                                      fmt="csv-utf8", name="experts"))
    assert run.exit_code == 0, run.problems
    platforms.create_expert(name=MIXED_NAME, affiliation="另一大学", kind="mentor")
    db.session.commit()
    organisation_keys = db.session.scalars(select(Organisation.name_sort).order_by(Organisation.credit_code)).all()
    expert_keys = db.session.scalars(select(Expert.name_sort).order_by(Expert.affiliation)).all()
    assert organisation_keys == ["alpha xin pian lab", "alpha xin pian lab"]
    assert expert_keys == ["alpha xin pian lab", "alpha xin pian lab"]


@pytest.mark.parametrize("row, service_values, message", [
    (["王", "", "academician", ""], {"kind": "academician", "academy": None},
     "An academician belongs to CAS or CAE."),
    (["王", "", "academician", "CAS"], {"kind": "academician", "academy": "CAS"}, None),
])
def test_the_academy_rule_is_the_same_for_import_and_form(app, run_import, sheet, row, service_values, message):
    run = run_import("experts", sheet([["name", "affiliation", "kind", "academy"], row], fmt="csv-utf8"))
    imported_problems = [line.split(": ", 1)[1] for line in run.problems]
    try:
        platforms.create_expert(name="王", affiliation="表单", **service_values)
        typed_problems = []
    except RuleBroken as error:
        with force_locale("en"):  # the command speaks English; the form's language is the user's
            typed_problems = [str(text) for text in error.problems.values()]
    expected = [message] if message else []
    assert imported_problems == expected
    assert typed_problems == expected


def test_an_institution_cannot_take_a_company_s_credit_code(app):
    company = factories.organisation("startup")
    db.session.commit()
    with pytest.raises(RuleBroken) as refused:
        partnerships.create_institution({"name": "示范大学", "kind": "university", "credit_code": company.credit_code})
    with force_locale("en"):
        message = str(refused.value.problems["credit_code"])
    assert message == f"Another organisation already has the credit code {company.credit_code}."
    bad = company.credit_code[:-1] + ("0" if company.credit_code[-1] != "0" else "1")
    with pytest.raises(RuleBroken) as refused:
        partnerships.create_institution({"name": "示范大学", "kind": "university", "credit_code": bad})
    assert "credit_code" in refused.value.problems
