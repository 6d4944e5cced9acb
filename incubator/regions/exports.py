"""Exports of a region's roll-up: the CSV zip in the shape of the zone's contract, the xlsx workbook for people.

Each file is one ``ExportFile`` of the evaluation's exports (name, column keys, rows), so the CSV zip (codes and
keys, whatever the language) and the workbook (headers and coded values in the language) come from the same
rows. ``summary.csv`` has exactly the zone's columns; ``zones.csv`` says which zones are counted.
"""
from __future__ import annotations

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from .. import formatting
from ..evaluation.exports import (NUMBER, SUMMARY_COLUMNS, TEXT, XLSX_LABELS, ExportFile, _rating_word, _words,
                                  labelled_rows, r, summary_rows)
from ..evaluation.services import as_of
from ..i18n import area_catalogue
from ..outcomes.labels import KIND_LABELS, PLATFORM_KIND_LABELS
from ..platforms.kinds import LEVEL_LABELS
from ..spreadsheets import Column, XlsxStreamWriter, write_csv_zip

FORMATS = ("csv", "xlsx")
PUBLISHED, UNPUBLISHED = "published", "unpublished"


def zone_rows(rollup, lang: str):
    for standing in rollup.zones:
        snapshot, result = standing.snapshot, standing.result
        yield [standing.zone.code, standing.name(lang), PUBLISHED if snapshot else UNPUBLISHED,
               snapshot.version if snapshot else None, as_of(snapshot.published_at) if snapshot else None,
               r(result.score, 1) if result else None, result.rating if result else None, standing.rank]


def platform_rows(rollup, lang: str):
    for standing in rollup.platforms:
        scope = standing.scope
        yield [standing.zone.code, scope.code, scope.name, scope.kind, scope.level, r(scope.score, 1),
               scope.rating, standing.rank]


def about_rows(rollup, lang: str):
    yield ["period", str(rollup.period)]
    yield ["region", rollup.region.code]
    yield ["region_name", rollup.name(lang)]
    yield ["generated_at", as_of(rollup.generated_at)]
    yield ["zones", len(rollup.zones)]
    yield ["zones_published", len(rollup.published_zones)]
    yield ["previous_year_complete", "yes" if rollup.previous_complete else "no"]


FILES: tuple[ExportFile, ...] = (
    ExportFile("summary.csv", _l("Region"), SUMMARY_COLUMNS,
               lambda rollup, lang: summary_rows(_AsEvaluation(rollup), lang)),
    ExportFile("zones.csv", _l("Zones"), (
        ("zone_code", _l("Zone code"), TEXT), ("zone_name", _l("Zone"), TEXT),
        ("status", _l("Publication"), TEXT), ("version", _l("Version"), NUMBER),
        ("published_at", _l("Published at"), TEXT), ("score", _l("Score"), NUMBER),
        ("rating", _l("Rating"), TEXT), ("rank", _l("Rank"), NUMBER)), zone_rows),
    ExportFile("platforms.csv", _l("Platforms"), (
        ("zone_code", _l("Zone code"), TEXT), ("platform_code", _l("Platform code"), TEXT),
        ("platform_name", _l("Platform"), TEXT), ("kind", _l("Platform kind"), TEXT), ("level", _l("Level"), TEXT),
        ("score", _l("Score"), NUMBER), ("rating", _l("Rating"), TEXT), ("rank", _l("Rank"), NUMBER)),
        platform_rows),
    ExportFile("about.csv", _l("About"), (("key", _l("Key"), TEXT), ("value", _l("Value"), TEXT)), about_rows),
)


class _AsEvaluation:
    """The region's results where the zone's ``summary_rows`` reads an evaluation's zone results."""

    def __init__(self, rollup):
        self.zone = rollup


def _publication_word(code, lang):
    return {PUBLISHED: gettext("Published"), UNPUBLISHED: gettext("Not published")}.get(code, code)


WORKBOOK_LABELS = {
    ("summary.csv", "kind"): _words(KIND_LABELS),
    ("summary.csv", "status"): XLSX_LABELS[("summary.csv", "status")],
    ("zones.csv", "status"): _publication_word,
    ("zones.csv", "rating"): _rating_word,
    ("platforms.csv", "kind"): _words(PLATFORM_KIND_LABELS),
    ("platforms.csv", "level"): _words(LEVEL_LABELS),
    ("platforms.csv", "rating"): _rating_word,
}


def region_file_name(rollup, fmt: str, lang: str) -> tuple[str, str]:
    """``区域考核_JS_2026Q3_zh.xlsx`` and its ASCII fallback ``region-evaluation_JS_2026Q3_zh.xlsx``."""
    from ..downloads import export_name

    return export_name({"zh": "区域考核", "en": "region-evaluation"}, [rollup.region.code, str(rollup.period)],
                       lang, "zip" if fmt == "csv" else fmt)


def write_csv_export(rollup, target, lang: str = "zh") -> None:
    write_csv_zip(target, ((item.name, [key for key, _label, _kind in item.columns], item.rows(rollup, lang))
                           for item in FILES))


def write_xlsx_export(rollup, target, lang: str = "zh") -> None:
    """The workbook for people: the contract's files as sheets, headers and coded values in ``lang``."""
    number_formats = {"achievement": formatting.XLSX_PERCENT, "expected": formatting.XLSX_PERCENT}
    with force_locale(lang), area_catalogue("regions"):
        writer = XlsxStreamWriter(target)
        title = f"{rollup.name(lang)} · {gettext('Region evaluation')} {rollup.period}"
        for item in FILES:
            columns = [Column(str(label), kind, num_format=number_formats.get(key)) for key, label, kind in item.columns]
            writer.add_sheet(str(item.sheet), columns, labelled_rows(item, rollup, lang, WORKBOOK_LABELS),
                             print_title=title)
        writer.close()


def export(rollup, fmt: str, target, lang: str = "zh") -> None:
    if fmt == "csv":
        write_csv_export(rollup, target, lang)
    elif fmt == "xlsx":
        write_xlsx_export(rollup, target, lang)
    else:
        raise ValueError(fmt)

