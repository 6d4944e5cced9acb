"""Exports of an evaluation: the CSV zip of the contract, the xlsx workbook for people, the printable report.

Each file of the contract is one ``ExportFile`` (name, column keys, rows); the CSV zip and the xlsx
workbook are written from the same rows, so they cannot disagree. Rows stream from the evaluation
(live queries or a published snapshot); numbers are rounded here, on output only.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..database import round_half_up
from ..i18n import area_catalogue
from ..outcomes.catalogue import BY_CODE, CATALOGUE, REPORT_INDICATORS
from ..quality import evaluation as anomaly_export
from ..spreadsheets import Column, XlsxStreamWriter, write_csv_zip
from .services import as_of

FORMATS = ("csv", "xlsx")


def r(value: Decimal | int | None, places: int) -> Decimal | int | None:
    """A figure rounded for output (whole numbers are already exact)."""
    if value is None or type(value) is int:
        return value
    return round_half_up(value, places)


def summary_rows(evaluation, lang: str):
    for result in evaluation.zone.results:
        indicator = BY_CODE[result.code]
        places = indicator.places
        yield [result.code, indicator.name(lang), indicator.unit.label(lang), indicator.kind,
               r(result.period_value, places), r(result.ytd_value, places), r(result.ytd_prev_year, places),
               r(result.yoy_growth_pct, 2), r(result.target, places), r(result.achievement, 4),
               r(result.expected, 4), result.status]


def platform_rows(evaluation, lang: str):
    for scope in evaluation.platforms:
        for result in scope.results:
            places = BY_CODE[result.code].places
            yield [scope.code, scope.name, scope.kind, scope.level, result.code, r(result.period_value, places),
                   r(result.ytd_value, places), r(result.target, places), r(result.achievement, 4), result.status]


def company_rows(evaluation, lang: str):
    for company in evaluation.iter_companies():
        for indicator in REPORT_INDICATORS:
            period_value, ytd_value = company.values[indicator.code]
            yield [company.credit_code, company.name, company.platform_code, indicator.code,
                   r(period_value, indicator.places), r(ytd_value, indicator.places)]


def score_rows(evaluation, lang: str):
    yield ["zone", "ZONE", evaluation.zone_name(lang), r(evaluation.zone.score, 1), evaluation.zone.rating]
    for scope in evaluation.platforms:
        yield ["platform", scope.code, scope.name, r(scope.score, 1), scope.rating]


def deal_rows(evaluation, lang: str):
    for deal in evaluation.iter_deals():
        yield [deal.reference, deal.date, deal.title, deal.kind, deal.source_credit_code, deal.source_name,
               deal.recipient_credit_code, deal.recipient_name, r(deal.value, 4)]


def quality_rows(evaluation, lang: str):
    for row in evaluation.iter_data_quality():
        yield [row.credit_code, row.company_name, row.platform_code, row.problem]


def about_rows(evaluation, lang: str):
    yield ["period", str(evaluation.period)]
    yield ["zone", evaluation.zone_name(lang)]
    yield ["generated_at", as_of(evaluation.generated_at)]
    yield ["version", evaluation.version]
    yield ["published", "yes" if evaluation.published else "no"]


@dataclass(frozen=True)
class ExportFile:
    name: str
    sheet: object  # lazy translated sheet name
    columns: tuple[tuple[str, object, str], ...]  # (key, lazy header, kind: text | number | date)
    rows: Callable


TEXT, NUMBER, DATE = "text", "number", "date"

FILES: tuple[ExportFile, ...] = (
    ExportFile("summary.csv", _l("Zone"), (
        ("indicator", _l("Indicator code"), TEXT), ("name", _l("Indicator"), TEXT), ("unit", _l("Unit"), TEXT),
        ("kind", _l("Kind"), TEXT), ("period_value", _l("Quarter value"), NUMBER),
        ("ytd_value", _l("Year to date"), NUMBER), ("ytd_prev_year", _l("Year to date, a year earlier"), NUMBER),
        ("yoy_growth_pct", _l("Year-on-year growth (%)"), NUMBER), ("target", _l("Annual target"), NUMBER),
        ("achievement", _l("Achievement"), NUMBER), ("expected", _l("Expected progress"), NUMBER),
        ("status", _l("Status"), TEXT)), summary_rows),
    ExportFile("platforms.csv", _l("Platforms"), (
        ("platform_code", _l("Platform code"), TEXT), ("platform_name", _l("Platform"), TEXT),
        ("kind", _l("Platform kind"), TEXT), ("level", _l("Level"), TEXT), ("indicator", _l("Indicator code"), TEXT),
        ("period_value", _l("Quarter value"), NUMBER), ("ytd_value", _l("Year to date"), NUMBER),
        ("target", _l("Annual target"), NUMBER), ("achievement", _l("Achievement"), NUMBER),
        ("status", _l("Status"), TEXT)), platform_rows),
    ExportFile("companies.csv", _l("Companies"), (
        ("credit_code", _l("Unified social credit code"), TEXT), ("company_name", _l("Company"), TEXT),
        ("platform_code", _l("Platform code"), TEXT), ("indicator", _l("Indicator code"), TEXT),
        ("period_value", _l("Quarter value"), NUMBER), ("ytd_value", _l("Year to date"), NUMBER)), company_rows),
    ExportFile("scores.csv", _l("Scores"), (
        ("scope_type", _l("Scope type"), TEXT), ("scope_code", _l("Scope code"), TEXT),
        ("scope_name", _l("Scope"), TEXT), ("score", _l("Score"), NUMBER), ("rating", _l("Rating"), TEXT)),
        score_rows),
    ExportFile("tech_transfers.csv", _l("Tech transfers"), (
        ("reference", _l("Reference"), TEXT), ("date", _l("Date"), DATE), ("title", _l("Title"), TEXT),
        ("kind", _l("Deal kind"), TEXT), ("source_credit_code", _l("Source credit code"), TEXT),
        ("source_name", _l("Source"), TEXT), ("recipient_credit_code", _l("Recipient credit code"), TEXT),
        ("recipient_name", _l("Recipient"), TEXT), ("value", _l("Value (10,000 CNY)"), NUMBER)), deal_rows),
    ExportFile("data_quality.csv", _l("Data quality"), (
        ("credit_code", _l("Unified social credit code"), TEXT), ("company_name", _l("Company"), TEXT),
        ("platform_code", _l("Platform code"), TEXT), ("problem", _l("Problem"), TEXT)), quality_rows),
    ExportFile("anomalies.csv", anomaly_export.SHEET, anomaly_export.COLUMNS, anomaly_export.export_rows),
    ExportFile("about.csv", _l("About"), (("key", _l("Key"), TEXT), ("value", _l("Value"), TEXT)), about_rows),
)


def files_of(evaluation) -> tuple[ExportFile, ...]:
    """The files an evaluation has: a version published before the anomaly checks has no ``anomalies.csv``."""
    if getattr(evaluation, "has_anomalies", False):
        return FILES
    return tuple(item for item in FILES if item.name != "anomalies.csv")


def file_name(evaluation, fmt: str) -> str:
    suffix = f"v{evaluation.version}" if evaluation.published else "live"
    return f"evaluation-{evaluation.period}-{suffix}.{'zip' if fmt == 'csv' else fmt}"


def write_csv_export(evaluation, target, lang: str = "zh") -> None:
    """The CSV zip of the contract: the files in order, keys as headers whatever the language."""
    write_csv_zip(target, ((item.name, [key for key, _label, _kind in item.columns], item.rows(evaluation, lang))
                           for item in files_of(evaluation)))


def write_xlsx_export(evaluation, target, lang: str = "zh") -> None:
    """The workbook for people: a cover sheet, then the contract's files as sheets with headers in ``lang``."""
    with force_locale(lang), area_catalogue("evaluation"):
        writer = XlsxStreamWriter(target)
        _cover(writer, evaluation, lang)
        for item in files_of(evaluation):
            if item.name == "about.csv":
                continue
            columns = [Column(str(label), kind) for _key, label, kind in item.columns]
            sheet, count = writer.add_sheet(str(item.sheet), columns, item.rows(evaluation, lang))
            if item.name == "summary.csv":
                _achievement_chart(writer, sheet, str(item.sheet), count)
        writer.close()


def _cover(writer: XlsxStreamWriter, evaluation, lang: str) -> None:
    status = gettext("Published, version %(version)s", version=evaluation.version) if evaluation.published \
        else gettext("Not published: live figures")
    rows = [
        [gettext("Quarterly evaluation"), str(evaluation.period)],
        [gettext("Zone"), evaluation.zone_name(lang)],
        [gettext("Version"), evaluation.version],
        [gettext("Published"), gettext("yes") if evaluation.published else gettext("no")],
        [gettext("Status"), status],
        [gettext("Generated at"), as_of(evaluation.generated_at)],
        [gettext("Score"), r(evaluation.zone.score, 1)],
        [gettext("Rating"), evaluation.zone.rating],
    ]
    columns = [Column(gettext("Item"), TEXT), Column(gettext("Value"), NUMBER)]
    writer.add_sheet(gettext("Cover"), columns, rows)


def _achievement_chart(writer: XlsxStreamWriter, sheet, sheet_name: str, count: int) -> None:
    """A bar chart of each indicator's achievement against its expected progress."""
    if not count:
        return
    chart = writer.workbook.add_chart({"type": "bar"})
    for column, name in ((9, gettext("Achievement")), (10, gettext("Expected progress"))):
        chart.add_series({
            "name": name,
            "categories": [sheet_name, 1, 1, count, 1],
            "values": [sheet_name, 1, column, count, column],
        })
    chart.set_title({"name": gettext("Achievement against expected progress")})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 720, "height": 24 * count + 120})
    sheet.insert_chart(1, 13, chart)


def export(evaluation, fmt: str, target, lang: str = "zh") -> None:
    if fmt == "csv":
        write_csv_export(evaluation, target, lang)
    elif fmt == "xlsx":
        write_xlsx_export(evaluation, target, lang)
    else:
        raise ValueError(fmt)


def catalogue_codes() -> Iterable[str]:
    return (indicator.code for indicator in CATALOGUE)
