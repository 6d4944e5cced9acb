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

from .. import formatting
from ..database import round_half_up
from ..i18n import area_catalogue
from ..outcomes.catalogue import BY_CODE, CATALOGUE, REPORT_INDICATORS
from ..outcomes.labels import KIND_LABELS, PLATFORM_KIND_LABELS, PROBLEM_LABELS, RATING_LABELS
from ..partnerships.forms import deal_kind_labels
from ..platforms.kinds import LEVEL_LABELS
from ..quality import evaluation as anomaly_export
from ..quality.checks import BY_CHECK, SEVERITY_NAMES
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

# The contract's summary.csv columns, the zone's and a region's alike (spec/evaluation.md).
SUMMARY_COLUMNS = (
    ("indicator", _l("Indicator code"), TEXT), ("name", _l("Indicator"), TEXT), ("unit", _l("Unit"), TEXT),
    ("kind", _l("Kind"), TEXT), ("period_value", _l("Quarter value"), NUMBER),
    ("ytd_value", _l("Year to date"), NUMBER), ("ytd_prev_year", _l("Year to date, a year earlier"), NUMBER),
    ("yoy_growth_pct", _l("Year-on-year growth (%)"), NUMBER), ("target", _l("Annual target"), NUMBER),
    ("achievement", _l("Achievement"), NUMBER), ("expected", _l("Expected progress"), NUMBER),
    ("status", _l("Status"), TEXT))

FILES: tuple[ExportFile, ...] = (
    ExportFile("summary.csv", _l("Zone"), SUMMARY_COLUMNS, summary_rows),
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


# The words a file name starts with, in the language of its contents.
FILE_WORDS = {"zh": "考核评价", "en": "evaluation"}
LIVE_WORDS = {"zh": "实时", "en": "live"}


def file_name(evaluation, fmt: str, lang: str = "zh", platform_code: str | None = None) -> str:
    """``考核评价_2026Q3_v2_zh.xlsx``, ``evaluation_2026Q3_live_en.zip``: period, version, language (and
    the platform for a per-platform file), so exports of two languages or versions never share a name."""
    version = f"v{evaluation.version}" if evaluation.published else LIVE_WORDS[lang]
    parts = [FILE_WORDS[lang], str(evaluation.period), version] + ([platform_code] if platform_code else []) + [lang]
    return "_".join(parts) + "." + ("zip" if fmt == "csv" else fmt)


def ascii_file_name(evaluation, fmt: str, lang: str = "zh", platform_code: str | None = None) -> str:
    """The same name in ASCII words, for clients that do not read RFC 5987 ``filename*``."""
    return file_name(evaluation, fmt, "en", platform_code).rsplit("_en.", 1)[0] + f"_{lang}." + (
        "zip" if fmt == "csv" else fmt)


def write_csv_export(evaluation, target, lang: str = "zh") -> None:
    """The CSV zip of the contract: the files in order, keys as headers whatever the language."""
    write_csv_zip(target, ((item.name, [key for key, _label, _kind in item.columns], item.rows(evaluation, lang))
                           for item in files_of(evaluation)))


# --- the workbook for people -----------------------------------------------------------------------------

def _words(mapping):
    """A labeller from a registry of lazy labels: the code's word, or the code itself if it has none."""
    return lambda code, lang: str(mapping[code]) if code in mapping else code


def _indicator_name(code, lang):
    return BY_CODE[code].name(lang) if code in BY_CODE else code


def _check_name(code, lang):
    return BY_CHECK[code].name(lang) if code in BY_CHECK else code


def _severity_name(code, lang):
    names = SEVERITY_NAMES.get(code)
    return names[0 if lang == "zh" else 1] if names else code


def _rating_word(code, lang):
    return f"{code} · {RATING_LABELS[code]}" if code in RATING_LABELS else code


def _scope_type_word(code, lang):
    from flask_babel import gettext

    return {"zone": gettext("Zone"), "platform": gettext("Platform")}.get(code, code)


# (file, column key) -> how a coded value reads in the workbook; the CSV keeps the codes of the contract.
XLSX_LABELS: dict[tuple[str, str], Callable] = {
    ("summary.csv", "kind"): _words(KIND_LABELS),
    ("summary.csv", "status"): _words(formatting.STATUS_WORDS),
    ("platforms.csv", "kind"): _words(PLATFORM_KIND_LABELS),
    ("platforms.csv", "level"): _words(LEVEL_LABELS),
    ("platforms.csv", "indicator"): _indicator_name,
    ("platforms.csv", "status"): _words(formatting.STATUS_WORDS),
    ("companies.csv", "indicator"): _indicator_name,
    ("scores.csv", "scope_type"): _scope_type_word,
    ("scores.csv", "rating"): _rating_word,
    ("tech_transfers.csv", "kind"): _words(deal_kind_labels()),
    ("data_quality.csv", "problem"): _words(PROBLEM_LABELS),
    ("anomalies.csv", "indicator"): _indicator_name,
    ("anomalies.csv", "check"): _check_name,
    ("anomalies.csv", "severity"): _severity_name,
}
# Headers of the columns whose codes become words in the workbook.
XLSX_HEADERS = {"indicator": _l("Indicator")}
# Ratios stay ratios in the cells (exact, as in the CSV) and read as percentages.
XLSX_NUMBER_FORMATS = {"achievement": formatting.XLSX_PERCENT, "expected": formatting.XLSX_PERCENT}


def _xlsx_columns(item: ExportFile) -> list[Column]:
    columns = []
    for key, label, kind in item.columns:
        if (item.name, key) in XLSX_LABELS and key in XLSX_HEADERS and item.name != "summary.csv":
            label = XLSX_HEADERS[key]
        columns.append(Column(str(label), kind, num_format=XLSX_NUMBER_FORMATS.get(key)))
    return columns


def labelled_rows(item: ExportFile, source, lang: str, labels: dict = XLSX_LABELS):
    """The contract's rows of ``source`` (an evaluation, a region's roll-up) with each coded value as its word
    in ``lang``, for the workbooks people read."""
    labellers = [(index, labels[(item.name, key)]) for index, (key, _label, _kind) in enumerate(item.columns)
                 if (item.name, key) in labels]
    for row in item.rows(source, lang):
        row = list(row)
        for index, labeller in labellers:
            if row[index]:
                row[index] = labeller(row[index], lang)
        yield row


def wide_company_rows(evaluation, lang: str):
    """One row per company: its identity, then each report indicator's year-to-date value."""
    for company in evaluation.iter_companies():
        yield [company.credit_code, company.name, company.platform_code] + [
            r(company.values[indicator.code][1], indicator.places) for indicator in REPORT_INDICATORS]


def _wide_company_columns(lang: str) -> list[Column]:
    from flask_babel import gettext

    columns = [Column(gettext("Unified social credit code"), TEXT), Column(gettext("Company"), TEXT),
               Column(gettext("Platform code"), TEXT)]
    for indicator in REPORT_INDICATORS:
        columns.append(Column(f"{indicator.name(lang)} ({indicator.unit.label(lang)})", NUMBER,
                              min_width=8, max_width=18))
    return columns


def write_xlsx_export(evaluation, target, lang: str = "zh") -> None:
    """The workbook for people: a cover sheet, then the contract's files as sheets, headers and coded values
    in ``lang``, each a filtered table that prints one page wide; the companies also one row per company."""
    with force_locale(lang), area_catalogue("evaluation"):
        writer = XlsxStreamWriter(target)
        title = f"{evaluation.zone_name(lang)} · {gettext('Quarterly evaluation')} {evaluation.period}"
        _cover(writer, evaluation, lang, title)
        for item in files_of(evaluation):
            if item.name == "about.csv":
                continue
            sheet, count = writer.add_sheet(str(item.sheet), _xlsx_columns(item), labelled_rows(item, evaluation, lang),
                                            print_title=title)
            if item.name == "summary.csv":
                _achievement_chart(writer, sheet, str(item.sheet), count)
            if item.name == "companies.csv":
                writer.add_sheet(gettext("Companies, year to date"), _wide_company_columns(lang),
                                 wide_company_rows(evaluation, lang), print_title=title)
        writer.close()


def _cover(writer: XlsxStreamWriter, evaluation, lang: str, title: str) -> None:
    status = gettext("Published, version %(version)s", version=evaluation.version) if evaluation.published \
        else gettext("Not published: live figures")
    rows = [
        [gettext("Quarterly evaluation"), str(evaluation.period)],
        [gettext("Zone"), evaluation.zone_name(lang)],
        [gettext("Version"), evaluation.version],
        [gettext("Published"), gettext("yes") if evaluation.published else gettext("no")],
        [gettext("Status"), status],
        [gettext("Generated at"), formatting.local_datetime(evaluation.generated_at)],
        [gettext("Score"), r(evaluation.zone.score, 1)],
        [gettext("Rating"), _rating_word(evaluation.zone.rating, lang) if evaluation.zone.rating else None],
    ]
    columns = [Column(gettext("Item"), TEXT), Column(gettext("Value"), NUMBER)]
    sheet, _count = writer.add_sheet(gettext("Cover"), columns, rows)
    writer.set_print_layout(sheet, title)


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
    chart.set_x_axis({"num_format": "0%"})
    chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 720, "height": 24 * count + 120})
    # Below the table, not beside it: printed one page wide, a chart to the right of the table shrank the
    # table's text to a third of its size (seen when LibreOffice printed the sheet to PDF).
    sheet.insert_chart(count + 2, 1, chart)


def export(evaluation, fmt: str, target, lang: str = "zh") -> None:
    if fmt == "csv":
        write_csv_export(evaluation, target, lang)
    elif fmt == "xlsx":
        write_xlsx_export(evaluation, target, lang)
    else:
        raise ValueError(fmt)


def catalogue_codes() -> Iterable[str]:
    return (indicator.code for indicator in CATALOGUE)
