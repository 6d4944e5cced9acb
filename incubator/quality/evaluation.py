"""The flags of an evaluation: the rows of ``anomalies.csv`` and of the sheet of flags, live or frozen.

A published version freezes each row with its explanation in both languages, so a later change of a
threshold or of a wording never changes what a published evaluation says.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..organisations.models import Organisation
from ..periods import Period
from .checks import Flag

# The columns of anomalies.csv, in the contract's order: (key, header for people, kind).
COLUMNS = (
    ("credit_code", _l("Unified social credit code"), "text"), ("company_name", _l("Company"), "text"),
    ("platform_code", _l("Platform code"), "text"), ("period", _l("Period"), "text"),
    ("indicator", _l("Indicator code"), "text"), ("check", _l("Check"), "text"),
    ("severity", _l("Severity"), "text"), ("value", _l("Value"), "number"),
    ("expected_low", _l("Expected from"), "number"), ("expected_high", _l("Expected up to"), "number"),
    ("explanation", _l("Explanation"), "text"),
)
SHEET = _l("Anomalies")


def _text(value) -> str | None:
    return None if value is None else str(value)


def _number(text):
    if text is None:
        return None
    return Decimal(text) if "." in text else int(text)


@dataclass
class AnomalyRow:
    credit_code: str | None
    company_name: str
    platform_code: str | None
    period: str
    indicator: str
    check: str
    severity: str
    value: Decimal | int
    expected_low: Decimal | int | None
    expected_high: Decimal | int | None
    explanation_zh: str
    explanation_en: str
    organisation_id: int | None = None

    def explanation(self, lang: str) -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en

    def cells(self, lang: str) -> list:
        return [self.credit_code, self.company_name, self.platform_code, self.period, self.indicator, self.check,
                self.severity, self.value, self.expected_low, self.expected_high, self.explanation(lang)]

    def to_json(self) -> list:
        return [self.credit_code, self.company_name, self.platform_code, self.period, self.indicator, self.check,
                self.severity, _text(self.value), _text(self.expected_low), _text(self.expected_high),
                self.explanation_zh, self.explanation_en, self.organisation_id]

    @classmethod
    def from_json(cls, data: list) -> "AnomalyRow":
        return cls(*data[:7], _number(data[7]), _number(data[8]), _number(data[9]), *data[10:13])


def anomaly_rows(period: Period, flags: list[Flag], platform_codes: dict, placements: dict) -> list[AnomalyRow]:
    """The rows of ``flags``, by credit code (code point), indicator, then check."""
    ids = sorted({flag.organisation_id for flag in flags})
    companies = {}
    for start in range(0, len(ids), 5000):
        companies.update({row[0]: (row[1], row[2]) for row in db.session.execute(
            select(Organisation.id, Organisation.credit_code, Organisation.name)
            .where(Organisation.id.in_(ids[start:start + 5000])))})
    rows = []
    for flag in flags:
        credit_code, name = companies[flag.organisation_id]
        rows.append(AnomalyRow(credit_code, name, platform_codes.get(placements.get(flag.organisation_id)), str(period),
                               flag.indicator, flag.check, flag.severity, flag.value, flag.expected_low,
                               flag.expected_high, flag.explanation("zh"), flag.explanation("en"),
                               flag.organisation_id))
    rows.sort(key=lambda row: (row.credit_code or "", row.indicator, row.check, row.company_name,
                               row.organisation_id or 0))
    return rows


def export_rows(evaluation, lang: str):
    """The rows of ``anomalies.csv`` of an evaluation (its language only changes the explanation)."""
    for row in evaluation.iter_anomalies():
        yield row.cells(lang)
